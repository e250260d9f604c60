#include "net/remote_file_size.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include <fmt/format.h>

#include "core/text.hpp"
#include "core/url_text.hpp"
#include "net/curl_multi.hpp"

namespace netboot::net {

namespace {

using SizeDone = std::function<void(std::optional<std::uint64_t> bytes, std::string detail)>;

struct Head {
  std::string url;        // what is fetched now (after the redirects followed)
  std::string requested;  // what was asked for
  unsigned redirects = 0;
  SizeDone done;
  std::array<char, CURL_ERROR_SIZE> error{};
};

}  // namespace

// The HEAD requests run on a CurlMulti's helper thread, which posts each answer to the
// loop; the loop owns the cache.
struct HttpRemoteFileSize::Worker {
  asio::io_context& io;
  const CurlLibrary& curl;
  std::chrono::milliseconds timeout;
  std::string root;                // the [tftp] root URL: redirects stay beneath it
  RemoteFileSizeOptions options;
  std::unique_ptr<CurlMulti> multi;  // its helper thread runs start() and finish()

  Worker(asio::io_context& io_in, std::unique_ptr<CurlMulti> multi_in, std::string root_in,
         const RemoteFileSizeOptions& options_in)
      : io(io_in),
        curl(multi_in->curl()),
        timeout(options_in.head_timeout),
        root(std::move(root_in)),
        options(options_in),
        multi(std::move(multi_in)) {}

  void post(SizeDone done, std::optional<std::uint64_t> bytes, std::string detail) {
    asio::post(io, [done = std::move(done), bytes, detail = std::move(detail)] { done(bytes, detail); });
  }

  void start(std::shared_ptr<Head> head) {
    CURL* easy = curl.easy_init();
    if (easy == nullptr) {
      post(std::move(head->done), std::nullopt, "libcurl could not create a request");
      return;
    }
    const long timeout_ms = static_cast<long>(timeout.count());
    curl.easy_setopt(easy, CURLOPT_URL, head->url.c_str());
    curl.easy_setopt(easy, CURLOPT_NOBODY, 1L);
    // The same reach as the TFTP root's downloads (url_source): http(s) only; libcurl never
    // follows a redirect, finish() does when redirect_refusal() allows it (same host, beneath
    // the root), or an internal service's size would be told in option 13.
    curl.easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl.easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl.easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl.easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);  // a trickled answer ends here
    curl.easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl.easy_setopt(easy, CURLOPT_USERAGENT, "netbootd");
    curl.easy_setopt(easy, CURLOPT_ERRORBUFFER, head->error.data());
    const auto finished = [this, head](CURL* done, CURLcode result) { return finish(done, result, *head); };
    if (!multi->add(easy, finished)) post(std::move(head->done), std::nullopt, "libcurl could not start the request");
  }

  CurlMulti::After finish(CURL* easy, CURLcode result, Head& head) {
    long status = 0;
    curl.easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_off_t length = -1;
    curl.easy_getinfo(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    // The URL actually asked, for the log line.
    const std::string fetched = url_for_log(head.url) +
                                (head.url != head.requested ? " (redirected from " + url_for_log(head.requested) + ")" : "");
    const auto answer = [&](std::optional<std::uint64_t> bytes, const std::string& detail) {
      post(std::move(head.done), bytes, fetched + ": " + detail);
    };
    if (result != CURLE_OK) {
      answer(std::nullopt, result == CURLE_OPERATION_TIMEDOUT ? fmt::format("no answer within {} ms", timeout.count())
                                                              : std::string(head.error[0] != '\0' ? head.error.data()
                                                                                                  : curl.easy_strerror(result)));
    } else if (status >= 300 && status < 400) {
      char* location = nullptr;
      curl.easy_getinfo(easy, CURLINFO_REDIRECT_URL, &location);
      const std::string target = location != nullptr ? location : "";
      if (target.empty()) {
        answer(std::nullopt, fmt::format("HTTP {} without Location", status));
      } else if (const auto refusal = redirect_refusal(root, target, options.same_host_redirects)) {
        answer(std::nullopt, fmt::format("HTTP {} redirect to {} {}", status, url_for_log(target), *refusal));
      } else if (++head.redirects > options.max_redirects) {
        answer(std::nullopt, fmt::format("more than {} redirects", options.max_redirects));
      } else {
        head.url = with_user_info_of(root, target);
        head.error[0] = '\0';
        curl.easy_setopt(easy, CURLOPT_URL, head.url.c_str());
        return CurlMulti::After::Restart;
      }
    } else if (status != 200) {
      answer(std::nullopt, fmt::format("HTTP {}", status));
    } else if (length < 0) {
      answer(std::nullopt, "HTTP 200 without Content-Length");
    } else {
      answer(static_cast<std::uint64_t>(length), "HTTP 200");
    }
    return CurlMulti::After::Done;
  }

  void head(std::string url, SizeDone done) {
    auto request = std::make_shared<Head>();
    request->url = std::move(url);
    request->requested = request->url;
    request->done = std::move(done);
    multi->post([this, request] { start(request); });
  }
};

Result<std::unique_ptr<HttpRemoteFileSize>> HttpRemoteFileSize::create(asio::io_context& io, std::string prefix,
                                                                       std::shared_ptr<spdlog::logger> log,
                                                                       RemoteFileSizeOptions options) {
  auto multi = CurlMulti::create(std::chrono::seconds(1));  // woken by head() and shutdown()
  if (!multi) return fail(multi.error().code, multi.error().detail);
  auto worker = std::make_shared<Worker>(io, std::move(*multi), prefix, options);
  return std::unique_ptr<HttpRemoteFileSize>(
      new HttpRemoteFileSize(io, std::move(prefix), std::move(log), options, std::move(worker)));
}

HttpRemoteFileSize::HttpRemoteFileSize(asio::io_context& io, std::string prefix, std::shared_ptr<spdlog::logger> log,
                                       RemoteFileSizeOptions options, std::shared_ptr<Worker> worker)
    : io_(io),
      prefix_(std::move(prefix)),
      log_(std::move(log)),
      options_(options),
      worker_(std::move(worker)),
      timer_(io) {}

HttpRemoteFileSize::~HttpRemoteFileSize() { shutdown(); }

void HttpRemoteFileSize::shutdown() {
  timer_.cancel();
  if (!worker_) return;
  worker_->multi->stop();  // requests in flight get no answer
  worker_.reset();
}

// "<root>/<each component percent-encoded>", as url_source fetches the file.
std::string HttpRemoteFileSize::url_of(std::string_view file) const {
  std::string url = prefix_;
  while (true) {
    const auto slash = file.find('/');
    const auto part = file.substr(0, slash);
    char* escaped = worker_->curl.easy_escape(nullptr, part.data(), static_cast<int>(part.size()));
    url += '/';
    url += escaped != nullptr ? escaped : "";
    worker_->curl.free(escaped);
    if (slash == std::string_view::npos) return url;
    file.remove_prefix(slash + 1);
  }
}

dhcp::RemoteFileSize::Answer HttpRemoteFileSize::lookup(std::string_view file, std::function<void()> ready) {
  while (!file.empty() && file.front() == '/') file.remove_prefix(1);
  if (file.empty() || !worker_) return {};
  for (const auto part : split(file, '/'))
    if (part == "..") return {};  // not a name beneath the root: not asked about
  auto it = entries_.find(file);
  if (it == entries_.end()) {
    if (!make_room()) return {};
    it = entries_.emplace(std::string(file), Entry{}).first;
  }
  Entry& entry = it->second;
  const auto now = Clock::now();
  const bool fresh = entry.answered && now < entry.expires;
  if (!fresh && entry.generation == 0) ask(it->first, entry);
  // A stale size is still the best guess while the refresh runs; a reply waits only for a
  // file never answered for, so a dead server costs each client at most one wait.
  if (entry.answered) return entry.bytes ? Answer{State::Known, *entry.bytes} : Answer{};
  if (!ready || waiting_ >= options_.max_waiters) return {};
  entry.waiters.push_back({now + options_.max_wait, std::move(ready)});
  ++waiting_;
  expire_waiters();
  return {State::Pending, 0};
}

void HttpRemoteFileSize::ask(const std::string& file, Entry& entry) {
  entry.generation = next_generation_++;
  auto url = url_of(file);
  log_->debug("HEAD {} (option 13)", url_for_log(url));
  worker_->head(url, [this, alive = std::weak_ptr<int>(alive_), file, generation = entry.generation](std::optional<std::uint64_t> bytes, std::string detail) {
    if (alive.expired()) return;
    on_answer(file, generation, bytes, detail);
  });
}

void HttpRemoteFileSize::on_answer(const std::string& file, std::uint64_t generation,
                                   std::optional<std::uint64_t> bytes, const std::string& detail) {
  const auto it = entries_.find(file);
  if (it == entries_.end() || it->second.generation != generation) return;
  Entry& entry = it->second;
  entry.generation = 0;
  entry.answered = true;
  entry.bytes = bytes;
  entry.expires = Clock::now() + options_.lifetime;
  if (bytes) log_->debug("HEAD {}: {} bytes", detail, *bytes);
  else log_->info("HEAD {}: no size, replies go without option 13", detail);
  release(std::move(entry.waiters));
  entry.waiters.clear();
}

void HttpRemoteFileSize::release(std::vector<Waiter> waiters) {
  for (auto& waiter : waiters) {
    --waiting_;
    asio::post(io_, std::move(waiter.ready));
  }
}

void HttpRemoteFileSize::expire_waiters() {
  const auto now = Clock::now();
  auto next = Clock::time_point::max();
  for (auto& [file, entry] : entries_) {
    const auto late = std::stable_partition(entry.waiters.begin(), entry.waiters.end(),
                                            [now](const Waiter& w) { return w.deadline > now; });
    std::vector<Waiter> expired(std::make_move_iterator(late), std::make_move_iterator(entry.waiters.end()));
    entry.waiters.erase(late, entry.waiters.end());
    release(std::move(expired));
    for (const auto& w : entry.waiters) next = std::min(next, w.deadline);
  }
  if (next == Clock::time_point::max()) return;
  timer_.expires_at(next);
  timer_.async_wait([this, alive = std::weak_ptr<int>(alive_)](const std::error_code& ec) {
    if (!ec && !alive.expired()) expire_waiters();
  });
}

// Names come from [bootfile] and from the authorization server's "file:" lines: bounded, but
// the cache is bounded anyway. An idle entry (no HEAD in flight, nobody waiting) makes room.
bool HttpRemoteFileSize::make_room() {
  if (entries_.size() < options_.max_files) return true;
  auto victim = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end(); ++it)
    if (it->second.generation == 0 && it->second.waiters.empty() &&
        (victim == entries_.end() || it->second.expires < victim->second.expires))
      victim = it;
  if (victim == entries_.end()) return false;
  entries_.erase(victim);
  return true;
}

}  // namespace netboot::net
