#include "dhcp/pipeline/classify_boot_server_request.hpp"

#include <fmt/format.h>

namespace netboot::dhcp {
namespace {

constexpr std::uint16_t kPxeBootServerPort = 4011;

bool is_unicast(Ipv4Address address) {
  const auto first_octet = address.to_host_order() >> 24;
  return !address.is_unspecified() && address != Ipv4Address::broadcast() && first_octet < 224;
}

}  // namespace

Verdict ClassifyBootServerRequest::apply(Exchange& ex) {
  const auto& req = ex.request;
  const auto& peer = ex.received.peer;
  ex.server_address = server_address_.is_unspecified() ? ex.received.local_address : server_address_;
  if (req.op != BootpOp::Request) return drop_quietly(ex, "BOOTREPLY sent to the boot server port");
  if (!req.message_type || (*req.message_type != MessageType::Request && *req.message_type != MessageType::Inform))
    return drop_quietly(ex, fmt::format("{} on the boot server port (it answers REQUEST and INFORM)",
                                        req.message_type ? to_string(*req.message_type) : std::string_view("BOOTP")));
  if (!is_unicast(peer.address))
    return drop_quietly(ex, fmt::format("source address {} cannot be answered", peer.address.to_string()));
  if (!req.ciaddr.is_unspecified() && req.ciaddr != peer.address)
    return drop_quietly(ex, fmt::format("ciaddr {} is not the source address {}", req.ciaddr.to_string(),
                                        peer.address.to_string()));
  if (peer.port != client_port_ && peer.port != kPxeBootServerPort && peer.port != ex.received.local_port)
    return drop_quietly(ex, fmt::format("source port {} is no DHCP client's", peer.port));
  ex.phase = lease::BootPhase::Pxe;
  ex.kind = RequestKind::BootServerRequest;
  ex.pxe_reply = PxeReply::BootServerAck;
  ex.reply.message_type = MessageType::Ack;
  ex.reply.ciaddr = req.ciaddr;
  return Verdict::Continue;
}

}  // namespace netboot::dhcp
