#pragma once
#include <cstdint>

#include "core/ipv4_address.hpp"

namespace netboot {

/// An IPv4 subnet: an address inside it and its (contiguous) netmask.
struct Ipv4Subnet {
  Ipv4Address address;
  Ipv4Address netmask;

  [[nodiscard]] constexpr bool contains(Ipv4Address other) const { return address.same_subnet(other, netmask); }
  [[nodiscard]] constexpr Ipv4Address network() const {
    return Ipv4Address::from_host_order(address.to_host_order() & netmask.to_host_order());
  }
  [[nodiscard]] constexpr Ipv4Address broadcast() const {
    return Ipv4Address::from_host_order(address.to_host_order() | ~netmask.to_host_order());
  }
  /// A /31 (RFC 3021) or /32 has no network or broadcast address: every address is a host.
  [[nodiscard]] constexpr bool has_network_and_broadcast() const {
    return (~netmask.to_host_order()) > 1u;
  }
};

}  // namespace netboot
