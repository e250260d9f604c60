#pragma once
#include <optional>
#include <string>

#include "config/config.hpp"
#include "dhcp/pipeline/step.hpp"

namespace netboot::dhcp {

/// The fixed fields and option 54 of a proxy OFFER, a proxy ACK or a boot-server ACK. No
/// address (yiaddr stays 0) and none of the lease's options (1, 3, 6, 15, 51, 58, 59): iPXE
/// keeps the whole proxy reply as settings, where a router or name server would shadow the
/// real server's.
/// - siaddr: where the client goes next. A UEFI PXE firmware's proxy OFFER carries no option
///   43 (pxe_vendor_options_for), so it asks the boot server at siaddr on port 4011: our own
///   address. Everyone else: the TFTP server, as in normal mode. An HTTP boot client: 0.
/// - sname: [bootp] servername; 54: our address on the arrival link.
/// - An HTTP boot client needs a URL as its boot file (EDK2 HttpBootDhcp4.c); without one
///   there is nothing to give it.
class AddProxyFields final : public Step {
 public:
  AddProxyFields(const config::DhcpConfig& config, std::optional<Ipv4Address> tftp_server)
      : server_name_(config.servername), tftp_server_(tftp_server) {}
  [[nodiscard]] std::string_view name() const override { return "add-proxy-fields"; }
  Verdict apply(Exchange& ex) override;

 private:
  std::string server_name_;
  std::optional<Ipv4Address> tftp_server_;
};

}  // namespace netboot::dhcp
