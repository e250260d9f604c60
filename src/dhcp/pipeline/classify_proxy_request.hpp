#pragma once
#include "core/ipv4_address.hpp"
#include "dhcp/pipeline/step.hpp"

namespace netboot::dhcp {

/// proxyDHCP on port 67 (PXE spec 2.1 §2.2.5): another server gives the addresses, this one
/// only the boot information. A DISCOVER -> an OFFER without address (kind ProxyDiscover,
/// PxeReply::ProxyOffer); a REQUEST naming us in option 54 -> an ACK carrying the same boot
/// information (ProxyRequest, PxeReply::BootServerAck). Everything else is another server's
/// business and dropped at debug: the REQUEST of every machine that takes the other server's
/// offer, RELEASE, DECLINE, INFORM, plain BOOTP. Never a NAK, never a lease. Every exchange is
/// in the PXE phase (what the access steps ask about). Sets ex.server_address as
/// ClassifyRequest does.
class ClassifyProxyRequest final : public Step {
 public:
  explicit ClassifyProxyRequest(Ipv4Address server_address) : server_address_(server_address) {}
  [[nodiscard]] std::string_view name() const override { return "classify-proxy-request"; }
  Verdict apply(Exchange& ex) override;

 private:
  Ipv4Address server_address_;
};

}  // namespace netboot::dhcp
