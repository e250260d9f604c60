#include "dhcp/pipeline/select_subnet.hpp"

namespace netboot::dhcp {

Verdict SelectSubnet::apply(Exchange& ex) {
  const Arrival arrival{ex.received.local_address, ex.received.destination, ex.received.ifindex,
                        ex.received.peer.address};
  auto selection = select_subnet(ex.request, arrival, *map_);
  ex.subnet_map = map_.get();
  ex.relay_agent = std::move(selection.agent);
  ex.unrelayed_agent_info = selection.unrelayed_agent_info;
  if (selection.untrusted_relay) {
    // A relay trusted_relays does not list: the operator should hear of it, within the budget.
    ex.drop_is_warning = true;
    return drop(ex, std::move(selection.refusal));
  }
  if (selection.subnet == nullptr) return drop_quietly(ex, std::move(selection.refusal));
  ex.subnet = selection.subnet;
  ex.server_address = selection.server_id;
  return Verdict::Continue;
}

}  // namespace netboot::dhcp
