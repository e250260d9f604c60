#include "dhcp/pipeline/exchange.hpp"

namespace netboot::dhcp {

std::string_view to_string(RequestKind kind) noexcept {
  switch (kind) {
    case RequestKind::Unclassified: return "unclassified";
    case RequestKind::Discover: return "discover";
    case RequestKind::Selecting: return "request-selecting";
    case RequestKind::InitReboot: return "request-init-reboot";
    case RequestKind::Renewing: return "request-renewing";
    case RequestKind::Decline: return "decline";
    case RequestKind::Release: return "release";
    case RequestKind::Inform: return "inform";
    case RequestKind::Bootp: return "bootp";
    case RequestKind::ProxyDiscover: return "proxy-discover";
    case RequestKind::ProxyRequest: return "proxy-request";
    case RequestKind::BootServerRequest: return "boot-server-request";
  }
  return "?";
}

std::string_view to_string(LeaseWrite write) noexcept {
  switch (write) {
    case LeaseWrite::None: return "none";
    case LeaseWrite::Hold: return "hold";
    case LeaseWrite::Commit: return "commit";
    case LeaseWrite::CommitBeforeReply: return "commit-before-reply";
  }
  return "?";
}

DhcpPacket make_reply_draft(const DhcpPacket& request) {
  DhcpPacket reply;
  reply.op = BootpOp::Reply;
  reply.chaddr = request.chaddr;
  reply.xid = request.xid;
  reply.broadcast = request.broadcast;
  reply.giaddr = request.giaddr;
  reply.magic_cookie = request.magic_cookie;
  return reply;
}

Verdict drop(Exchange& ex, std::string reason) {
  ex.drop_reason = std::move(reason);
  return Verdict::Drop;
}

Verdict drop_quietly(Exchange& ex, std::string reason) {
  ex.drop_is_debug = true;
  return drop(ex, std::move(reason));
}

void make_nak(Exchange& ex, std::string_view message) {
  DhcpPacket nak = make_reply_draft(ex.request);
  nak.message_type = MessageType::Nak;
  nak.magic_cookie = true;
  if (!ex.request.giaddr.is_unspecified()) nak.broadcast = true;  // RFC 2131 §4.3.2: the relay broadcasts it
  nak.options.set_address(OptionCode::ServerIdentifier, ex.server_address);
  if (!message.empty()) nak.options.set_string(OptionCode::Message, message);
  if (const auto* id = ex.request.options.find(OptionCode::ClientIdentifier))
    nak.options.set(OptionCode::ClientIdentifier, *id);  // RFC 6842
  ex.reply = std::move(nak);
  ex.lease.reset();
  ex.lease_write = LeaseWrite::None;
}

}  // namespace netboot::dhcp
