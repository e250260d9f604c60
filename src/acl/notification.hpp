#pragma once
// pybootd's `notify`: one text datagram per event, "KIND,[UUID,]MAC,IP" (docs/access-control.md).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/ipv4_address.hpp"
#include "core/mac_address.hpp"
#include "core/uuid.hpp"

namespace netboot::acl {

/// What happened, as the DHCP pipeline records it (dhcp::BootEvent, without the DHCP types).
struct NotifiedEvent {
  enum class Kind : std::uint8_t { Boot, Lease, Release, Decline };
  Kind kind = Kind::Lease;
  MacAddress mac;
  Ipv4Address address;
  std::optional<Uuid> uuid;
};

/// "BOOT,<UUID>,<MAC>,<IP>", or "BOOT,<MAC>,<IP>" without a UUID; MAC upper-case with ':',
/// UUID upper-case canonical text (pybootd's spelling).
[[nodiscard]] std::string format_notification(std::string_view kind, const std::optional<Uuid>& uuid,
                                              const MacAddress& mac, Ipv4Address address);

/// The datagrams for the events of one reply, as pybootd sends them: one per acknowledged
/// REQUEST — BOOT for a PXE client, LEASE otherwise — and RELEASE for a release. The
/// pipeline records LEASE and BOOT for a PXE acknowledgement; the BOOT stands for both.
/// DECLINE has no pybootd message and sends none.
[[nodiscard]] std::vector<std::string> notification_messages(std::span<const NotifiedEvent> events);

}  // namespace netboot::acl
