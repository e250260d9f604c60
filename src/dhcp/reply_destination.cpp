#include "dhcp/reply_destination.hpp"

namespace netboot::dhcp {

std::string_view to_string(ReplyDestination::Kind kind) noexcept {
  switch (kind) {
    case ReplyDestination::Kind::Relay: return "relay";
    case ReplyDestination::Kind::Broadcast: return "broadcast";
    case ReplyDestination::Kind::ClientAddress: return "client-address";
    case ReplyDestination::Kind::HardwareUnicast: return "hardware-unicast";
    case ReplyDestination::Kind::BootServerPeer: return "boot-server-peer";
  }
  return "?";
}

ReplyDestination choose_reply_destination(const DhcpPacket& request, const DhcpPacket& reply,
                                          const DestinationPolicy& policy) {
  using Kind = ReplyDestination::Kind;
  if (policy.boot_server_peer)
    return {Kind::BootServerPeer, policy.boot_server_peer->address, policy.boot_server_peer->port, std::nullopt};
  if (!request.giaddr.is_unspecified()) return {Kind::Relay, request.giaddr, policy.relay_port, std::nullopt};
  const ReplyDestination broadcast{Kind::Broadcast, Ipv4Address::broadcast(), policy.client_port, std::nullopt};
  if (policy.force_broadcast) return broadcast;
  if (reply.message_type == MessageType::Nak) return broadcast;
  // A DISCOVER's ciaddr is 0 (RFC 2131 Table 5): the client is in INIT and has no address to
  // be reached at, so one that says otherwise is not believed (a forged ciaddr would send the
  // OFFER to any host); it is answered as every DISCOVER is. Any other ciaddr must lie in the
  // client's network, or the server would reflect replies to any routable address.
  if (!request.ciaddr.is_unspecified() && request.message_type != MessageType::Discover &&
      (!policy.client_network || policy.client_network->contains(request.ciaddr)))
    return {Kind::ClientAddress, request.ciaddr, policy.client_port, std::nullopt};
  const auto mac = request.mac();
  if (request.broadcast || reply.yiaddr.is_unspecified() || !mac) return broadcast;
  return {Kind::HardwareUnicast, reply.yiaddr, policy.client_port, mac};
}

}  // namespace netboot::dhcp
