#include "net/access_checker.hpp"

#include <array>
#include <atomic>

#include <fmt/format.h>

#include "core/text.hpp"
#include "net/curl_multi.hpp"

namespace netboot::net {

namespace {

struct Question {
  std::string url;
  acl::AccessChecker::Done done;
};

struct Transfer {
  acl::AccessChecker::Done done;
  std::string body;
  std::size_t max_body = 0;
  bool too_large = false;
  std::size_t header_bytes = 0;
  bool header_too_large = false;
  bool headers_complete = false;  // the blank line after the (last) header block came
  std::array<char, CURL_ERROR_SIZE> error{};
};

// Response headers beyond this are refused with a clear reason (libcurl's own limit, about
// 100 KB, reports "Out of memory", which sends an administrator looking at the wrong thing).
constexpr std::size_t kMaxResponseHeader = 16 * 1024;
constexpr auto kCurlTooLarge = static_cast<CURLcode>(100);  // CURLE_TOO_LARGE, libcurl >= 8.6

extern "C" std::size_t count_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  transfer->header_bytes += bytes;
  transfer->headers_complete = bytes <= 2 && (bytes == 0 || data[0] == '\r' || data[0] == '\n');
  if (transfer->header_bytes > kMaxResponseHeader) {
    transfer->header_too_large = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  return bytes;
}

extern "C" std::size_t collect_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  if (transfer->body.size() + bytes > transfer->max_body) {
    transfer->too_large = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  transfer->body.append(data, bytes);
  return bytes;
}

}  // namespace

struct HttpAccessChecker::Worker {
  asio::io_context& io;
  AccessCheckerOptions options;
  std::shared_ptr<spdlog::logger> log;
  const CurlLibrary& curl;
  std::atomic<std::size_t> in_flight{0};
  std::unique_ptr<CurlMulti> multi;  // its helper thread runs start() and finish()

  Worker(asio::io_context& io_in, AccessCheckerOptions options_in, std::shared_ptr<spdlog::logger> log_in,
         std::unique_ptr<CurlMulti> multi_in)
      : io(io_in), options(std::move(options_in)), log(std::move(log_in)), curl(multi_in->curl()),
        multi(std::move(multi_in)) {}

  void post(Done done, acl::RemoteDecision decision) {
    asio::post(io, [done = std::move(done), decision = std::move(decision)]() mutable { done(std::move(decision)); });
  }

  void start(Question question) {
    CURL* easy = curl.easy_init();
    if (easy == nullptr) {
      --in_flight;
      post(std::move(question.done), acl::failed_check("libcurl could not create a request"));
      return;
    }
    auto transfer = std::make_shared<Transfer>();
    transfer->done = std::move(question.done);
    transfer->max_body = options.max_body;
    const long timeout_ms = static_cast<long>(options.timeout.count());
    curl.easy_setopt(easy, CURLOPT_URL, question.url.c_str());
    curl.easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    // Only http(s), and no redirect at all: a 3xx is an answer, and it is not a 200.
    curl.easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl.easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl.easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl.easy_setopt(easy, CURLOPT_PROXY, "");  // the authorization server is asked directly
    curl.easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl.easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl.easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl.easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_body));
    curl.easy_setopt(easy, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl.easy_setopt(easy, CURLOPT_WRITEFUNCTION, collect_body);
    curl.easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
    curl.easy_setopt(easy, CURLOPT_HEADERFUNCTION, count_header);
    curl.easy_setopt(easy, CURLOPT_HEADERDATA, transfer.get());
    curl.easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error.data());
    const auto finished = [this, transfer](CURL* done, CURLcode result) {
      finish(done, result, *transfer);
      return CurlMulti::After::Done;
    };
    if (!multi->add(easy, finished)) {
      --in_flight;
      post(std::move(transfer->done), acl::failed_check("libcurl could not start the request"));
    }
  }

  void finish(CURL* easy, CURLcode result, Transfer& t) {
    acl::RemoteDecision decision;
    long status = 0;
    curl.easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    if (result == CURLE_OK) {
      decision = acl::decide_from_answer(status, t.body);
    } else if (t.header_too_large || (!t.headers_complete && (result == CURLE_OUT_OF_MEMORY || result == kCurlTooLarge))) {
      // One header line over libcurl's own limit never reaches count_header: libcurl gives up
      // with "Out of memory" (CURLE_TOO_LARGE since 8.6) before the headers are complete.
      decision = acl::failed_check(fmt::format("response header too large (over {} bytes)", kMaxResponseHeader));
    } else if (t.too_large || result == CURLE_FILESIZE_EXCEEDED) {
      decision = acl::failed_check(fmt::format("HTTP {}, body over {} bytes", status, options.max_body));
    } else if (result == CURLE_OPERATION_TIMEDOUT) {
      decision = acl::failed_check(fmt::format("no answer within {} ms", options.timeout.count()));
    } else {
      decision = acl::failed_check(t.error[0] != '\0' ? std::string(t.error.data()) : curl.easy_strerror(result));
    }
    post(std::move(t.done), std::move(decision));
    --in_flight;
  }
};

Result<std::unique_ptr<HttpAccessChecker>> HttpAccessChecker::create(asio::io_context& io,
                                                                     AccessCheckerOptions options,
                                                                     std::shared_ptr<spdlog::logger> log) {
  auto multi = CurlMulti::create(std::chrono::seconds(1));  // woken by check() and shutdown()
  if (!multi) return fail(multi.error().code, multi.error().detail);
  auto worker = std::make_shared<Worker>(io, std::move(options), std::move(log), std::move(*multi));
  return std::unique_ptr<HttpAccessChecker>(new HttpAccessChecker(std::move(worker)));
}

HttpAccessChecker::~HttpAccessChecker() { shutdown(); }

void HttpAccessChecker::shutdown() {
  if (!worker_) return;
  worker_->multi->stop();  // questions in flight get no answer
  worker_.reset();
}

void HttpAccessChecker::check(std::string url, Done done) {
  if (!worker_) return;  // shut down: no answer, as documented
  if (telemetry_ != nullptr) {
    // The answer comes back on the loop: timing and counting it there needs no lock.
    done = [telemetry = telemetry_, asked = std::chrono::steady_clock::now(),
            inner = std::move(done)](acl::RemoteDecision decision) {
      telemetry->access.seconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count());
      const auto outcome = decision.verdict == acl::RemoteVerdict::Granted   ? status::AccessOutcome::Allowed
                           : decision.verdict == acl::RemoteVerdict::Refused ? status::AccessOutcome::Denied
                                                                             : status::AccessOutcome::Failed;
      ++telemetry->access.outcomes[static_cast<std::size_t>(outcome)];
      inner(std::move(decision));
    };
  }
  if (!istarts_with(url, "http://") && !istarts_with(url, "https://")) {
    worker_->post(std::move(done), acl::failed_check("not an http:// or https:// URL"));
    return;
  }
  if (worker_->in_flight.load() >= worker_->options.max_in_flight) {
    worker_->post(std::move(done), acl::failed_check(fmt::format("{} questions already in flight",
                                                                 worker_->options.max_in_flight)));
    return;
  }
  ++worker_->in_flight;
  if (!worker_->multi->post([w = worker_.get(), q = Question{std::move(url), std::move(done)}]() mutable {
        w->start(std::move(q));
      }))
    --worker_->in_flight;
}

}  // namespace netboot::net
