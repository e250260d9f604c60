#include "config/unusable_addresses.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/ipv4_subnet.hpp"

namespace netboot::config {

std::vector<UnusableAddress> unusable_addresses(const DhcpConfig& dhcp) {
  std::vector<UnusableAddress> out;
  const auto add = [&out](Ipv4Address address, std::string_view why) {
    const bool known = std::any_of(out.begin(), out.end(), [&](const UnusableAddress& u) { return u.address == address; });
    if (!known && !address.is_unspecified()) out.push_back({address, why});
  };
  const Ipv4Subnet subnet{dhcp.server_address, dhcp.netmask};
  if (subnet.has_network_and_broadcast()) {
    add(subnet.network(), "network address");
    add(subnet.broadcast(), "broadcast address");
  }
  add(dhcp.server_address, "server address");
  for (const Ipv4Address address : dhcp.local_addresses) add(address, "server address");
  if (dhcp.gateway) add(*dhcp.gateway, "gateway");
  return out;
}

std::optional<std::string> pool_overlap_warning(const DhcpConfig& dhcp) {
  if (dhcp.pool_count == 0) return std::nullopt;
  const std::uint64_t first = dhcp.pool_start.to_host_order();
  const std::uint64_t end = first + dhcp.pool_count;
  const auto in_pool = [&](Ipv4Address a) { return a.to_host_order() >= first && a.to_host_order() < end; };
  std::set<Ipv4Address> withheld;
  std::string which;
  const auto note = [&](Ipv4Address address, std::string_view why) {
    if (!in_pool(address) || !withheld.insert(address).second) return;
    which += fmt::format("{}{} ({})", which.empty() ? "" : ", ", address.to_string(), why);
  };
  for (const auto& unusable : unusable_addresses(dhcp)) note(unusable.address, unusable.why);
  for (const auto& [mac, address] : dhcp.static_leases) note(address, "reserved for " + mac.to_string('-'));
  if (withheld.empty()) return std::nullopt;
  return fmt::format("[bootp] the pool {} .. {} holds {} address{} never leased dynamically: {}; {} of {} remain",
                     dhcp.pool_start.to_string(), dhcp.pool_start.plus(dhcp.pool_count - 1).to_string(),
                     withheld.size(), withheld.size() == 1 ? "" : "es", which, dhcp.pool_count - withheld.size(),
                     dhcp.pool_count);
}

}  // namespace netboot::config
