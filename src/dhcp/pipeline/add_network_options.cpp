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
  reply.siaddr = next_server_.value_or(ex.server_address);
  if (reply.sname.empty()) reply.sname = server_name_;
  if (!netmask_.is_unspecified()) o.set_address(OptionCode::SubnetMask, netmask_);
  if (gateway_) o.set_addresses(OptionCode::Router, {*gateway_});
  o.set_addresses(OptionCode::DomainNameServer, dns_);
  if (!domain_.empty()) o.set_string(OptionCode::DomainName, domain_);
  const std::string* hostname = ex.assigned_hostname ? &*ex.assigned_hostname
                                : ex.lease && !ex.lease->hostname.empty() ? &ex.lease->hostname
                                                                          : nullptr;
  if (hostname != nullptr) o.set_string(OptionCode::HostName, *hostname);
  if (reply.is_bootp()) return Verdict::Continue;  // RFC 1497 options only

  o.set_address(OptionCode::ServerIdentifier, ex.server_address);
  if (ex.kind != RequestKind::Inform) {
    o.set_u32(OptionCode::LeaseTime, lease_time_);
    o.set_u32(OptionCode::RenewalTime, lease_time_ / 2);
    o.set_u32(OptionCode::RebindingTime, static_cast<std::uint32_t>(std::uint64_t{lease_time_} * 7 / 8));
  }
  if (const auto* id = ex.request.options.find(OptionCode::ClientIdentifier))
    o.set(OptionCode::ClientIdentifier, *id);
  return Verdict::Continue;
}

}  // namespace netboot::dhcp
