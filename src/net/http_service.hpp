#pragma once
// The [httpd] file service: second-stage boot files (iPXE scripts, kernels, initrds, images)
// over HTTP/1.1 on one event-loop thread. Decisions live in src/http (pure); this is sockets.
#include <cstdint>
#include <memory>
#include <string>

#include <asio.hpp>
#include <spdlog/logger.h>

#include "config/config.hpp"
#include "core/result.hpp"
#include "core/service.hpp"
#include "lease/lease_store.hpp"
#include "net/http_connection.hpp"

namespace netboot::net {

class HttpService final : public Service {
 public:
  /// `leases` may be null (no DHCP service); it must outlive the service. With check_ip on and
  /// no store, every download is refused.
  HttpService(asio::io_context& io, const config::HttpServiceConfig& config, const lease::LeaseStore* leases,
              std::shared_ptr<spdlog::logger> log, HttpServiceLimits limits = {});
  ~HttpService() override;
  HttpService(const HttpService&) = delete;
  HttpService& operator=(const HttpService&) = delete;

  /// Opens the root and listens; an error is one line for the operator.
  Result<void> start() override;
  /// Stops accepting and closes every connection (downloads in progress are cut).
  void stop() override;
  /// "http 0.0.0.0:80" (the bound port once started).
  [[nodiscard]] std::string describe() const override;

  /// The bound port (tests bind port 0); 0 before start().
  [[nodiscard]] std::uint16_t local_port() const;
  [[nodiscard]] std::size_t connection_count() const { return shared_->live.size(); }
  /// Counts into `telemetry` (the status service's figures) from now on.
  void attach_telemetry(status::Telemetry* telemetry) noexcept { shared_->telemetry = telemetry; }
  /// Serves "/boot/<mac>.ipxe" from `scripts` from now on (it must outlive the service).
  void serve_boot_scripts(const BootScripts* scripts) noexcept { shared_->scripts = scripts; }
  [[nodiscard]] std::uint64_t log_lines_suppressed() const noexcept { return shared_->log_limiter.suppressed_total(); }

 private:
  std::shared_ptr<HttpShared> shared_;
};

}  // namespace netboot::net
