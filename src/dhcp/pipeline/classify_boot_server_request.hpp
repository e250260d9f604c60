#pragma once
#include <cstdint>

#include "core/ipv4_address.hpp"
#include "dhcp/pipeline/step.hpp"

namespace netboot::dhcp {

/// The PXE boot server on port 4011 (PXE spec 2.1 §2.2.7; served in both modes): a client
/// that has its address (from another server, or from us) asks for its boot file with a
/// REQUEST (or INFORM), answered by an ACK (kind BootServerRequest, PxeReply::BootServerAck)
/// sent back to where it came from. Since that is the source address and port of a UDP
/// datagram, which anyone can forge, only what a client really sends is answered, so that the
/// port cannot be used to aim replies at another host or service:
/// - the source is a unicast address (not 0.0.0.0, broadcast, multicast or class E);
/// - ciaddr is 0 or the source address (EDK2 sends from its station address);
/// - the source port is the DHCP client port (iPXE), 4011 or this server's own port (EDK2).
/// Anything else (DISCOVER, DECLINE, ...) is dropped at debug.
class ClassifyBootServerRequest final : public Step {
 public:
  ClassifyBootServerRequest(Ipv4Address server_address, std::uint16_t client_port)
      : server_address_(server_address), client_port_(client_port) {}
  [[nodiscard]] std::string_view name() const override { return "classify-boot-server-request"; }
  Verdict apply(Exchange& ex) override;

 private:
  Ipv4Address server_address_;
  std::uint16_t client_port_;
};

}  // namespace netboot::dhcp
