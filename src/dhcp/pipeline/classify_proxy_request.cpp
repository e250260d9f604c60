#include "dhcp/pipeline/classify_proxy_request.hpp"

#include <fmt/format.h>

namespace netboot::dhcp {

Verdict ClassifyProxyRequest::apply(Exchange& ex) {
  const auto& req = ex.request;
  ex.server_address = server_address_.is_unspecified() ? ex.received.local_address : server_address_;
  if (req.op != BootpOp::Request) return drop_quietly(ex, "BOOTREPLY sent to the server port");
  if (!req.message_type) return drop_quietly(ex, "plain BOOTP request: a proxyDHCP answers DHCP clients only");
  ex.phase = lease::BootPhase::Pxe;
  switch (*req.message_type) {
    case MessageType::Discover:
      ex.kind = RequestKind::ProxyDiscover;
      ex.pxe_reply = PxeReply::ProxyOffer;
      ex.reply.message_type = MessageType::Offer;
      return Verdict::Continue;
    case MessageType::Request: {
      const auto server_id = req.options.get_address(OptionCode::ServerIdentifier);
      if (!server_id) return drop_quietly(ex, "REQUEST without server identifier: the address server's");
      if (*server_id != ex.server_address)
        return drop_quietly(ex, fmt::format("REQUEST for server {}, the address server", server_id->to_string()));
      ex.kind = RequestKind::ProxyRequest;
      ex.pxe_reply = PxeReply::BootServerAck;
      ex.reply.message_type = MessageType::Ack;
      ex.reply.ciaddr = req.ciaddr;
      return Verdict::Continue;
    }
    default:
      return drop_quietly(ex, fmt::format("{}: the address server's business", to_string(*req.message_type)));
  }
}

}  // namespace netboot::dhcp
