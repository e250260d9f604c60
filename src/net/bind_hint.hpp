#pragma once
// What to do about a port that cannot be bound: the two failures a new user
// meets, said with their fix.
#include <cerrno>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

namespace netboot::net {

/// ": <advice>" for EADDRINUSE and EACCES, else "". `ss_flags` is "u" (UDP) or "t" (TCP).
/// By errno value: Asio's system category does not compare equal to std::errc.
inline std::string bind_hint(const std::error_code& ec, std::uint16_t port, std::string_view ss_flags) {
  if (ec.value() == EADDRINUSE) {
    const std::string_view who = port == 67 ? "another DHCP server (dnsmasq, isc-dhcp-server, kea?)"
                                 : port == 69 ? "another TFTP server (tftpd-hpa, atftpd, dnsmasq?)"
                                              : "another server";
    return fmt::format(": {} holds port {}; `ss -l{}np 'sport = :{}'` shows which process", who, port, ss_flags, port);
  }
  if ((ec.value() == EACCES || ec.value() == EPERM) && port < 1024)
    return fmt::format(": port {} is below 1024 and needs root or CAP_NET_BIND_SERVICE (systemd: "
                       "AmbientCapabilities=CAP_NET_BIND_SERVICE, as in packaging/netbootd.service)",
                       port);
  return {};
}

}  // namespace netboot::net
