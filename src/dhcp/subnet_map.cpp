#include "dhcp/subnet_map.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace netboot::dhcp {
namespace {

Subnet primary_subnet(const config::DhcpConfig& c) {
  Subnet s;
  s.id = 0;
  s.network = Ipv4Subnet{c.server_address, c.netmask};
  s.netmask = c.netmask;
  s.router_policy = c.gateway ? RouterPolicy::Fixed : RouterPolicy::None;
  s.gateway = c.gateway;
  s.dns = c.dns;
  s.domain = c.domain;
  s.lease_time = c.lease_time;
  s.boot_files = c.boot_files;
  s.server_address = c.server_address;
  s.interface = c.detected_interface;
  return s;
}

Subnet extra_subnet(const config::SubnetConfig& c, std::uint32_t id) {
  Subnet s;
  s.id = id;
  s.name = c.name;
  s.network = c.network;
  s.netmask = c.netmask;
  s.router_policy = c.gateway ? RouterPolicy::Fixed : c.set_gateway ? RouterPolicy::RelayOrServer : RouterPolicy::None;
  s.gateway = c.gateway;
  s.dns = c.dns;
  s.domain = c.domain;
  s.lease_time = c.lease_time;
  s.next_server = c.next_server;
  s.boot_files = c.boot_files;
  if (!c.local_addresses.empty()) s.server_address = c.local_addresses.front();
  s.interface = !c.interface.empty() ? c.interface : c.detected_interface;
  return s;
}

}  // namespace

SubnetMap::SubnetMap(const config::DhcpConfig& config, const InterfaceIndex& index_of) {
  subnets_.reserve(config.subnets.size() + 1);
  subnets_.push_back(primary_subnet(config));
  for (const auto& extra : config.subnets)
    subnets_.push_back(extra_subnet(extra, static_cast<std::uint32_t>(subnets_.size())));
  for (const auto& s : subnets_) {
    networks_.add(s.network.network(), s.network.broadcast(), s.id);
    if (index_of && !s.interface.empty())
      if (const unsigned ifindex = index_of(s.interface); ifindex != 0 &&
          std::none_of(interfaces_.begin(), interfaces_.end(), [&](const auto& i) { return i.first == ifindex; }))
        interfaces_.emplace_back(ifindex, s.id);
  }
  networks_.finish();
  std::sort(interfaces_.begin(), interfaces_.end());
  for (std::size_t i = 0; i < config.subnets.size(); ++i)
    for (const auto relay : config.subnets[i].relays) relays_.emplace_back(relay, static_cast<std::uint32_t>(i + 1));
  std::sort(relays_.begin(), relays_.end());
  if (!config.server_address.is_unspecified()) own_.push_back(config.server_address);
  own_.insert(own_.end(), config.local_addresses.begin(), config.local_addresses.end());
  for (const auto& extra : config.subnets) own_.insert(own_.end(), extra.local_addresses.begin(), extra.local_addresses.end());
  std::sort(own_.begin(), own_.end());
  own_.erase(std::unique(own_.begin(), own_.end()), own_.end());
  trusted_relays_ = config.trusted_relays;
}

const Subnet* SubnetMap::containing(Ipv4Address address) const {
  const auto id = networks_.find(address);
  return id ? &subnets_[*id] : nullptr;
}

const Subnet* SubnetMap::for_relay(Ipv4Address giaddr) const {
  const auto it = std::lower_bound(relays_.begin(), relays_.end(), std::pair<Ipv4Address, std::uint32_t>{giaddr, 0});
  return it != relays_.end() && it->first == giaddr ? &subnets_[it->second] : nullptr;
}

const Subnet* SubnetMap::for_interface(unsigned ifindex) const {
  const auto it = std::lower_bound(interfaces_.begin(), interfaces_.end(), std::pair<unsigned, std::uint32_t>{ifindex, 0});
  return it != interfaces_.end() && it->first == ifindex ? &subnets_[it->second] : nullptr;
}

bool SubnetMap::interface_bound(const Subnet& subnet) const {
  return std::any_of(interfaces_.begin(), interfaces_.end(), [&](const auto& i) { return i.second == subnet.id; });
}

bool SubnetMap::is_own_address(Ipv4Address address) const {
  return std::binary_search(own_.begin(), own_.end(), address);
}

bool SubnetMap::trusts_relay(Ipv4Address source) const {
  // A handful of entries, read once per relayed request: a scan.
  return trusted_relays_.empty() || std::any_of(trusted_relays_.begin(), trusted_relays_.end(),
                                                [&](const Ipv4Subnet& trusted) { return trusted.contains(source); });
}

namespace {

SubnetSelection refuse(SubnetSelection selection, std::string why) {
  selection.subnet = nullptr;
  selection.refusal = std::move(why);
  return selection;
}

// D2, D6: the reply goes to giaddr, so giaddr must be a relay's address on one of our links
// (or a relay listed in a `relay` key), never a network or broadcast address or one of ours.
std::string invalid_relay_address(Ipv4Address giaddr, const SubnetMap& map) {
  if (map.is_own_address(giaddr)) return fmt::format("giaddr {} is our own address", giaddr.to_string());
  if (map.for_relay(giaddr) != nullptr) return {};
  const Subnet* holder = map.containing(giaddr);
  if (holder == nullptr) return fmt::format("giaddr {} is in no served subnet", giaddr.to_string());
  if (holder->network.has_network_and_broadcast() &&
      (giaddr == holder->network.network() || giaddr == holder->network.broadcast()))
    return fmt::format("giaddr {} is the subnet's network or broadcast address", giaddr.to_string());
  return {};
}

}  // namespace

SubnetSelection select_subnet(const DhcpPacket& request, const Arrival& arrival, const SubnetMap& map) {
  SubnetSelection out;
  if (const Bytes* raw = request.options.find(OptionCode::RelayAgentInformation)) {
    auto agent = parse_relay_agent_info(*raw);
    if (!agent) return refuse(std::move(out), "malformed " + agent.error().detail.substr(0, 120));
    out.agent = std::move(*agent);
  }
  out.relayed = !request.giaddr.is_unspecified();
  if (out.relayed && !map.trusts_relay(arrival.source)) {
    // Anyone can write a giaddr; only the listed agents are believed (and so their 82.5, 82.11
    // and 118). Not a routine refusal: a relay the operator forgot, or a forger.
    out.agent.reset();
    out.untrusted_relay = true;
    return refuse(std::move(out), fmt::format("relay agent {} (giaddr {}) is not in [bootp] trusted_relays",
                                              arrival.source.to_string(), request.giaddr.to_string()));
  }
  if (out.relayed) {
    if (auto invalid = invalid_relay_address(request.giaddr, map); !invalid.empty())
      return refuse(std::move(out), std::move(invalid));
    const auto chosen = [&](std::string_view by, Ipv4Address link) {
      out.decided_by = by;
      out.subnet = map.containing(link);
      if (out.subnet == nullptr) out.refusal = fmt::format("{} {} is in no served subnet", by, link.to_string());
    };
    if (out.agent && out.agent->link_selection) {
      chosen("link selection (option 82.5)", *out.agent->link_selection);
    } else if (const auto selected = request.options.get_address(OptionCode::SubnetSelection)) {
      chosen("subnet selection (option 118)", *selected);
    } else if (const Subnet* listed = map.for_relay(request.giaddr)) {
      out.decided_by = "relay key";
      out.subnet = listed;
    } else {
      chosen("giaddr", request.giaddr);
    }
    if (out.subnet == nullptr) return out;
    out.server_id = out.agent && out.agent->server_id_override ? *out.agent->server_id_override
                    : !arrival.local_address.is_unspecified() ? arrival.local_address
                                                              : out.subnet->server_address;
    return out;
  }
  // Not relayed: the arrival link decides; the client's own options are not trusted (D1).
  // An option 82 here was written by a DHCP-snooping switch (giaddr 0, RFC 3046 §2.1 lets such
  // a switch add it) or by the client itself: nobody we can believe. It is still echoed (the
  // switch strips it on the way back), but its ids are not kept or logged as a relay's.
  if (out.agent) {
    out.agent.reset();
    out.unrelayed_agent_info = true;
  }
  // Only a bound client's own messages carry ciaddr (RFC 2131 table 5: REQUEST while
  // RENEWING, RELEASE, INFORM); a DISCOVER or DECLINE with ciaddr set would let a host of one
  // link lease from another subnet's pool (D1).
  const bool unicast_to_us = map.is_own_address(arrival.destination);
  const bool sent_by_bound_client = request.message_type == MessageType::Request ||
                                    request.message_type == MessageType::Release ||
                                    request.message_type == MessageType::Inform;
  if (!request.ciaddr.is_unspecified() && unicast_to_us && sent_by_bound_client) {
    if (const Subnet* held = map.containing(request.ciaddr)) {
      out.subnet = held;
      out.decided_by = "ciaddr";
    }
  }
  if (out.subnet == nullptr) {
    if (const Subnet* link = map.for_interface(arrival.ifindex)) {
      out.subnet = link;
      out.decided_by = "arrival interface";
    } else if (const Subnet* local = map.containing(arrival.local_address); local != nullptr && !map.interface_bound(*local)) {
      out.subnet = local;
      out.decided_by = "arrival address";
    } else {
      return refuse(std::move(out),
                    fmt::format("arrived on an interface which does not hold the pool of any subnet (local address {})",
                                arrival.local_address.to_string()));
    }
  }
  if (request.message_type == MessageType::Inform && !request.ciaddr.is_unspecified() &&
      !out.subnet->network.contains(request.ciaddr))
    return refuse(std::move(out), fmt::format("ciaddr {} is not on the arrival link's subnet", request.ciaddr.to_string()));
  out.server_id = out.subnet->primary() && !out.subnet->server_address.is_unspecified() ? out.subnet->server_address
                  : !arrival.local_address.is_unspecified()                              ? arrival.local_address
                                                                                         : out.subnet->server_address;
  return out;
}

}  // namespace netboot::dhcp
