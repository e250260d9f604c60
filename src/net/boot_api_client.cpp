#include "net/boot_api_client.hpp"

#include <array>
#include <atomic>

#include <fmt/format.h>

#include "core/text.hpp"
#include "net/curl_multi.hpp"

namespace netboot::net {

namespace {

struct Transfer {
  boot::BootApi::Done done;
  std::string body;
  std::size_t max_body = 0;
  bool too_large = false;
  std::size_t header_bytes = 0;
  bool header_too_large = false;
  std::array<char, CURL_ERROR_SIZE> error{};
};

constexpr std::size_t kMaxResponseHeader = 16 * 1024;

extern "C" std::size_t count_api_header(char* /*data*/, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  transfer->header_bytes += bytes;
  if (transfer->header_bytes > kMaxResponseHeader) {
    transfer->header_too_large = true;
    return 0;
  }
  return bytes;
}

extern "C" std::size_t collect_api_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  if (transfer->body.size() + bytes > transfer->max_body) {
    transfer->too_large = true;
    return 0;  // aborts the transfer: a huge answer is refused while it comes, never held
  }
  transfer->body.append(data, bytes);
  return bytes;
}

}  // namespace

struct BootApiClient::Worker {
  asio::io_context& io;
  BootApiClientOptions options;
  const CurlLibrary& curl;
  std::atomic<std::size_t> in_flight{0};
  std::unique_ptr<CurlMulti> multi;

  Worker(asio::io_context& io_in, BootApiClientOptions options_in, std::unique_ptr<CurlMulti> multi_in)
      : io(io_in), options(options_in), curl(multi_in->curl()), multi(std::move(multi_in)) {}

  void post(Done done, boot::BootApiAnswer answer) {
    asio::post(io, [done = std::move(done), answer = std::move(answer)]() mutable { done(std::move(answer)); });
  }

  void start(std::string url, Done done) {
    CURL* easy = curl.easy_init();
    if (easy == nullptr) {
      --in_flight;
      post(std::move(done), boot::failed_boot_api("libcurl could not create a request"));
      return;
    }
    auto transfer = std::make_shared<Transfer>();
    transfer->done = std::move(done);
    transfer->max_body = options.max_body;
    const long timeout_ms = static_cast<long>(options.timeout.count());
    curl.easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl.easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    curl.easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl.easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl.easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl.easy_setopt(easy, CURLOPT_PROXY, "");
    curl.easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl.easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl.easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl.easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_body));
    curl.easy_setopt(easy, CURLOPT_USERAGENT, "netbootd");
    curl.easy_setopt(easy, CURLOPT_WRITEFUNCTION, collect_api_body);
    curl.easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
    curl.easy_setopt(easy, CURLOPT_HEADERFUNCTION, count_api_header);
    curl.easy_setopt(easy, CURLOPT_HEADERDATA, transfer.get());
    curl.easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error.data());
    const auto finished = [this, transfer](CURL* handle, CURLcode result) {
      finish(handle, result, *transfer);
      return CurlMulti::After::Done;
    };
    if (!multi->add(easy, finished)) {
      --in_flight;
      post(std::move(transfer->done), boot::failed_boot_api("libcurl could not start the request"));
    }
  }

  void finish(CURL* easy, CURLcode result, Transfer& t) {
    long status = 0;
    curl.easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    boot::BootApiAnswer answer;
    if (result == CURLE_OK) {
      answer = boot::read_boot_api_answer(status, t.body);
    } else if (t.header_too_large) {
      answer = boot::failed_boot_api(fmt::format("response header over {} bytes", kMaxResponseHeader));
    } else if (t.too_large || result == CURLE_FILESIZE_EXCEEDED) {
      answer = boot::failed_boot_api(fmt::format("HTTP {}, answer over {} bytes", status, options.max_body));
    } else if (result == CURLE_OPERATION_TIMEDOUT) {
      answer = boot::failed_boot_api(fmt::format("no answer within {} ms", options.timeout.count()));
    } else {
      answer = boot::failed_boot_api(t.error[0] != '\0' ? std::string(t.error.data()) : curl.easy_strerror(result));
    }
    post(std::move(t.done), std::move(answer));
    --in_flight;
  }
};

Result<std::unique_ptr<BootApiClient>> BootApiClient::create(asio::io_context& io, BootApiClientOptions options) {
  auto multi = CurlMulti::create(std::chrono::seconds(1));
  if (!multi) return fail(multi.error().code, multi.error().detail);
  auto worker = std::make_shared<Worker>(io, options, std::move(*multi));
  return std::unique_ptr<BootApiClient>(new BootApiClient(std::move(worker)));
}

BootApiClient::~BootApiClient() { shutdown(); }

void BootApiClient::shutdown() {
  if (!worker_) return;
  worker_->multi->stop();
  worker_.reset();
}

void BootApiClient::ask(std::string url, Done done) {
  if (!worker_) return;
  if (!istarts_with(url, "http://") && !istarts_with(url, "https://")) {
    worker_->post(std::move(done), boot::failed_boot_api("not an http:// or https:// URL"));
    return;
  }
  if (worker_->in_flight.load() >= worker_->options.max_in_flight) {
    worker_->post(std::move(done), boot::failed_boot_api(fmt::format("{} questions already in flight",
                                                                     worker_->options.max_in_flight)));
    return;
  }
  ++worker_->in_flight;
  if (!worker_->multi->post([w = worker_.get(), url = std::move(url), done = std::move(done)]() mutable {
        w->start(std::move(url), std::move(done));
      }))
    --worker_->in_flight;
}

}  // namespace netboot::net
