#include "dhcp/pipeline/classify_request.hpp"

#include <fmt/format.h>

namespace netboot::dhcp {

Verdict ClassifyRequest::apply(Exchange& ex) {
  const auto& req = ex.request;
  ex.server_address = server_address_.is_unspecified() ? ex.received.local_address : server_address_;
  if (req.op != BootpOp::Request) return drop(ex, "BOOTREPLY sent to the server port");

  const auto server_id = req.options.get_address(OptionCode::ServerIdentifier);
  const auto requested = req.options.get_address(OptionCode::RequestedAddress);
  const bool for_another_server = server_id && *server_id != ex.server_address;

  if (!req.message_type) {
    ex.kind = RequestKind::Bootp;
    return Verdict::Continue;
  }
  switch (*req.message_type) {
    case MessageType::Discover:
      ex.kind = RequestKind::Discover;
      ex.requested_address = requested;
      ex.reply.message_type = MessageType::Offer;
      return Verdict::Continue;
    case MessageType::Request:
      if (for_another_server)
        return drop(ex, fmt::format("REQUEST for server {}, not us", server_id->to_string()));
      if (server_id) {
        if (!requested) return drop(ex, "REQUEST (SELECTING) without a requested address");
        ex.kind = RequestKind::Selecting;
        ex.requested_address = requested;
      } else if (requested && req.ciaddr.is_unspecified()) {
        ex.kind = RequestKind::InitReboot;
        ex.requested_address = requested;
      } else if (!req.ciaddr.is_unspecified()) {
        ex.kind = RequestKind::Renewing;
        ex.requested_address = req.ciaddr;
      } else {
        return drop(ex, "REQUEST without server identifier, requested address or ciaddr");
      }
      ex.reply.message_type = MessageType::Ack;
      return Verdict::Continue;
    case MessageType::Decline:
      if (for_another_server) return drop(ex, "DECLINE for another server");
      if (!requested) return drop(ex, "DECLINE without a requested address");
      ex.kind = RequestKind::Decline;
      ex.requested_address = requested;
      ex.send_reply = false;
      return Verdict::Continue;
    case MessageType::Release:
      if (for_another_server) return drop(ex, "RELEASE for another server");
      if (req.ciaddr.is_unspecified()) return drop(ex, "RELEASE without ciaddr");
      ex.kind = RequestKind::Release;
      ex.requested_address = req.ciaddr;
      ex.send_reply = false;
      return Verdict::Continue;
    case MessageType::Inform:
      ex.kind = RequestKind::Inform;
      ex.reply.message_type = MessageType::Ack;
      ex.reply.ciaddr = req.ciaddr;
      return Verdict::Continue;
    default:
      return drop(ex, fmt::format("{} is not a client message", to_string(*req.message_type)));
  }
}

}  // namespace netboot::dhcp
