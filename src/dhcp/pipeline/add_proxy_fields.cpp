#include "dhcp/pipeline/add_proxy_fields.hpp"

#include <fmt/format.h>

namespace netboot::dhcp {

Verdict AddProxyFields::apply(Exchange& ex) {
  if (!ex.builds_reply()) return Verdict::Continue;
  auto& reply = ex.reply;
  reply.yiaddr = Ipv4Address();
  if (ex.client.is_http_client && !ex.client.is_pxe) {
    if (!reply.file.starts_with("http://") && !reply.file.starts_with("https://"))
      return drop(ex, "HTTP boot client, and its boot file is not an http:// URL");
    reply.siaddr = Ipv4Address();
  } else if (ex.pxe_reply == PxeReply::ProxyOffer && redirects_to_boot_server(ex.client)) {
    reply.siaddr = ex.server_address;
  } else {
    reply.siaddr = tftp_server_.value_or(ex.server_address);
  }
  if (reply.sname.empty()) reply.sname = server_name_;
  reply.options.set_address(OptionCode::ServerIdentifier, ex.server_address);
  return Verdict::Continue;
}

}  // namespace netboot::dhcp
