#include "dhcp/pipeline/classify_request.hpp"

#include <fmt/format.h>

namespace netboot::dhcp {

Verdict ClassifyRequest::apply(Exchange& ex) {
  const auto& req = ex.request;
  // select-subnet chose the identifier already (the address the request reached, or 82.11).
  if (ex.subnet == nullptr || ex.server_address.is_unspecified())
    ex.server_address = server_address_.is_unspecified() ? ex.received.local_address : server_address_;
  if (req.op != BootpOp::Request) return drop(ex, "BOOTREPLY sent to the server port");

  const auto server_id = req.options.get_address(OptionCode::ServerIdentifier);
  const auto requested = req.options.get_address(OptionCode::RequestedAddress);
  // Ours: the identifier this reply carries, any address of ours on a served subnet (a client
  // may have been answered on another of our links), or its relay's server-id override (82.11).
  const bool for_another_server =
      server_id && *server_id != ex.server_address && !(ex.subnet_map && ex.subnet_map->is_own_address(*server_id)) &&
      !(ex.relay_agent && ex.relay_agent->server_id_override == *server_id);

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
