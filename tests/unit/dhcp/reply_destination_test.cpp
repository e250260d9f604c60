#include <gtest/gtest.h>

#include "dhcp/reply_destination.hpp"

namespace netboot::dhcp {
namespace {

Ipv4Address ip(const char* text) { return *Ipv4Address::parse(text); }
const MacAddress kMac({0x52, 0x54, 0x00, 0x12, 0x34, 0x56});

struct Row {
  std::string_view name;
  const char* giaddr;
  const char* ciaddr;
  bool broadcast_bit;
  bool ethernet;
  MessageType type;
  const char* yiaddr;
  bool force_broadcast;
  ReplyDestination::Kind kind;
  const char* address;
  std::uint16_t port;
};

using K = ReplyDestination::Kind;
using M = MessageType;
constexpr const char* kNone = "0.0.0.0";

// RFC 2131 §4.1, one row per situation; client port 1068 and relay port 1067 show which
// port each row uses.
const Row kTruthTable[] = {
    {"relay wins over everything", "10.0.0.254", "10.0.0.9", true, true, M::Ack, "10.0.0.9", true, K::Relay,
     "10.0.0.254", 1067},
    {"NAK through a relay goes to the relay", "10.0.0.254", kNone, false, true, M::Nak, kNone, false, K::Relay,
     "10.0.0.254", 1067},
    {"buggy client forced to broadcast", kNone, "10.0.0.9", false, true, M::Ack, "10.0.0.9", true, K::Broadcast,
     "255.255.255.255", 1068},
    {"NAK is broadcast even with ciaddr", kNone, "10.0.0.9", false, true, M::Nak, kNone, false, K::Broadcast,
     "255.255.255.255", 1068},
    {"renewing client: unicast to ciaddr", kNone, "10.0.0.9", false, true, M::Ack, "10.0.0.9", false,
     K::ClientAddress, "10.0.0.9", 1068},
    {"INFORM: unicast to ciaddr even with broadcast bit", kNone, "10.0.0.9", true, true, M::Ack, kNone, false,
     K::ClientAddress, "10.0.0.9", 1068},
    {"broadcast bit", kNone, kNone, true, true, M::Offer, "10.0.0.100", false, K::Broadcast, "255.255.255.255",
     1068},
    {"no address to unicast to", kNone, kNone, false, true, M::Ack, kNone, false, K::Broadcast, "255.255.255.255",
     1068},
    {"not Ethernet: no MAC to unicast to", kNone, kNone, false, false, M::Offer, "10.0.0.100", false, K::Broadcast,
     "255.255.255.255", 1068},
    {"OFFER to a client that can take unicast", kNone, kNone, false, true, M::Offer, "10.0.0.100", false,
     K::HardwareUnicast, "10.0.0.100", 1068},
    {"ACK to a client that can take unicast", kNone, kNone, false, true, M::Ack, "10.0.0.100", false,
     K::HardwareUnicast, "10.0.0.100", 1068},
};

// RFC 2131 Table 5: a DISCOVER's ciaddr is 0. One that names an address (forged: any host)
// is not unicast there; the OFFER goes as to any client without an address.
TEST(ChooseReplyDestination, ADiscoversCiaddrIsNotBelieved) {
  DhcpPacket request;
  request.message_type = MessageType::Discover;
  request.ciaddr = ip("198.51.100.7");
  request.chaddr = HardwareAddress::ethernet(kMac);
  DhcpPacket reply;
  reply.op = BootpOp::Reply;
  reply.message_type = MessageType::Offer;
  reply.yiaddr = ip("10.0.0.100");
  auto d = choose_reply_destination(request, reply);
  EXPECT_EQ(to_string(d.kind), to_string(K::HardwareUnicast));
  EXPECT_EQ(d.address, ip("10.0.0.100"));
  request.broadcast = true;
  EXPECT_EQ(to_string(choose_reply_destination(request, reply).kind), to_string(K::Broadcast));
  reply.yiaddr = ip(kNone);  // a proxy OFFER
  request.broadcast = false;
  EXPECT_EQ(to_string(choose_reply_destination(request, reply).kind), to_string(K::Broadcast));
  // A REQUEST's ciaddr (RENEWING) is still where its ACK goes.
  request.message_type = MessageType::Request;
  reply.message_type = MessageType::Ack;
  EXPECT_EQ(to_string(choose_reply_destination(request, reply).kind), to_string(K::ClientAddress));
}

TEST(ChooseReplyDestination, FollowsRfc2131Section41) {
  for (const auto& row : kTruthTable) {
    SCOPED_TRACE(row.name);
    DhcpPacket request;
    request.giaddr = ip(row.giaddr);
    request.ciaddr = ip(row.ciaddr);
    request.broadcast = row.broadcast_bit;
    if (row.ethernet) {
      request.chaddr = HardwareAddress::ethernet(kMac);
    } else {
      request.chaddr.htype = 32;
      request.chaddr.hlen = 0;
    }
    DhcpPacket reply;
    reply.op = BootpOp::Reply;
    reply.message_type = row.type;
    reply.yiaddr = ip(row.yiaddr);
    const auto d = choose_reply_destination(request, reply, {row.force_broadcast, 1068, 1067});
    EXPECT_EQ(to_string(d.kind), to_string(row.kind));
    EXPECT_EQ(d.address, ip(row.address));
    EXPECT_EQ(d.port, row.port);
    EXPECT_EQ(d.mac.has_value(), row.kind == K::HardwareUnicast);
    if (d.mac) {
      EXPECT_EQ(*d.mac, kMac);
    }
  }
}

TEST(ChooseReplyDestination, BootpReplyFollowsTheSameRulesAndDefaultPorts) {
  DhcpPacket request;
  request.chaddr = HardwareAddress::ethernet(kMac);
  DhcpPacket reply;  // plain BOOTP: no message type
  reply.yiaddr = ip("10.0.0.50");
  const auto d = choose_reply_destination(request, reply);
  EXPECT_EQ(d.kind, K::HardwareUnicast);
  EXPECT_EQ(d.port, 68);
  request.giaddr = ip("10.1.0.1");
  EXPECT_EQ(choose_reply_destination(request, reply).port, 67);
}

// review2: a DISCOVER (or a BOOTP request) carrying ciaddr 203.0.113.9 had its OFFER sent
// there, any routable address; only an address of the request's subnet is a client's own.
TEST(ChooseReplyDestination, CiaddrOutsideTheClientsNetworkIsNotAReplyAddress) {
  DhcpPacket request;
  request.chaddr = HardwareAddress::ethernet(kMac);
  request.ciaddr = ip("203.0.113.9");
  request.broadcast = true;
  DhcpPacket reply;
  reply.message_type = MessageType::Offer;
  reply.yiaddr = ip("10.0.0.50");
  DestinationPolicy policy;
  policy.client_network = Ipv4Subnet{ip("10.0.0.0"), ip("255.255.255.0")};
  EXPECT_EQ(choose_reply_destination(request, reply, policy).kind, K::Broadcast);
  request.ciaddr = ip("10.0.0.9");
  const auto renewing = choose_reply_destination(request, reply, policy);
  EXPECT_EQ(renewing.kind, K::ClientAddress);
  EXPECT_EQ(renewing.address, ip("10.0.0.9"));
}

}  // namespace
}  // namespace netboot::dhcp
