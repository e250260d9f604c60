#pragma once
#include "dhcp/pipeline/step.hpp"

namespace netboot::dhcp {

/// RFC 3046 §2.2: a reply to a request that carried option 82 carries it back, byte for byte
/// (OFFER, ACK and NAK alike; never invented). The relay strips it before the client sees it;
/// ISC dhcrelay -D drops a reply whose circuit-id it cannot match. serialize_dhcp_packet keeps
/// it in the main options area (it is placed with the mandatory options, within max_reply_size).
class EchoRelayAgentInfo final : public Step {
 public:
  [[nodiscard]] std::string_view name() const override { return "echo-relay-agent-info"; }
  Verdict apply(Exchange& ex) override;
};

}  // namespace netboot::dhcp
