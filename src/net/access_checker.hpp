#pragma once
// The HTTP side of [bootp] access = http: GETs to the authorization server through libcurl.
// One helper thread drives every request with a curl multi handle and posts each decision
// back to the event loop, so a slow or dead server delays only the client it is asked about.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <asio.hpp>
#include <spdlog/logger.h>

#include "status/telemetry.hpp"
#include "acl/remote_access.hpp"
#include "core/result.hpp"

namespace netboot::net {

struct AccessCheckerOptions {
  std::chrono::milliseconds timeout{5000};         // [http] timeout: whole request, connect included
  std::size_t max_body = acl::kMaxReplyBody;       // a longer body is a failure (fail closed)
  std::size_t max_in_flight = 1024;                // more questions at once fail at once
  std::string user_agent = "netbootd";
};

class HttpAccessChecker final : public acl::AccessChecker {
 public:
  static Result<std::unique_ptr<HttpAccessChecker>> create(asio::io_context& io, AccessCheckerOptions options,
                                                           std::shared_ptr<spdlog::logger> log);
  ~HttpAccessChecker() override;

  /// Only http:// and https:// URLs are fetched; no redirect is followed (a 3xx refuses),
  /// no proxy is used. `done` runs on `io`.
  void check(std::string url, Done done) override;
  /// Stops the helper thread; questions in flight get no answer (idempotent).
  void shutdown();
  /// Counts latency and outcome into `telemetry` (the status service's figures) from now on.
  void attach_telemetry(status::Telemetry* telemetry) noexcept { telemetry_ = telemetry; }

  struct Worker;  // the questions in flight and the CurlMulti that asks them

 private:
  explicit HttpAccessChecker(std::shared_ptr<Worker> worker) : worker_(std::move(worker)) {}
  std::shared_ptr<Worker> worker_;
  status::Telemetry* telemetry_ = nullptr;
};

}  // namespace netboot::net
