#include "net/url_source.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <map>
#include <set>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "core/byte_reader.hpp"
#include "core/text.hpp"
#include "core/url_text.hpp"
#include "net/curl_multi.hpp"

namespace netboot::net {

namespace {

// Buffers are whole chunks mapped from the kernel, not heap blocks: the helper thread's
// malloc arena kept 2.3 GB after a flood of downloads ended; munmap gives it back at once.
constexpr std::size_t kChunk = 256 * 1024;

class Chunk {
 public:
  Chunk() {
    void* p = ::mmap(nullptr, kChunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    data_ = p == MAP_FAILED ? nullptr : static_cast<std::uint8_t*>(p);
  }
  ~Chunk() {
    if (data_ != nullptr) ::munmap(data_, kChunk);
  }
  Chunk(Chunk&& other) noexcept : data_(std::exchange(other.data_, nullptr)) {}
  Chunk& operator=(Chunk&& other) noexcept {
    std::swap(data_, other.data_);
    return *this;
  }
  [[nodiscard]] std::uint8_t* data() const { return data_; }

 private:
  std::uint8_t* data_ = nullptr;
};

/// Bytes [low, end) of a body in chunks; low stays a multiple of kChunk.
class ChunkBuffer {
 public:
  [[nodiscard]] std::uint64_t low() const { return low_; }
  [[nodiscard]] std::uint64_t end() const { return end_; }
  bool append(const char* bytes, std::size_t size) {
    while (size > 0) {
      const std::size_t used = static_cast<std::size_t>((end_ - low_) % kChunk);
      if (used == 0 && end_ - low_ == chunks_.size() * kChunk) {
        chunks_.emplace_back();
        if (chunks_.back().data() == nullptr) {
          chunks_.pop_back();
          return false;
        }
      }
      const std::size_t n = std::min(size, kChunk - used);
      std::memcpy(chunks_.back().data() + used, bytes, n);
      bytes += n;
      size -= n;
      end_ += n;
    }
    return true;
  }
  /// Copies from `offset` (low <= offset <= end) as much as `out` holds and is buffered.
  std::size_t copy(std::uint64_t offset, std::span<std::uint8_t> out) const {
    std::size_t copied = 0;
    while (copied < out.size() && offset < end_) {
      const auto index = static_cast<std::size_t>((offset - low_) / kChunk);
      const auto within = static_cast<std::size_t>((offset - low_) % kChunk);
      const std::size_t n = static_cast<std::size_t>(
          std::min<std::uint64_t>({out.size() - copied, kChunk - within, end_ - offset}));
      std::memcpy(out.data() + copied, chunks_[index].data() + within, n);
      copied += n;
      offset += n;
    }
    return copied;
  }
  /// Unmaps the chunks wholly below `offset`.
  void drop_below(std::uint64_t offset) {
    while (!chunks_.empty() && low_ + kChunk <= std::min(offset, end_)) {
      chunks_.pop_front();
      low_ += kChunk;
    }
  }

 private:
  std::deque<Chunk> chunks_;
  std::uint64_t low_ = 0;
  std::uint64_t end_ = 0;
};

/// What every download reserves from: the worst case of its buffer, taken at start and
/// given back when the download is destroyed.
struct Budget {
  std::atomic<std::uint64_t> reserved{0};
  std::atomic<std::size_t> downloads{0};
  std::uint64_t limit = 0;
  bool take(std::uint64_t bytes) {
    auto current = reserved.load();
    do {
      if (current + bytes > limit) return false;
    } while (!reserved.compare_exchange_weak(current, current + bytes));
    ++downloads;
    return true;
  }
  void give(std::uint64_t bytes) {
    reserved -= bytes;
    --downloads;
  }
};

class RemoteFile;

/// One download, shared by the transfers of one file. Fields under `mutex` are shared with
/// the helper thread; the callbacks are touched on the event loop only.
struct Download {
  Download(std::string fetched, std::shared_ptr<Budget> from, std::uint64_t bytes)
      : url(std::move(fetched)), requested(url), budget(std::move(from)), reservation(bytes) {}
  ~Download() { budget->give(reservation); }
  Download(const Download&) = delete;
  Download& operator=(const Download&) = delete;

  std::string url;        // what is fetched now (after the redirects followed)
  std::string requested;  // what was asked for
  std::mutex mutex;
  ChunkBuffer buffer;
  bool headers_known = false;
  bool complete = false;
  bool paused = false;
  std::optional<Error> error;
  std::optional<std::uint64_t> content_length;
  std::map<const void*, std::uint64_t> readers;  // reader -> highest offset it read
  std::set<const void*> detached;                // readers dropped for lagging (their reads fail)
  // Helper thread only:
  std::uint64_t notified_end = 0;
  bool notified = false;
  unsigned redirects = 0;
  std::optional<std::uint64_t> header_length;  // the response's Content-Length header
  std::optional<std::string> bad_length;       // why its Content-Length makes it no file
  CURL* easy = nullptr;
  const CurlLibrary* curl = nullptr;        // for on_body, which gets only the download
  const UrlSourceOptions* options = nullptr;
  // Event loop only:
  std::vector<tftp::FileSource::OpenCallback> waiting;  // opens waiting for the status
  std::vector<RemoteFile*> files;                       // open readers, woken on new data
  bool open_reported = false;
  bool abandoned = false;  // every reader has gone: being stopped, not to be joined
  // Immutable:
  std::shared_ptr<Budget> budget;
  std::uint64_t reservation;

  // Under mutex: the span the buffer may hold, and where the readers are.
  [[nodiscard]] std::uint64_t max_span() const { return options->read_ahead + options->keep_behind + kChunk; }
  [[nodiscard]] std::uint64_t furthest_reader() const {
    std::uint64_t furthest = 0;
    for (const auto& [reader, position] : readers) furthest = std::max(furthest, position);
    return furthest;
  }
  [[nodiscard]] std::uint64_t slowest_reader() const {
    std::uint64_t slowest = buffer.end();
    for (const auto& [reader, position] : readers) slowest = std::min(slowest, position);
    return slowest;
  }
  /// A reader that keeps the buffer full while the others wait at its end is dropped (its
  /// reads fail from then on): one slow client must not gate every transfer of the file.
  /// Only a reader at least half a read-ahead behind the furthest one, so a newcomer that
  /// joined at offset 0 is not dropped before it could catch up.
  void detach_laggards() {
    while (readers.size() >= 2 && !has_room(options->read_ahead / 4)) {
      auto slowest = readers.begin();
      for (auto it = readers.begin(); it != readers.end(); ++it)
        if (it->second < slowest->second) slowest = it;
      if (furthest_reader() - slowest->second < options->read_ahead / 2) return;
      detached.insert(slowest->first);
      readers.erase(slowest);
    }
  }
  /// Room for `bytes` more: ahead of the furthest reader by at most read_ahead, and no more
  /// than max_span buffered (a slow reader holds the others back rather than growing it).
  [[nodiscard]] bool has_room(std::uint64_t bytes) const {
    return buffer.end() + bytes <= furthest_reader() + options->read_ahead + kChunk &&
           buffer.end() - buffer.low() + bytes <= max_span();
  }
};

Error http_error(long status) {
  if (status == 404 || status == 410) return {Errc::NotFound, "HTTP " + std::to_string(status)};
  if (status == 401 || status == 403) return {Errc::AccessDenied, "HTTP " + std::to_string(status)};
  return {Errc::Io, "HTTP " + std::to_string(status)};
}

}  // namespace

struct UrlSource::Worker : std::enable_shared_from_this<UrlSource::Worker> {
  asio::io_context& io;
  std::shared_ptr<spdlog::logger> log;
  UrlSourceOptions options;
  std::string root;  // the [tftp] root URL: redirects stay beneath it
  const CurlLibrary& curl;
  std::atomic<bool> stopping{false};
  std::unordered_map<CURL*, std::shared_ptr<Download>> active;  // helper thread only
  std::shared_ptr<Budget> budget = std::make_shared<Budget>();
  // Event loop only: the download of each URL, while it lives (joined by later opens).
  std::unordered_map<std::string, std::weak_ptr<Download>> by_url;
  std::unique_ptr<CurlMulti> multi;  // last: stopped first; its helper thread runs start() .. after_round()

  Worker(asio::io_context& context, std::shared_ptr<spdlog::logger> logger, UrlSourceOptions opts,
         const CurlLibrary& library)
      : io(context), log(std::move(logger)), options(opts), curl(library) {
    budget->limit = options.memory_limit;
  }

  /// Loop side: tell the owners of the download that something changed.
  void notify(const std::shared_ptr<Download>& download) {
    asio::post(io, [self = shared_from_this(), download] { self->deliver(download); });
  }

  void deliver(const std::shared_ptr<Download>& download);
  void hand_out(const std::shared_ptr<Download>& download, tftp::FileSource::OpenCallback done);
  void drain_waiting(const std::shared_ptr<Download>& download);
  // Any thread: handed to the helper thread.
  void resume(const std::shared_ptr<Download>& download) {
    multi->post([this, download] {
      if (download->easy != nullptr) curl.easy_pause(download->easy, CURLPAUSE_CONT);
    });
  }
  void abandon(const std::shared_ptr<Download>& download) {
    multi->post([this, download] {
      if (download->easy == nullptr) return;
      active.erase(download->easy);
      multi->remove(download->easy);
      download->easy = nullptr;
    });
  }

  static std::size_t on_body(char* ptr, std::size_t size, std::size_t count, void* user);
  static std::size_t on_header(char* ptr, std::size_t size, std::size_t count, void* user);
  // Helper thread:
  void configure(CURL* easy, Download& download);
  void start(const std::shared_ptr<Download>& download);
  CurlMulti::After finish(CURL* easy, CURLcode code);
  void after_round();
};

namespace {

class RemoteFile final : public tftp::ByteSource {
 public:
  RemoteFile(std::shared_ptr<Download> download, std::shared_ptr<UrlSource::Worker> worker)
      : download_(std::move(download)), worker_(std::move(worker)) {
    download_->files.push_back(this);
    std::lock_guard lock(download_->mutex);
    download_->readers[this] = 0;
  }
  ~RemoteFile() override {
    auto& files = download_->files;
    files.erase(std::remove(files.begin(), files.end(), this), files.end());
    bool resume = false;
    {
      std::lock_guard lock(download_->mutex);
      download_->readers.erase(this);
      download_->detached.erase(this);
      trim();
      resume = wants_resume();
    }
    if (files.empty() && download_->waiting.empty()) {
      download_->abandoned = true;
      worker_->abandon(download_);  // nobody reads it any more: stop the download
    } else if (resume) {
      worker_->resume(download_);  // the slowest reader is gone: the others may go on
    }
  }
  RemoteFile(const RemoteFile&) = delete;
  RemoteFile& operator=(const RemoteFile&) = delete;

  [[nodiscard]] std::optional<std::uint64_t> size() const override {
    std::lock_guard lock(download_->mutex);
    return download_->content_length;
  }

  Result<std::size_t> read_at(std::uint64_t offset, std::span<std::uint8_t> out) override {
    bool resume = false;
    std::size_t copied = 0;
    bool at_end = false;
    {
      std::lock_guard lock(download_->mutex);
      auto& d = *download_;
      if (d.error) return fail(d.error->code, d.error->detail);
      if (d.detached.contains(this)) return fail(Errc::Io, "remote: this client fell too far behind the others reading the file");
      if (offset < d.buffer.low()) return fail(Errc::Io, "remote: block no longer buffered");
      auto& position = d.readers[this];
      position = std::max(position, offset);
      const std::uint64_t end = d.buffer.end();
      if (offset + out.size() <= end || d.complete) {
        copied = offset < end ? d.buffer.copy(offset, out) : 0;
        at_end = d.complete && offset + copied >= end;
      }
      if (copied == 0 && !at_end && d.paused) d.detach_laggards();  // waiting for data held back by a laggard?
      trim();
      resume = wants_resume();
      if (resume) d.paused = false;
    }
    if (resume) worker_->resume(download_);
    if (copied == 0 && !at_end) return fail(Errc::Busy, "remote: waiting for data");
    return copied;
  }

  void set_ready_callback(std::function<void()> on_ready) override { on_ready_ = std::move(on_ready); }
  void wake() const {
    if (on_ready_) on_ready_();
  }

 private:
  // Under the download's mutex: forget what no reader's window restart can ask for again
  // (in whole chunks, so this is cheap).
  void trim() {
    auto& d = *download_;
    const std::uint64_t slowest = d.slowest_reader();
    const auto keep = worker_->options.keep_behind;
    if (slowest > d.buffer.low() + keep + kChunk) d.buffer.drop_below(slowest - keep);
  }
  // Under the mutex: the paused download has room again for a good step (not a block at a time).
  [[nodiscard]] bool wants_resume() const {
    const auto& d = *download_;
    return d.paused && !d.complete && !d.error && d.has_room(worker_->options.read_ahead / 4);
  }

  std::shared_ptr<Download> download_;
  std::shared_ptr<UrlSource::Worker> worker_;
  std::function<void()> on_ready_;
};

}  // namespace

void UrlSource::Worker::hand_out(const std::shared_ptr<Download>& download, tftp::FileSource::OpenCallback done) {
  std::optional<Error> error;
  {
    std::lock_guard lock(download->mutex);
    error = download->error;
  }
  if (error) {
    done(fail(error->code, url_for_log(download->url) + ": " + error->detail));
  } else {
    done(std::shared_ptr<tftp::ByteSource>(std::make_shared<RemoteFile>(download, shared_from_this())));
  }
}

void UrlSource::Worker::drain_waiting(const std::shared_ptr<Download>& download) {
  // One at a time: a RemoteFile whose transfer is already gone is destroyed at once, and it
  // must still see the others waiting (or it would stop the download under them).
  while (!download->waiting.empty()) {
    auto done = std::move(download->waiting.back());
    download->waiting.pop_back();
    hand_out(download, std::move(done));
  }
}

void UrlSource::Worker::deliver(const std::shared_ptr<Download>& download) {
  if (stopping.load()) return;  // the service may be going away: no callbacks into it
  if (!download->open_reported) {
    std::optional<std::uint64_t> length;
    bool failed = false;
    {
      std::lock_guard lock(download->mutex);
      if (!download->headers_known && !download->error) return;  // nothing to say yet
      length = download->content_length;
      failed = download->error.has_value();
    }
    download->open_reported = true;
    if (!failed) {
      // The URL actually fetched, once per download (however many transfers share it).
      log->info("remote GET {}: HTTP 200, {}{}", url_for_log(download->url),
                length ? fmt::format("{} bytes", *length) : std::string("size unknown"),
                download->url != download->requested
                    ? fmt::format(" (redirected from {})", url_for_log(download->requested))
                    : "");
    }
    drain_waiting(download);
    return;
  }
  // Copies: a callback may end a transfer and so destroy its RemoteFile.
  const auto files = download->files;
  for (const auto* file : files) {
    if (std::find(download->files.begin(), download->files.end(), file) != download->files.end()) file->wake();
  }
}

std::size_t UrlSource::Worker::on_body(char* ptr, std::size_t size, std::size_t count, void* user) {
  auto* download = static_cast<Download*>(user);
  const std::size_t bytes = size * count;
  std::lock_guard lock(download->mutex);
  if (!download->headers_known) {
    long status = 0;
    download->curl->easy_getinfo(download->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) return 0;  // not the file (a redirect's or an error's body): finish() says what
    if (download->bad_length) {
      download->error = Error{Errc::Io, *download->bad_length};
      return 0;
    }
    curl_off_t length = -1;
    download->curl->easy_getinfo(download->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    if (length >= 0) download->content_length = static_cast<std::uint64_t>(length);
    download->headers_known = true;
  }
  // Flow control towards the readers: libcurl keeps these bytes and hands them again on resume.
  if (!download->has_room(bytes)) {
    download->paused = true;
    return CURL_WRITEFUNC_PAUSE;
  }
  if (!download->buffer.append(ptr, bytes)) {
    download->error = Error{Errc::Io, "out of memory for the download buffer"};
    return 0;
  }
  return bytes;
}

// libcurl takes "Content-Length: 12abc" as 12 and lets a second, different Content-Length
// pass: either means the body's length is unknowable, so the response is no file.
std::size_t UrlSource::Worker::on_header(char* ptr, std::size_t size, std::size_t count, void* user) {
  auto* download = static_cast<Download*>(user);
  const std::size_t bytes = size * count;
  const std::string_view line(ptr, bytes);
  if (istarts_with(line, "HTTP/")) {  // a new response (an interim 1xx, or after a redirect)
    download->header_length.reset();
    download->bad_length.reset();
  } else if (istarts_with(line, "content-length:")) {
    const std::string_view value = trim(line.substr(15));
    const auto length = parse_content_length(value);
    if (!length) {
      // Quoted with ' : the TFTP log lines escape '"' (and any control byte the server sent).
      download->bad_length = fmt::format("malformed Content-Length '{}'", value.substr(0, 40));
    } else if (download->header_length && *download->header_length != *length) {
      download->bad_length = fmt::format("conflicting Content-Length headers ({} and {})", *download->header_length, *length);
    } else {
      download->header_length = length;
    }
  }
  return bytes;
}

void UrlSource::Worker::configure(CURL* easy, Download& download) {
  curl.easy_setopt(easy, CURLOPT_URL, download.url.c_str());
  curl.easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  // Redirects are never followed by libcurl: finish() decides (same origin only, if allowed).
  curl.easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl.easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl.easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options.connect_timeout.count()));
  curl.easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(std::max<std::uint64_t>(options.min_rate, 1)));
  curl.easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.stall_time.count()));
  curl.easy_setopt(easy, CURLOPT_TIMEOUT, static_cast<long>(options.deadline.count()));
  curl.easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Worker::on_body);
  curl.easy_setopt(easy, CURLOPT_WRITEDATA, &download);
  curl.easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Worker::on_header);
  curl.easy_setopt(easy, CURLOPT_HEADERDATA, &download);
  curl.easy_setopt(easy, CURLOPT_USERAGENT, "netbootd");
}

CurlMulti::After UrlSource::Worker::finish(CURL* easy, CURLcode code) {
  const auto it = active.find(easy);
  if (it == active.end()) return CurlMulti::After::Done;
  auto download = it->second;
  {
    std::lock_guard lock(download->mutex);
    long status = 0;
    curl.easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    if (!download->error) {
      if (status >= 300 && status < 400) {
        char* location = nullptr;
        curl.easy_getinfo(easy, CURLINFO_REDIRECT_URL, &location);
        const std::string target = location != nullptr ? location : "";
        if (target.empty()) {
          download->error = Error{Errc::Io, fmt::format("HTTP {} without Location", status)};
        } else if (const auto refusal = redirect_refusal(root, target, options.same_host_redirects)) {
          download->error = Error{Errc::Io, fmt::format("HTTP {} redirect to {} {}", status, url_for_log(target), *refusal)};
        } else if (++download->redirects > options.max_redirects) {
          download->error = Error{Errc::Io, fmt::format("more than {} redirects", options.max_redirects)};
        } else {
          // Same origin: fetch the new URL on the same handle.
          download->url = with_user_info_of(root, target);
          curl.easy_setopt(easy, CURLOPT_URL, download->url.c_str());
          return CurlMulti::After::Restart;
        }
      } else if (status != 0 && status != 200) {
        download->error = http_error(status);
      } else if (code != CURLE_OK) {
        download->error = Error{Errc::Io, curl.easy_strerror(code)};
      } else if (status != 200) {
        download->error = Error{Errc::Io, "no HTTP status"};
      } else if (download->bad_length) {
        download->error = Error{Errc::Io, *download->bad_length};
      } else {
        if (!download->headers_known) {
          curl_off_t length = -1;
          curl.easy_getinfo(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
          download->content_length = length >= 0 ? static_cast<std::uint64_t>(length) : 0;
          download->headers_known = true;
        }
        download->complete = true;
      }
    }
  }
  download->easy = nullptr;  // CurlMulti cleans the handle up after this returns
  active.erase(it);
  notify(download);
  return CurlMulti::After::Done;
}

void UrlSource::Worker::start(const std::shared_ptr<Download>& download) {
  CURL* easy = curl.easy_init();
  if (easy == nullptr) {
    std::lock_guard lock(download->mutex);
    download->error = Error{Errc::Io, "curl_easy_init failed"};
    notify(download);
    return;
  }
  download->easy = easy;
  download->curl = &curl;
  configure(easy, *download);
  if (!multi->add(easy, [this](CURL* done, CURLcode result) { return finish(done, result); })) {
    download->easy = nullptr;
    std::lock_guard lock(download->mutex);
    download->error = Error{Errc::Io, "curl_multi_add_handle failed"};
    notify(download);
    return;
  }
  active.emplace(easy, download);
}

// Notifies progress of every download that received data in this round.
void UrlSource::Worker::after_round() {
  for (auto& [easy, download] : active) {
    bool changed = false;
    {
      std::lock_guard lock(download->mutex);
      const std::uint64_t end = download->buffer.end();
      changed = download->headers_known && (!download->notified || end != download->notified_end);
      if (changed) {
        download->notified = true;
        download->notified_end = end;
      }
    }
    if (changed) notify(download);
  }
}

Result<std::unique_ptr<UrlSource>> UrlSource::create(asio::io_context& io, std::string prefix,
                                                     std::shared_ptr<spdlog::logger> log, UrlSourceOptions options) {
  auto library = curl_library();
  if (!library) return fail(library.error().code, library.error().detail);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  auto worker = std::make_shared<Worker>(io, std::move(log), options, **library);
  worker->root = prefix;
  auto multi = CurlMulti::create(std::chrono::milliseconds(200), [raw = worker.get()] { raw->after_round(); });
  if (!multi) return fail(multi.error().code, multi.error().detail);
  worker->multi = std::move(*multi);
  return std::unique_ptr<UrlSource>(new UrlSource(std::move(prefix), std::move(worker)));
}

UrlSource::~UrlSource() { shutdown(); }

void UrlSource::shutdown() {
  if (!worker_ || worker_->stopping.exchange(true)) return;
  worker_->multi->stop();  // joined: the helper thread's state is ours now
  for (auto& [easy, download] : worker_->active) download->easy = nullptr;
  worker_->active.clear();
}

std::uint64_t UrlSource::reserved() const { return worker_->budget->reserved.load(); }

void UrlSource::open(std::string_view relative, OpenCallback done) {
  auto& worker = *worker_;
  if (worker.stopping.load()) {
    done(fail(Errc::Io, "shutting down"));
    return;
  }
  // Each path component is percent-encoded; '/' stays a separator.
  std::string url = prefix_;
  std::size_t start = 0;
  while (start <= relative.size()) {
    const auto slash = relative.find('/', start);
    const auto part = relative.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    char* escaped = worker.curl.easy_escape(nullptr, part.data(), static_cast<int>(part.size()));
    url += '/';
    url += escaped != nullptr ? escaped : "";
    worker.curl.free(escaped);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }

  // Join the download of the same file while it still holds the first bytes.
  if (const auto found = worker.by_url.find(url); found != worker.by_url.end()) {
    if (auto download = found->second.lock()) {
      bool joinable = false;
      {
        std::lock_guard lock(download->mutex);
        // Not when its readers are already far ahead: the newcomer would be the laggard.
        joinable = !download->abandoned && !download->error && download->buffer.low() == 0 &&
                   download->furthest_reader() < worker.options.read_ahead / 2;
      }
      if (joinable) {
        // Waiting, even when the status is known: a download is never stopped while someone
        // is about to read it. Answered from the loop, never from inside open().
        download->waiting.push_back(std::move(done));
        if (download->open_reported) {
          asio::post(worker.io, [self = worker_, download] {
            if (!self->stopping.load()) self->drain_waiting(download);
          });
        }
        return;
      }
    }
  }
  if (worker.by_url.size() >= 64) std::erase_if(worker.by_url, [](const auto& entry) { return entry.second.expired(); });

  const auto download_options = &worker.options;
  const std::uint64_t reservation = worker.options.read_ahead + worker.options.keep_behind + 3 * kChunk;
  if (!worker.budget->take(reservation)) {
    done(fail(Errc::Busy, fmt::format("remote memory limit reached ({} MiB reserved by {} downloads, [tftp] remote_memory_mb = {})",
                                      worker.budget->reserved.load() >> 20, worker.budget->downloads.load(),
                                      worker.options.memory_limit >> 20)));
    return;
  }
  auto download = std::make_shared<Download>(url, worker.budget, reservation);
  download->options = download_options;
  download->waiting.push_back(std::move(done));
  worker.by_url[url] = download;
  worker.multi->post([w = &worker, download = std::move(download)] { w->start(download); });
}

}  // namespace netboot::net
