#include "dhcp/pipeline/force_broadcast.hpp"

#include <algorithm>

namespace netboot::dhcp {

Verdict ForceBroadcast::apply(Exchange& ex) {
  if (ex.client.mac)
    ex.force_broadcast = std::any_of(buggy_clients_.begin(), buggy_clients_.end(),
                                     [&](const MacPrefix& prefix) { return prefix.matches(*ex.client.mac); });
  return Verdict::Continue;
}

}  // namespace netboot::dhcp
