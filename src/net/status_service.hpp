#pragma once
// The [status] service: GET /metrics (Prometheus), /api/v1/{leases,machines,transfers}
// (JSON) and / (the live page) on the daemon's event loop. Each answer is built from what
// the services hold at that moment (src/status encodes it) and written without blocking;
// connections, request size and idle time are bounded like the HTTP file service's.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asio.hpp>
#include <spdlog/logger.h>

#include "config/config.hpp"
#include "core/result.hpp"
#include "core/service.hpp"
#include "lease/lease_store.hpp"
#include "status/telemetry.hpp"

namespace netboot::net {

class DhcpService;
class TftpService;
class HttpService;

/// What the status service reads; any may be null except `telemetry`. All outlive it.
struct StatusSources {
  status::Telemetry* telemetry = nullptr;
  const lease::LeaseStore* leases = nullptr;
  const config::DhcpConfig* dhcp_config = nullptr;  // the pool; null without DHCP
  const DhcpService* dhcp = nullptr;
  const TftpService* tftp = nullptr;
  const HttpService* http = nullptr;
};

struct StatusServiceLimits {
  std::chrono::milliseconds idle_timeout{10'000};  // for a whole request head, and between requests
  std::chrono::milliseconds write_timeout{10'000}; // for a whole answer
  std::size_t max_request_bytes = 8192;            // request line and header fields
};

class StatusService final : public Service {
 public:
  StatusService(asio::io_context& io, const config::StatusConfig& config, StatusSources sources,
                std::shared_ptr<spdlog::logger> log, StatusServiceLimits limits = {});
  ~StatusService() override;
  StatusService(const StatusService&) = delete;
  StatusService& operator=(const StatusService&) = delete;

  Result<void> start() override;
  void stop() override;
  /// "status 127.0.0.1:9167".
  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] std::uint16_t local_port() const;
  [[nodiscard]] std::size_t connection_count() const;

  struct Answer {
    int status = 200;
    std::string content_type;
    std::string body;
  };
  /// The answer to GET `path` (HEAD sends its head only); 404 for an unknown path.
  [[nodiscard]] Answer answer(std::string_view path) const;

  struct Shared;

 private:
  [[nodiscard]] status::ScrapeReadings readings() const;
  [[nodiscard]] std::optional<status::PoolUsage> pool_usage() const;
  [[nodiscard]] std::vector<status::LiveTransfer> live_transfers() const;

  std::shared_ptr<Shared> shared_;
  StatusSources sources_;
};

}  // namespace netboot::net
