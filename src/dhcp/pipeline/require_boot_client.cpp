#include "dhcp/pipeline/require_boot_client.hpp"

namespace netboot::dhcp {

Verdict RequireBootClient::apply(Exchange& ex) {
  if (ex.client.is_pxe || ex.client.is_http_client) return Verdict::Continue;
  return drop_quietly(ex, "not a network boot client (no PXEClient or HTTPClient in option 60)");
}

}  // namespace netboot::dhcp
