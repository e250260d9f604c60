#pragma once
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

}  // namespace netboot
