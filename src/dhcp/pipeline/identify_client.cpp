#include "dhcp/pipeline/identify_client.hpp"

#include <fmt/format.h>

namespace netboot::dhcp {

Verdict IdentifyClient::apply(Exchange& ex) {
  ex.client = identify_client(ex.request);
  if (!ex.client.mac)
    return drop(ex, fmt::format("chaddr is not an Ethernet MAC (htype {}, hlen {})", ex.request.chaddr.htype,
                                ex.request.chaddr.hlen));
  return Verdict::Continue;
}

}  // namespace netboot::dhcp
