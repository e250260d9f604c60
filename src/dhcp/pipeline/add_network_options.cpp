#include "dhcp/pipeline/add_network_options.hpp"

namespace netboot::dhcp {

AddNetworkOptions::AddNetworkOptions(const config::DhcpConfig& config, std::optional<Ipv4Address> next_server)
    : netmask_(config.netmask),
      gateway_(config.gateway),
      dns_(config.dns),
      domain_(config.domain),
      server_name_(config.domain.empty() ? config.servername : config.servername + "." + config.domain),
      lease_time_(config.lease_time),
      next_server_(next_server) {}

Verdict AddNetworkOptions::apply(Exchange& ex) {
  if (!ex.builds_reply()) return Verdict::Continue;
  auto& reply = ex.reply;
  auto& o = reply.options;
  // [bootp] (subnet 0) keeps its own settings exactly; a [subnet] brings its own.
  const Subnet* subnet = ex.subnet != nullptr && !ex.subnet->primary() ? ex.subnet : nullptr;
  const Ipv4Address netmask = subnet ? subnet->netmask : netmask_;
  std::optional<Ipv4Address> gateway = gateway_;
  if (subnet) {
    switch (subnet->router_policy) {
      case RouterPolicy::Fixed: gateway = subnet->gateway; break;
      case RouterPolicy::None: gateway.reset(); break;
      case RouterPolicy::RelayOrServer:
        // The relay sits on the client's link (dnsmasq's default); else we do. A renewal unicast
        // straight to us carries no giaddr: the relay its lease came through (an ACK without a
        // router makes dhclient and udhcpc drop the default route).
        if (!ex.request.giaddr.is_unspecified() && subnet->network.contains(ex.request.giaddr))
          gateway = ex.request.giaddr;
        else if (ex.request.giaddr.is_unspecified() && subnet->network.contains(ex.received.local_address))
          gateway = ex.received.local_address;
        else if (ex.request.giaddr.is_unspecified() && ex.lease && subnet->network.contains(ex.lease->relay_address))
          gateway = ex.lease->relay_address;
        else if (ex.request.giaddr.is_unspecified() && !ex.inform_relay.is_unspecified() &&
                 subnet->network.contains(ex.inform_relay))
          gateway = ex.inform_relay;  // an INFORM straight to us: its lease's relay (allocate-address)
        else
          gateway.reset();
        break;
    }
  }
  const std::uint32_t lease_time = subnet ? subnet->lease_time : lease_time_;
  reply.siaddr = subnet && subnet->next_server ? *subnet->next_server : next_server_.value_or(ex.server_address);
  if (reply.sname.empty()) reply.sname = server_name_;
  if (!netmask.is_unspecified()) o.set_address(OptionCode::SubnetMask, netmask);
  if (gateway) o.set_addresses(OptionCode::Router, {*gateway});
  o.set_addresses(OptionCode::DomainNameServer, subnet ? subnet->dns : dns_);
  const std::string& domain = subnet ? subnet->domain : domain_;
  if (!domain.empty()) o.set_string(OptionCode::DomainName, domain);
  const std::string* hostname = ex.assigned_hostname ? &*ex.assigned_hostname
                                : ex.lease && !ex.lease->hostname.empty() ? &ex.lease->hostname
                                                                          : nullptr;
  if (hostname != nullptr) o.set_string(OptionCode::HostName, *hostname);
  if (reply.is_bootp()) return Verdict::Continue;  // RFC 1497 options only

  o.set_address(OptionCode::ServerIdentifier, ex.server_address);
  if (ex.kind != RequestKind::Inform) {
    o.set_u32(OptionCode::LeaseTime, lease_time);
    o.set_u32(OptionCode::RenewalTime, lease_time / 2);
    o.set_u32(OptionCode::RebindingTime, static_cast<std::uint32_t>(std::uint64_t{lease_time} * 7 / 8));
  }
  if (const auto* id = ex.request.options.find(OptionCode::ClientIdentifier))
    o.set(OptionCode::ClientIdentifier, *id);
  return Verdict::Continue;
}

}  // namespace netboot::dhcp
