#pragma once
#include <algorithm>
#include <span>
#include <string>

#include "core/ipv4_address.hpp"

namespace netboot {

/// One IPv4 address of a local interface, as getifaddrs reports it (net/interfaces.cpp).
/// A plain value so configuration checks and tests need no sockets.
struct NetworkInterface {
  std::string name;
  unsigned index = 0;
  Ipv4Address address;
  Ipv4Address netmask;
  unsigned mtu = 1500;
  bool up = true;
  bool loopback = false;
};

/// True when `peer` is on a subnet of interface `index`: reached without a router, so the
/// interface MTU is the path MTU.
[[nodiscard]] inline bool on_link(std::span<const NetworkInterface> interfaces, unsigned index, Ipv4Address peer) {
  return std::any_of(interfaces.begin(), interfaces.end(), [&](const NetworkInterface& interface) {
    return interface.index == index && interface.address.same_subnet(peer, interface.netmask);
  });
}

}  // namespace netboot
