#pragma once
// The figures the services count for the status service, and their Prometheus families.
// Owned by the composition root; each service gets a pointer (null when [status] is off,
// which then costs one branch). Plain integers: every writer runs on the event loop, so
// counting is an add, never a lock.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dhcp/dhcp_constants.hpp"
#include "lease/lease.hpp"
#include "status/boot_activity.hpp"
#include "status/exposition.hpp"
#include "status/histogram.hpp"

namespace netboot::status {

/// What became of one run of the DHCP pipeline for a request.
enum class DhcpVerdict : std::uint8_t {
  Served,      // answered (or, RELEASE/DECLINE, recorded)
  RefusedAcl,  // dropped by [mac]/[uuid] or the [http] authorization server
  Dropped,     // dropped by any other step, or parked past its deadline
  Nak,         // answered with a NAK
  Parked,      // waiting for an authorization answer or a boot file size (counted again when it resumes)
  NotForUs,    // a reply, another subnet, another interface
  Malformed,   // not a DHCP packet
};
inline constexpr std::size_t kDhcpVerdicts = 7;
std::string_view to_string(DhcpVerdict verdict) noexcept;

/// DHCP message types by index: 0 = BOOTP (no option 53), 1..8 = DISCOVER..INFORM, 9 = any other.
inline constexpr std::size_t kDhcpTypeSlots = 10;
[[nodiscard]] std::size_t dhcp_type_slot(std::optional<dhcp::MessageType> type) noexcept;
[[nodiscard]] std::string_view dhcp_type_label(std::size_t slot) noexcept;

struct DhcpTelemetry {
  std::array<std::uint64_t, kDhcpTypeSlots> received{};
  std::array<std::array<std::uint64_t, kDhcpVerdicts>, kDhcpTypeSlots> verdicts{};
  std::array<std::uint64_t, kDhcpTypeSlots> replies{};
  Histogram commit_seconds{kLatencyBuckets};
  std::uint64_t commit_failures = 0;

  void count(std::optional<dhcp::MessageType> type, DhcpVerdict verdict) noexcept {
    ++verdicts[dhcp_type_slot(type)][static_cast<std::size_t>(verdict)];
  }
};

enum class AccessOutcome : std::uint8_t { Allowed, Denied, Failed };  // Failed: timeout, error, bad answer
inline constexpr std::size_t kAccessOutcomes = 3;

struct AccessTelemetry {
  std::array<std::uint64_t, kAccessOutcomes> outcomes{};
  Histogram seconds{kLatencyBuckets};
};

/// How a TFTP transfer that started ended (tftp::TransferOutcome::Kind, in its order).
inline constexpr std::size_t kTransferEnds = 5;
inline constexpr std::string_view kTransferEndLabels[kTransferEnds] = {"completed", "client_aborted", "timed_out",
                                                                         "source_failed", "cancelled"};

struct TftpTelemetry {
  std::uint64_t started = 0;
  std::array<std::uint64_t, kTransferEnds> ended{};  // [0] completed, the rest failed by reason
  std::uint64_t sent_bytes = 0;                      // acknowledged payload of ended transfers
  std::uint64_t retransmissions = 0;
  Histogram duration_seconds{kTransferBuckets};
};

struct HttpTelemetry {
  std::uint64_t downloads = 0;   // answers 2xx with a body
  std::uint64_t sent_bytes = 0;  // body bytes of every answer
  std::array<std::uint64_t, 6> responses_by_class{};  // [1..5] = 1xx..5xx
};

/// Requests refused, by service and reason. The reasons are the code's own short names (a
/// handful), never client text, so the table stays small.
class RefusalCounts {
 public:
  void add(std::string_view service, std::string_view reason);
  struct Entry {
    std::string service;
    std::string reason;
    std::uint64_t count = 0;
  };
  [[nodiscard]] const std::vector<Entry>& entries() const noexcept { return entries_; }

 private:
  std::vector<Entry> entries_;
};

struct Telemetry {
  DhcpTelemetry dhcp;
  AccessTelemetry access;
  TftpTelemetry tftp;
  HttpTelemetry http;
  RefusalCounts refusals;
  BootActivity activity;
};

/// Leases of one pool by state, from the lease store when scraped.
struct PoolUsage {
  std::string subnet;                 // "10.0.0.0/24"
  Ipv4Address first;
  std::uint32_t size = 0;             // pool_count
  std::uint64_t offered = 0;
  std::uint64_t bound = 0;            // ACKed and not expired
  std::uint64_t expired = 0;          // ACKed, expired (still tied to its MAC)
  std::uint64_t released = 0;
  std::uint64_t declined = 0;
  std::uint64_t reserved = 0;         // [static_dhcp] entries
};

/// Counts `leases` inside the pool [first, first + size) by state at `now`.
[[nodiscard]] PoolUsage count_pool(std::string subnet, Ipv4Address first, std::uint32_t size, std::uint64_t reserved,
                                   const std::vector<lease::Lease>& leases, WallTime now);

/// Figures read from the services when scraped (gauges and their own counters).
struct ScrapeReadings {
  std::optional<PoolUsage> pool;
  std::uint64_t tftp_active = 0;
  std::uint64_t http_connections = 0;
  struct Suppressed {
    std::string service;
    std::uint64_t lines = 0;
  };
  std::vector<Suppressed> log_lines_suppressed;
};

/// Every netbootd_ family, in a stable order.
[[nodiscard]] std::vector<MetricFamily> metric_families(const Telemetry& telemetry, const ScrapeReadings& readings);

}  // namespace netboot::status
