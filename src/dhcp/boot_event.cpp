#include "dhcp/boot_event.hpp"

#include <algorithm>

#include "acl/remote_access.hpp"

namespace netboot::dhcp {

std::string_view to_string(BootEvent::Kind kind) noexcept {
  switch (kind) {
    case BootEvent::Kind::Boot: return "BOOT";
    case BootEvent::Kind::Lease: return "LEASE";
    case BootEvent::Kind::Release: return "RELEASE";
    case BootEvent::Kind::Decline: return "DECLINE";
  }
  return "?";
}

std::string format_notification(std::string_view kind, const std::optional<Uuid>& uuid, const MacAddress& mac,
                                 Ipv4Address address) {
  std::string text(kind);
  if (uuid) text += "," + acl::upper_uuid(*uuid);
  text += "," + mac.to_string(':') + "," + address.to_string();
  return text;
}

std::vector<std::string> notification_messages(std::span<const BootEvent> events) {
  using Kind = BootEvent::Kind;
  std::vector<std::string> out;
  for (const auto& event : events) {
    switch (event.kind) {
      case Kind::Boot: out.push_back(format_notification("BOOT", event.uuid, event.mac, event.address)); break;
      case Kind::Lease: {
        const bool booted = std::any_of(events.begin(), events.end(), [&](const BootEvent& other) {
          return other.kind == Kind::Boot && other.mac == event.mac && other.address == event.address;
        });
        if (!booted) out.push_back(format_notification("LEASE", event.uuid, event.mac, event.address));
        break;
      }
      case Kind::Release: out.push_back(format_notification("RELEASE", event.uuid, event.mac, event.address)); break;
      case Kind::Decline: break;
    }
  }
  return out;
}

}  // namespace netboot::dhcp
