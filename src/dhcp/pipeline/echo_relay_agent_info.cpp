#include "dhcp/pipeline/echo_relay_agent_info.hpp"

namespace netboot::dhcp {

Verdict EchoRelayAgentInfo::apply(Exchange& ex) {
  if (!ex.send_reply) return Verdict::Continue;
  if (const Bytes* agent = ex.request.options.find(OptionCode::RelayAgentInformation))
    ex.reply.options.set(OptionCode::RelayAgentInformation, *agent);
  return Verdict::Continue;
}

}  // namespace netboot::dhcp
