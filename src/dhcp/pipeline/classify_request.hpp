#pragma once
#include "dhcp/pipeline/step.hpp"

namespace netboot::dhcp {

/// RFC 2131 §4.3: what kind of request this is and which message type answers it.
/// DISCOVER -> OFFER; REQUEST -> ACK (AllocateAddress may turn it into a NAK); INFORM -> ACK;
/// DECLINE, RELEASE -> no reply; plain BOOTP -> a BOOTREPLY without message type.
/// Dropped: BOOTREPLY packets and server-to-client types (OFFER, ACK, ...); a REQUEST, DECLINE
/// or RELEASE naming another server's identifier (it chose another server: stay silent,
/// unlike pybootd); a REQUEST with neither server identifier, option 50 nor ciaddr.
/// Sets ex.server_address: the configured server address, else the arrival interface's.
class ClassifyRequest final : public Step {
 public:
  explicit ClassifyRequest(Ipv4Address server_address) : server_address_(server_address) {}
  [[nodiscard]] std::string_view name() const override { return "classify-request"; }
  Verdict apply(Exchange& ex) override;

 private:
  Ipv4Address server_address_;
};

}  // namespace netboot::dhcp
