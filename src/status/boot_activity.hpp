#pragma once
// What the status page and API show about machines: each machine seen by DHCP (MAC, UUID,
// architecture, client type, phase, address, boot file, first and last seen, its step) and
// its recent transfers, the recent transfers of any client, and the last refusals. Pure:
// the services report events with the time; nothing here touches a socket.
//
// Bounded whatever clients do: at most `max_machines` machines (a new one evicts the least
// recently seen, so random MACs cost a fixed amount of memory), `transfers_per_machine`
// transfers each, `recent_transfers` transfers overall, `max_refusals` refusals, and every
// stored client-supplied text is cut at `max_text` bytes.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/ipv4_address.hpp"
#include "core/mac_address.hpp"
#include "core/uuid.hpp"
#include "lease/lease.hpp"

namespace netboot::status {

using WallTime = lease::WallTime;

/// Who asked: the firmware's PXE ROM, iPXE, or the booted operating system (no PXE options).
enum class ClientType : std::uint8_t { FirmwarePxe, Ipxe, Os };
/// Where a machine is in its boot: DHCP (PXE), the boot file, a later file (kernel, initrd),
/// then the operating system's own lease.
enum class BootStep : std::uint8_t { Dhcp, BootFile, Kernel, OsLease };

std::string_view to_string(ClientType type) noexcept;
std::string_view to_string(BootStep step) noexcept;

/// One DHCP exchange served, as the DHCP service reports it.
struct DhcpSighting {
  MacAddress mac;
  std::optional<Uuid> uuid;
  std::optional<std::uint16_t> arch;
  ClientType client_type = ClientType::Os;
  lease::BootPhase phase = lease::BootPhase::Idle;
  std::optional<Ipv4Address> address;
  std::string boot_file;
};

/// A finished transfer.
struct TransferRecord {
  Ipv4Address client;
  std::string file;
  std::uint64_t bytes = 0;
  std::optional<std::uint64_t> size;
  WallTime started{};
  double seconds = 0;
  std::string outcome;  // "completed", "timed out", ...
};

/// A transfer in progress, read from the TFTP service when asked.
struct LiveTransfer {
  Ipv4Address client;
  std::uint16_t client_port = 0;
  std::string file;
  std::uint64_t bytes = 0;              // acknowledged so far
  std::optional<std::uint64_t> size;    // when the source knows it
  WallTime started{};
  double seconds = 0;                   // elapsed
};

struct Refusal {
  WallTime at{};
  std::string service;  // "dhcp", "tftp", "http"
  std::string client;   // MAC or address
  std::string reason;
};

struct Machine {
  MacAddress mac;
  std::optional<Uuid> uuid;
  std::optional<std::uint16_t> arch;
  ClientType client_type = ClientType::Os;
  lease::BootPhase phase = lease::BootPhase::Idle;
  std::optional<Ipv4Address> address;
  std::string boot_file;
  BootStep step = BootStep::Dhcp;
  WallTime first_seen{};
  WallTime last_seen{};
  std::uint64_t arrival = 0;  // order of first sighting: the boot order
  std::uint64_t touched = 0;  // key in the least-recently-seen index
  std::deque<TransferRecord> transfers;  // oldest first
  bool transferred_since_dhcp = false;
};

struct ActivityLimits {
  std::size_t max_machines = 4096;
  std::size_t transfers_per_machine = 8;
  std::size_t recent_transfers = 64;
  std::size_t max_refusals = 32;
  std::size_t max_text = 256;
};

class BootActivity {
 public:
  explicit BootActivity(ActivityLimits limits = {}) : limits_(limits) {}

  void on_dhcp(const DhcpSighting& sighting, WallTime now);
  /// A transfer began for `client` (the machine holding that address moves to its next step).
  void on_transfer_started(Ipv4Address client, std::string_view file, WallTime now);
  void on_transfer_ended(TransferRecord record);
  void on_refusal(std::string_view service, std::string_view client, std::string_view reason, WallTime now);

  /// Machines by first sighting, oldest first.
  [[nodiscard]] std::vector<const Machine*> machines_in_boot_order() const;
  [[nodiscard]] const Machine* find(const MacAddress& mac) const;
  [[nodiscard]] std::size_t machine_count() const noexcept { return machines_.size(); }
  [[nodiscard]] const std::deque<TransferRecord>& recent_transfers() const noexcept { return recent_; }
  [[nodiscard]] const std::deque<Refusal>& refusals() const noexcept { return refusals_; }
  [[nodiscard]] std::uint64_t machines_evicted() const noexcept { return evicted_; }
  [[nodiscard]] const ActivityLimits& limits() const noexcept { return limits_; }
  /// Changes with anything shown above, so a document built from them can be reused until then.
  [[nodiscard]] std::uint64_t version() const noexcept { return version_; }

 private:
  Machine* machine_at(Ipv4Address address);
  void touch(Machine& machine);
  void evict_least_recent();
  std::string bounded(std::string_view text) const;

  ActivityLimits limits_;
  std::unordered_map<MacAddress, Machine> machines_;
  std::unordered_map<Ipv4Address, MacAddress> by_address_;
  std::map<std::uint64_t, MacAddress> by_touch_;  // least recently seen first
  std::deque<TransferRecord> recent_;
  std::deque<Refusal> refusals_;
  std::uint64_t next_arrival_ = 0;
  std::uint64_t next_touch_ = 0;
  std::uint64_t evicted_ = 0;
  std::uint64_t version_ = 0;
};

}  // namespace netboot::status
