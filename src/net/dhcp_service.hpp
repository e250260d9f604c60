#pragma once
// The DHCP service: glue between a UdpListener, the decision pipeline and the lease store.
// Datagram in -> parse -> pipeline -> (commit) -> reply out of the arrival interface -> events.
// The composition root (app/server.cpp) builds the pipeline and the listener and hands them over.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include <asio.hpp>
#include <spdlog/logger.h>

#include "config/config.hpp"
#include "core/ipv4_subnet.hpp"
#include "core/log_limiter.hpp"
#include "core/service.hpp"
#include "dhcp/pipeline/exchange.hpp"
#include "dhcp/pipeline/pipeline.hpp"
#include "lease/lease_store.hpp"
#include "net/udp_listener.hpp"
#include "status/telemetry.hpp"

namespace netboot::net {

/// Kea's vocabulary: what happened to requests, for the shutdown line and tests.
struct DhcpCounters {
  std::uint64_t received = 0;
  std::uint64_t parse_failed = 0;
  std::uint64_t not_for_us = 0;   // replies, wrong interface, ...
  std::uint64_t dropped = 0;      // a pipeline step said no
  std::uint64_t parked = 0;       // waiting for a remote access decision or a boot file size
  std::uint64_t offers = 0;
  std::uint64_t acks = 0;
  std::uint64_t naks = 0;
  std::uint64_t commit_failed = 0;
  std::uint64_t proxy_offers = 0;      // proxyDHCP OFFERs (no address)
  std::uint64_t proxy_acks = 0;        // ACKs without address: proxy REQUEST on 67, boot server on 4011
};

/// What a DhcpService is (app/server.cpp gives each its pipeline):
/// - AddressServer: port 67, normal mode; its pipeline's select-subnet step decides which requests it serves;
/// - Proxy: port 67 with proxy = yes; every interface (or the one `interface` names);
/// - BootServer: the PXE boot server on pxe_port, both modes; answers go back to the sender.
enum class DhcpRole : std::uint8_t { AddressServer, Proxy, BootServer };

/// Publishes BOOT/LEASE/RELEASE events (pybootd's notify) after the reply left.
using EventSink = std::function<void(const std::vector<dhcp::BootEvent>& events)>;

struct DhcpServiceDependencies {
  lease::LeaseStore& leases;                    // the store the pipeline reads; commits go here
  dhcp::Pipeline pipeline;                      // make_pipeline(), over the same store
  std::unique_ptr<DatagramListener> listener;   // a UdpListener (a fake one in tests)
  EventSink events = {};
  std::chrono::milliseconds park_timeout{};     // drop parked exchanges after this (access_park_timeout)
  DhcpRole role = DhcpRole::AddressServer;
};

class DhcpService final : public Service {
 public:
  DhcpService(asio::io_context& io, const config::DhcpConfig& config, DhcpServiceDependencies deps,
              std::shared_ptr<spdlog::logger> log);
  ~DhcpService() override;

  Result<void> start() override;
  void stop() override;
  void abandon() override;
  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] const DhcpCounters& counters() const { return counters_; }
  /// Counts into `telemetry` (the status service's figures) from now on; null stops.
  void attach_telemetry(status::Telemetry* telemetry) noexcept { telemetry_ = telemetry; }
  [[nodiscard]] std::uint64_t log_lines_suppressed() const noexcept { return log_limiter_.suppressed_total(); }

  /// A reload's new policy (make_pipeline over a new configuration): requests that arrive from
  /// now on run through `next`; an exchange parked on the previous pipeline resumes and
  /// finishes on it, with the policy it started with (the previous one lives as long as one does).
  void replace_pipeline(dhcp::Pipeline next);

 private:
  void on_datagram(ByteView datagram, const PacketInfo& info);
  void process(std::shared_ptr<dhcp::Exchange> ex, const std::shared_ptr<dhcp::Pipeline>& pipeline);
  void finish(const std::shared_ptr<dhcp::Exchange>& ex);
  void send_reply(const dhcp::Exchange& ex);
  void resume(const MacAddress& mac, std::uint32_t xid);
  void expire_parked();
  void count_outcome(const dhcp::Exchange& ex, status::DhcpVerdict verdict);

  asio::io_context& io_;
  const config::DhcpConfig& config_;
  DhcpServiceDependencies deps_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<dhcp::Pipeline> pipeline_;  // the current policy; replace_pipeline() swaps it
  DatagramListener& listener_;
  DhcpCounters counters_;
  Bytes reply_wire_;  // the reply being sent: one buffer reused for every reply
  LogLimiter log_limiter_{kLogBurst, kLogInterval};  // "ignored" lines under a flood
  struct Parked {
    std::shared_ptr<dhcp::Exchange> exchange;
    std::shared_ptr<dhcp::Pipeline> pipeline;  // the one it started on
    SteadyTime deadline;
  };
  std::map<MacAddress, Parked> parked_;  // one per client: a newer request supersedes
  asio::steady_timer park_timer_;
  status::Telemetry* telemetry_ = nullptr;
  bool stopped_ = false;
  bool serving_ = false;        // false for a boot server port that could not be bound (not asked for)
  bool report_on_stop_ = true;  // false after a failed start (abandon())
};

}  // namespace netboot::net
