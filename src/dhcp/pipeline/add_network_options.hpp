#pragma once
#include <optional>

#include "config/config.hpp"
#include "dhcp/pipeline/step.hpp"

namespace netboot::dhcp {

/// The network part of an OFFER/ACK/BOOTREPLY: siaddr (the TFTP server), sname
/// (servername.domain), options 1, 3, 6, 15, 12 (host name when known), and for DHCP
/// 54, 51/58/59 (T1 = 1/2, T2 = 7/8 of the lease, RFC 2131 §4.4.5; not for INFORM, §4.3.5)
/// and 61 echoed (RFC 6842).
class AddNetworkOptions final : public Step {
 public:
  /// `next_server`: the TFTP server address when it is not the DHCP server's ([tftp] address).
  explicit AddNetworkOptions(const config::DhcpConfig& config, std::optional<Ipv4Address> next_server = {});
  [[nodiscard]] std::string_view name() const override { return "add-network-options"; }
  Verdict apply(Exchange& ex) override;

 private:
  Ipv4Address netmask_;
  std::optional<Ipv4Address> gateway_;
  std::vector<Ipv4Address> dns_;
  std::string domain_;
  std::string server_name_;  // "servername.domain"
  std::uint32_t lease_time_;
  std::optional<Ipv4Address> next_server_;
};

}  // namespace netboot::dhcp
