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
#include "status/list_window.hpp"
#include "status/pool_counter.hpp"
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
  /// The answer to GET `path` with `query` (after '?'; HEAD sends its head only); 404 for an
  /// unknown path, 400 for a bad list window.
  [[nodiscard]] Answer answer(std::string_view path, std::string_view query = {});

  /// The list endpoints' `?limit=`: the default, and the most one request may ask for.
  static constexpr status::ListBounds kLeaseListBounds{.default_limit = 1000, .max_limit = 10'000};
  static constexpr status::ListBounds kMachineListBounds{.default_limit = 500, .max_limit = 4096};

  struct Shared;

 private:
  [[nodiscard]] status::ScrapeReadings readings();
  [[nodiscard]] std::optional<status::PoolUsage> pool_usage();
  [[nodiscard]] std::vector<status::LiveTransfer> live_transfers() const;
  [[nodiscard]] std::string leases_text(status::ListWindow window, std::string_view query);
  [[nodiscard]] std::string machines_text(status::ListWindow window, std::string_view query);

  // A document kept for the next poll: reused while what it was built from is unchanged.
  struct CachedDocument {
    bool valid = false;
    std::string query;
    std::uint64_t activity_version = 0;
    std::uint64_t lease_version = 0;
    std::uint64_t reserved = 0;
    std::optional<status::WallTime> valid_until;  // a lease's expiry would change it
    std::string body;
  };

  std::shared_ptr<Shared> shared_;
  StatusSources sources_;
  std::unique_ptr<status::PoolCounter> pool_counter_;  // subscribed to sources_.leases
  CachedDocument leases_cache_;
  CachedDocument machines_cache_;
};

}  // namespace netboot::net
