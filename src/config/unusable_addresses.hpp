#pragma once
// Addresses of the served subnet that no client may lease, and the --check-config warning
// when the pool overlaps them (pool_start = x.y.z.0, pool_count = 256 offered the
// network address and the server's own).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace netboot::config {

struct UnusableAddress {
  Ipv4Address address;
  std::string_view why;  // "network address", "broadcast address", "server address", "gateway"
};

/// The served subnet's network and broadcast addresses (none on a /31 or /32), every address
/// of this host on it, and the gateway; each address once, the first reason kept.
[[nodiscard]] std::vector<UnusableAddress> unusable_addresses(const DhcpConfig& dhcp);

/// One line when the pool holds unusable addresses or addresses reserved in [static_dhcp]
/// (the allocator never gives them out dynamically): which, and how many addresses remain
/// for dynamic leases. nullopt when the pool overlaps none of them.
[[nodiscard]] std::optional<std::string> pool_overlap_warning(const DhcpConfig& dhcp);

}  // namespace netboot::config
