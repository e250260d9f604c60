#include <fmt/format.h>
#include <fmt/ranges.h>

#include "config/load_config.hpp"

#include "core/database_uri.hpp"
#include "core/url_text.hpp"

namespace netboot::config {
namespace {

std::string join_addresses(const std::vector<Ipv4Address>& list) {
  std::string out;
  for (const auto& a : list) out += (out.empty() ? "" : ";") + a.to_string();
  return out;
}

const char* yes_no(bool value) { return value ? "yes" : "no"; }

}  // namespace

std::string describe_dhcp_mode(const DhcpConfig& d) {
  const std::string boot_server =
      d.pxe_port == 0 ? std::string("no PXE boot server port") : fmt::format("PXE boot server on port {}", d.pxe_port);
  if (!d.proxy)
    return fmt::format("DHCP server (addresses from pool_start), port {}, {}", d.port, boot_server);
  const std::string where = !d.listen_address.is_unspecified() ? "address " + d.listen_address.to_string()
                            : !d.interface.empty()             ? "interface " + d.interface
                                                               : std::string("every interface");
  return fmt::format("proxyDHCP (no addresses: another DHCP server gives them), port {}, {}, on {}; boot files "
                     "from [bootfile] to PXE and HTTP clients only",
                     d.port, boot_server, where);
}

std::string format_config(const Config& c) {
  std::string out = fmt::format("; effective configuration of {}\n", c.source.string());
  out += fmt::format("; services: dhcp={} tftp={} http={}\n", yes_no(c.services.dhcp), yes_no(c.services.tftp),
                     yes_no(c.services.http));
  out += fmt::format("\n[logger]\ntype = {}\nlevel = {}\n", to_string(c.logger.type), to_string(c.logger.level));
  if (!c.logger.file.empty()) out += fmt::format("file = {}\n", c.logger.file.string());

  const DhcpConfig& d = c.dhcp;
  out += "\n[bootp]\n";
  if (c.services.dhcp) out += fmt::format("; mode: {}\n", describe_dhcp_mode(d));
  out += fmt::format("proxy = {}\npxe_port = {}\n", yes_no(d.proxy), d.pxe_port);
  out += fmt::format("address = {}\nport = {}\n", d.listen_address.to_string(), d.port);
  if (!d.interface.empty()) out += fmt::format("interface = {}\n", d.interface);
  out += fmt::format("access = {}\n", to_string(d.access));
  if (!d.proxy) out += fmt::format("allow_simple_dhcp = {}\n", yes_no(d.allow_simple_dhcp));
  if (d.boot_files.fallback) out += fmt::format("boot_file = {}\n", *d.boot_files.fallback);
  if (d.proxy) out += fmt::format("servername = {}\n", d.servername);
  else
    out += fmt::format("pool_start = {}\npool_count = {}\nlease_time = {}\nlease_file = {}\ndomain = {}\nservername = {}\n",
                       d.pool_start.to_string(), d.pool_count, d.lease_time, redact_database_uri(d.lease_file.string()),
                       d.domain, d.servername);
  if (c.services.dhcp && !d.proxy) {
    out += fmt::format("; detected: interface {} server {}\n", d.detected_interface, d.server_address.to_string());
    out += fmt::format("netmask = {}\n", d.netmask.to_string());
    out += d.gateway ? fmt::format("gateway = {}\n", d.gateway->to_string()) : std::string("set_gateway = no\n");
  }
  if (!d.proxy) out += fmt::format("dns = {}\n", join_addresses(d.dns));
  if (!d.proxy && !d.trusted_relays.empty()) {
    std::string trusted;
    for (const auto& t : d.trusted_relays)
      trusted += fmt::format("{}{}/{}", trusted.empty() ? "" : ";", t.address.to_string(), t.netmask.prefix_length().value_or(0));
    out += fmt::format("trusted_relays = {}\n", trusted);
  } else if (!d.proxy && !d.subnets.empty()) {
    out += "; trusted_relays not set: any host may claim to be a relay\n";
  }
  std::string notify;
  for (const auto& n : d.notify) notify += (notify.empty() ? "" : ";") + n.to_string();
  out += fmt::format("notify = {}\ntimeout = {}\n", notify, c.http_access.timeout);

  out += "\n[bootfile]\n";
  for (const auto& [arch, file] : d.boot_files.by_arch) out += fmt::format("{:05} = {}\n", arch, file);
  if (d.boot_files.fallback) out += fmt::format("default = {}\n", *d.boot_files.fallback);
  for (const auto& [arch, file] : d.boot_files.ipxe_by_arch) out += fmt::format("ipxe.{:05} = {}\n", arch, file);
  if (d.boot_files.ipxe_fallback) out += fmt::format("ipxe.default = {}\n", *d.boot_files.ipxe_fallback);

  out += "\n[static_dhcp]\n";
  for (const auto& [mac, address] : d.static_leases) out += fmt::format("{} = {}\n", mac.to_string('-'), address.to_string());
  if (!d.subnets.empty()) {
    // One line per subnet: what select-subnet and the allocator will use.
    out += "\n; subnets (0 is [bootp])\n";
    out += fmt::format("; subnet 0 [bootp] network {}/{} pool {} .. {} reservations {} router {} local {}\n",
                       Ipv4Subnet{d.server_address, d.netmask}.network().to_string(),
                       d.netmask.prefix_length().value_or(0), d.pool_start.to_string(),
                       d.pool_start.plus(d.pool_count == 0 ? 0 : d.pool_count - 1).to_string(), d.static_leases.size(),
                       d.gateway ? d.gateway->to_string() : std::string("none"), d.server_address.to_string());
    for (std::size_t i = 0; i < d.subnets.size(); ++i) {
      const SubnetConfig& s = d.subnets[i];
      std::string pools;
      for (const auto& r : s.pools) pools += fmt::format("{}{}-{}", pools.empty() ? "" : ";", r.first.to_string(), r.last.to_string());
      std::string relays;
      for (const auto& r : s.relays) relays += (relays.empty() ? "" : ";") + r.to_string();
      out += fmt::format(
          "; subnet {} [subnet {}] network {}/{} pool {} reservations {} router {} netmask {} dns {} domain {} "
          "lease_time {} next_server {} boot_file {}{}{}{}\n",
          i + 1, s.name, s.network.address.to_string(), s.network.netmask.prefix_length().value_or(0),
          pools.empty() ? std::string("none") : pools, s.reservations.size(),
          s.gateway ? s.gateway->to_string()
                    : (s.set_gateway ? std::string(s.local_addresses.empty() ? "giaddr" : "our address") : "none"),
          s.netmask.to_string(), s.dns.empty() ? std::string("none") : join_addresses(s.dns), s.domain, s.lease_time,
          s.next_server ? s.next_server->to_string() : std::string("default"),
          s.boot_files.fallback ? *s.boot_files.fallback : std::string("[bootfile]"),
          relays.empty() ? "" : " relay ", relays,
          s.local_addresses.empty() ? std::string(s.interface.empty() ? " (relayed)" : " interface " + s.interface)
                                    : " local " + s.local_addresses.front().to_string());
    }
  }
  out += "\n[buggy_clients]\n";
  for (const auto& prefix : d.buggy_clients) out += fmt::format("{} = yes\n", prefix.to_string());

  out += "\n[mac]\n";
  for (const auto& rule : c.access_lists.mac) out += fmt::format("{} = {}\n", rule.key.to_string(), yes_no(rule.allow));
  out += "\n[uuid]\n";
  for (const auto& rule : c.access_lists.uuid) out += fmt::format("{} = {}\n", rule.key.to_string(), yes_no(rule.allow));

  const HttpAccessConfig& h = c.http_access;
  out += fmt::format("\n[http]\nlocation = {}\npxe = {}\ndhcp = {}\ntimeout = {}\nalways_check = {}\nquery_form = {}\n",
                     h.location, h.pxe_path, h.dhcp_path, h.timeout, yes_no(h.always_check), to_string(h.query_form));

  const TftpConfig& t = c.tftp;
  out += "\n[tftp]\n";
  out += fmt::format("address = {}\nport = {}\n", t.address ? t.address->to_string() : std::string("0.0.0.0"), t.port);
  out += fmt::format("root = {}\n", t.remote_root() ? t.root_url : t.root_dir.string());
  out += fmt::format("blocksize = {}\ntimeout = {}\nretries = {}\nwritable = {}\n", t.blocksize, t.timeout, t.retries,
                     yes_no(t.writable));
  out += fmt::format("max_transfers = {}\nmax_transfers_per_client = {}\nmax_windowsize = {}\n", t.max_transfers,
                     t.max_transfers_per_client, t.max_window_size);
  out += fmt::format("remote_redirects = {}\nremote_memory_mb = {}\nremote_min_rate = {}\nremote_deadline = {}\n",
                     t.remote_same_host_redirects ? "same_host" : "off", t.remote_memory_limit >> 20, t.remote_min_rate,
                     t.remote_deadline);
  out += fmt::format("max_timeout = {}\nmax_transfer_memory = {}\n", t.max_timeout, t.max_transfer_memory >> 20);
  out += "\n[filters]\n";
  for (const auto& f : t.filters) out += fmt::format("{} = {}\n", f.pattern, f.replacement);

  const HttpServiceConfig& w = c.httpd;
  out += fmt::format("\n[httpd]\nenable = {}\naddress = {}\nport = {}\nroot = {}\ncheck_ip = {}\nmax_connections = {}\n",
                     yes_no(c.services.http), w.address ? w.address->to_string() : std::string("0.0.0.0"), w.port,
                     w.root.string(), yes_no(w.check_ip), w.max_connections);
  out += fmt::format("max_connections_per_client = {}\nmin_send_rate = {}\n", w.max_connections_per_client, w.min_send_rate);
  out += fmt::format("\n[status]\nenable = {}\naddress = {}\nport = {}\nmax_connections = {}\nhostnames = {}\n",
                     yes_no(c.status.enabled), c.status.address.to_string(), c.status.port, c.status.max_connections,
                     fmt::join(c.status.hostnames, ", "));
  for (const auto& profile : c.boot.profiles) {
    std::string initrds;
    for (const auto& i : profile.initrds) initrds += (initrds.empty() ? "" : " ") + i;
    out += fmt::format("\n[profile {}]\nkernel = {}\ninitrd = {}\ncmdline = {}\n", profile.name, profile.kernel, initrds,
                       profile.cmdline);
  }
  if (!c.boot.profiles.empty()) {
    out += "\n[hosts]\n";
    for (const auto& [mac, profile] : c.boot.by_exact_mac) out += fmt::format("{} = {}\n", mac.to_string('-'), c.boot.profiles[profile].name);
    for (const auto& rule : c.boot.by_mac) out += fmt::format("{} = {}\n", rule.key.to_string(), c.boot.profiles[rule.profile].name);
    for (const auto& rule : c.boot.by_uuid) out += fmt::format("{} = {}\n", rule.key.to_string(), c.boot.profiles[rule.profile].name);
    if (c.boot.fallback) out += fmt::format("default = {}\n", c.boot.profiles[*c.boot.fallback].name);
  }
  if (c.boot.api.enabled())
    out += fmt::format("\n[boot_api]\nurl = {}\ntimeout = {}\ncache = {}\nmax_answer_bytes = {}\n", url_for_log(c.boot.api.url),
                       c.boot.api.timeout, c.boot.api.cache_seconds, c.boot.api.max_answer_bytes);
  if (!c.process.user.empty()) {
    out += fmt::format("\n[netbootd]\nuser = {}\n", c.process.user);
    if (!c.process.group.empty()) out += fmt::format("group = {}\n", c.process.group);
  }
  return out;
}

}  // namespace netboot::config
