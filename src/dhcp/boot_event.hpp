#pragma once
// What a DHCP exchange did, as data (record-events), and pybootd's `notify` text for it:
// one datagram per event, "KIND,[UUID,]MAC,IP" (docs/access-control.md).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ipv4_address.hpp"
#include "core/mac_address.hpp"
#include "core/uuid.hpp"
#include "lease/lease.hpp"

namespace netboot::dhcp {

/// Data for pybootd's `notify` and the logs, published after the reply left.
struct BootEvent {
  enum class Kind : std::uint8_t { Boot, Lease, Release, Decline };
  Kind kind = Kind::Lease;
  MacAddress mac;
  Ipv4Address address;
  std::optional<Uuid> uuid;
  std::optional<std::uint16_t> arch;
  lease::BootPhase phase = lease::BootPhase::Idle;
  std::string boot_file;
  friend bool operator==(const BootEvent&, const BootEvent&) = default;
};
std::string_view to_string(BootEvent::Kind kind) noexcept;

/// "BOOT,<UUID>,<MAC>,<IP>", or "BOOT,<MAC>,<IP>" without a UUID; MAC upper-case with ':',
/// UUID upper-case canonical text (pybootd's spelling).
[[nodiscard]] std::string format_notification(std::string_view kind, const std::optional<Uuid>& uuid,
                                              const MacAddress& mac, Ipv4Address address);

/// The datagrams for the events of one reply, as pybootd sends them: one per acknowledged
/// REQUEST — BOOT for a PXE client, LEASE otherwise — and RELEASE for a release. The
/// pipeline records LEASE and BOOT for a PXE acknowledgement; the BOOT stands for both.
/// DECLINE has no pybootd message and sends none.
[[nodiscard]] std::vector<std::string> notification_messages(std::span<const BootEvent> events);

}  // namespace netboot::dhcp
