#include "net/url_source.hpp"

#include "core/byte_reader.hpp"
#include "net/curl_library.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace netboot::net {

namespace {

/// One download. Fields under `mutex` are shared with the helper thread; the callbacks are
/// touched on the event loop only.
struct Download {
  std::string url;
  std::mutex mutex;
  Bytes data;                      // bytes [low, low + data.size()) of the body
  std::uint64_t low = 0;
  bool headers_known = false;
  bool complete = false;
  std::optional<Error> error;
  std::optional<std::uint64_t> content_length;
  bool paused = false;
  std::uint64_t read_pos = 0;      // where the reader is: read-ahead is measured from here
  // Helper thread only:
  std::uint64_t notified_end = 0;  // low + data.size() at the last notification
  bool notified = false;
  // Event loop only:
  tftp::FileSource::OpenCallback on_open;
  std::function<void()> on_ready;
  bool open_reported = false;
  CURL* easy = nullptr;  // helper thread only
  const CurlLibrary* curl = nullptr;  // for on_body, which gets only the download
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
  const CurlLibrary& curl;
  CURLM* multi = nullptr;
  std::thread thread;
  std::mutex queue_mutex;
  std::vector<std::shared_ptr<Download>> to_add;
  std::vector<std::shared_ptr<Download>> to_remove;
  std::vector<std::shared_ptr<Download>> to_resume;
  std::atomic<bool> stopping{false};
  std::unordered_map<CURL*, std::shared_ptr<Download>> active;  // helper thread only

  Worker(asio::io_context& context, std::shared_ptr<spdlog::logger> logger, UrlSourceOptions opts,
         const CurlLibrary& library)
      : io(context), log(std::move(logger)), options(opts), curl(library) {}
  ~Worker() {
    if (multi != nullptr) curl.multi_cleanup(multi);
  }

  void wake() { curl.multi_wakeup(multi); }

  /// Loop side: tell the owner of the download that something changed.
  void notify(const std::shared_ptr<Download>& download) {
    asio::post(io, [self = shared_from_this(), download] { self->deliver(download); });
  }

  void deliver(const std::shared_ptr<Download>& download);

  static std::size_t on_body(char* ptr, std::size_t size, std::size_t count, void* user);
  void run();
  void finish(CURL* easy, CURLcode code);
};

namespace {

class RemoteFile final : public tftp::ByteSource {
 public:
  RemoteFile(std::shared_ptr<Download> download, std::shared_ptr<UrlSource::Worker> worker)
      : download_(std::move(download)), worker_(std::move(worker)) {}
  ~RemoteFile() override {
    download_->on_ready = nullptr;
    std::lock_guard lock(worker_->queue_mutex);
    worker_->to_remove.push_back(download_);
    worker_->wake();
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
    {
      std::lock_guard lock(download_->mutex);
      auto& d = *download_;
      if (d.error) return fail(d.error->code, d.error->detail);
      if (offset < d.low) return fail(Errc::Io, "remote: block no longer buffered");
      const std::uint64_t end = d.low + d.data.size();
      d.read_pos = std::max(d.read_pos, offset);
      if (offset + out.size() > end && !d.complete) {
        resume = d.paused;
        if (resume) d.paused = false;
      } else {
        copied = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), end > offset ? end - offset : 0));
        std::memcpy(out.data(), d.data.data() + (offset - d.low), copied);
        // Forget what no window restart can ask for again; trim in large steps (amortised).
        const auto keep = worker_->options.keep_behind;
        if (offset > d.low + 2 * keep) {
          const auto drop = static_cast<std::size_t>(offset - keep - d.low);
          d.data.erase(d.data.begin(), d.data.begin() + static_cast<std::ptrdiff_t>(drop));
          d.low += drop;
        }
        if (d.paused && end - offset < worker_->options.read_ahead / 2) {
          d.paused = false;
          resume = true;
        }
      }
    }
    if (resume) {
      std::lock_guard lock(worker_->queue_mutex);
      worker_->to_resume.push_back(download_);
      worker_->wake();
    }
    if (copied == 0 && !download_complete_at(offset)) return fail(Errc::Busy, "remote: waiting for data");
    return copied;
  }

  void set_ready_callback(std::function<void()> on_ready) override { download_->on_ready = std::move(on_ready); }

 private:
  bool download_complete_at(std::uint64_t offset) {
    std::lock_guard lock(download_->mutex);
    return download_->complete && offset >= download_->low + download_->data.size();
  }
  std::shared_ptr<Download> download_;
  std::shared_ptr<UrlSource::Worker> worker_;
};

}  // namespace

void UrlSource::Worker::deliver(const std::shared_ptr<Download>& download) {
  if (stopping.load()) return;  // the service may be going away: no callbacks into it
  if (!download->open_reported) {
    std::optional<Error> error;
    {
      std::lock_guard lock(download->mutex);
      if (!download->headers_known && !download->error) return;  // nothing to say yet
      error = download->error;
    }
    download->open_reported = true;
    auto on_open = std::move(download->on_open);
    download->on_open = nullptr;
    if (!on_open) return;
    if (error) {
      on_open(fail(error->code, download->url + ": " + error->detail));
    } else {
      on_open(std::shared_ptr<tftp::ByteSource>(std::make_shared<RemoteFile>(download, shared_from_this())));
    }
    return;
  }
  if (download->on_ready) download->on_ready();
}

std::size_t UrlSource::Worker::on_body(char* ptr, std::size_t size, std::size_t count, void* user) {
  auto* download = static_cast<Download*>(user);
  const std::size_t bytes = size * count;
  {
    std::lock_guard lock(download->mutex);
    if (!download->headers_known) {
      long status = 0;
      download->curl->easy_getinfo(download->easy, CURLINFO_RESPONSE_CODE, &status);
      if (status >= 400) {
        download->error = http_error(status);
        return 0;  // aborts the transfer; finish() posts the error
      }
      curl_off_t length = -1;
      download->curl->easy_getinfo(download->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
      if (length >= 0) download->content_length = static_cast<std::uint64_t>(length);
      download->headers_known = true;
    }
    download->data.insert(download->data.end(), ptr, ptr + bytes);
  }
  return bytes;
}

void UrlSource::Worker::finish(CURL* easy, CURLcode code) {
  const auto it = active.find(easy);
  if (it == active.end()) return;
  auto download = it->second;
  {
    std::lock_guard lock(download->mutex);
    long status = 0;
    curl.easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    if (!download->error) {
      if (status >= 400) {
        download->error = http_error(status);
      } else if (code != CURLE_OK) {
        download->error = Error{Errc::Io, curl.easy_strerror(code)};
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
  curl.multi_remove_handle(multi, easy);
  curl.easy_cleanup(easy);
  download->easy = nullptr;
  active.erase(it);
  notify(download);
}

void UrlSource::Worker::run() {
  while (!stopping.load()) {
    std::vector<std::shared_ptr<Download>> add, remove, resume;
    {
      std::lock_guard lock(queue_mutex);
      add.swap(to_add);
      remove.swap(to_remove);
      resume.swap(to_resume);
    }
    for (auto& download : add) {
      CURL* easy = curl.easy_init();
      if (easy == nullptr) {
        std::lock_guard lock(download->mutex);
        download->error = Error{Errc::Io, "curl_easy_init failed"};
        notify(download);
        continue;
      }
      download->easy = easy;
      download->curl = &curl;
      curl.easy_setopt(easy, CURLOPT_URL, download->url.c_str());
      curl.easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
      curl.easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
      curl.easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
      curl.easy_setopt(easy, CURLOPT_MAXREDIRS, 5L);
      curl.easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
      curl.easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options.connect_timeout.count()));
      curl.easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl.easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.stall_timeout.count()));
      curl.easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Worker::on_body);
      curl.easy_setopt(easy, CURLOPT_WRITEDATA, download.get());
      curl.easy_setopt(easy, CURLOPT_USERAGENT, "netbootd");
      active.emplace(easy, download);
      curl.multi_add_handle(multi, easy);
    }
    for (auto& download : remove) {
      if (download->easy == nullptr) continue;
      active.erase(download->easy);
      curl.multi_remove_handle(multi, download->easy);
      curl.easy_cleanup(download->easy);
      download->easy = nullptr;
    }
    for (auto& download : resume) {
      if (download->easy != nullptr) curl.easy_pause(download->easy, CURLPAUSE_CONT);
    }
    int running = 0;
    curl.multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* message = curl.multi_info_read(multi, &queued)) {
      if (message->msg == CURLMSG_DONE) finish(message->easy_handle, message->data.result);
    }
    // Notify progress of every download that received data in this round.
    for (auto& [easy, download] : active) {
      bool changed = false;
      {
        std::lock_guard lock(download->mutex);
        const std::uint64_t end = download->low + download->data.size();
        changed = download->headers_known && (!download->notified || end != download->notified_end);
        if (changed) {
          download->notified = true;
          download->notified_end = end;
        }
        // Pause when far enough ahead of the reader (flow control towards a slow client).
        if (!download->paused && end > download->read_pos + options.read_ahead) {
          download->paused = true;
          curl.easy_pause(easy, CURLPAUSE_RECV);
        }
      }
      if (changed) notify(download);
    }
    curl.multi_poll(multi, nullptr, 0, 200, nullptr);
  }
  for (auto& [easy, download] : active) {
    curl.multi_remove_handle(multi, easy);
    curl.easy_cleanup(easy);
    download->easy = nullptr;
  }
  active.clear();
}

Result<std::unique_ptr<UrlSource>> UrlSource::create(asio::io_context& io, std::string prefix,
                                                     std::shared_ptr<spdlog::logger> log, UrlSourceOptions options) {
  auto library = curl_library();
  if (!library) return fail(library.error().code, library.error().detail);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  auto worker = std::make_shared<Worker>(io, std::move(log), options, **library);
  worker->multi = worker->curl.multi_init();
  if (worker->multi == nullptr) return fail(Errc::Io, "curl_multi_init failed");
  worker->thread = std::thread([raw = worker.get()] { raw->run(); });
  return std::unique_ptr<UrlSource>(new UrlSource(std::move(prefix), std::move(worker)));
}

UrlSource::~UrlSource() { shutdown(); }

void UrlSource::shutdown() {
  if (!worker_ || !worker_->thread.joinable()) return;
  worker_->stopping = true;
  worker_->wake();
  worker_->thread.join();
}

void UrlSource::open(std::string_view relative, OpenCallback done) {
  if (worker_->stopping.load()) {
    done(fail(Errc::Io, "shutting down"));
    return;
  }
  auto download = std::make_shared<Download>();
  // Each path component is percent-encoded; '/' stays a separator.
  std::string url = prefix_;
  std::size_t start = 0;
  while (start <= relative.size()) {
    const auto slash = relative.find('/', start);
    const auto part = relative.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    char* escaped = worker_->curl.easy_escape(nullptr, part.data(), static_cast<int>(part.size()));
    url += '/';
    url += escaped != nullptr ? escaped : "";
    worker_->curl.free(escaped);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  download->url = std::move(url);
  download->on_open = std::move(done);
  std::lock_guard lock(worker_->queue_mutex);
  worker_->to_add.push_back(std::move(download));
  worker_->wake();
}

}  // namespace netboot::net
