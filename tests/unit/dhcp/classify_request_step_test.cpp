#include <gtest/gtest.h>

#include "dhcp/pipeline/classify_request.hpp"
#include "unit/dhcp/step_test_support.hpp"

namespace netboot::dhcp {
namespace {

using test::exchange;
using test::ip;
using test::RequestSpec;
using test::kServer;

TEST(ClassifyRequestStep, FollowsRfc2131Section43) {
  struct Case {
    std::string_view name;
    RequestSpec spec;
    Verdict verdict;
    RequestKind kind;
    std::optional<MessageType> reply_type;
    bool send_reply;
    std::optional<Ipv4Address> requested;
  };
  using M = MessageType;
  using K = RequestKind;
  const Case cases[] = {
      {"DISCOVER -> OFFER", {.type = M::Discover}, Verdict::Continue, K::Discover, M::Offer, true, std::nullopt},
      {"DISCOVER with a hint", {.type = M::Discover, .requested = ip("192.168.1.103")}, Verdict::Continue,
       K::Discover, M::Offer, true, ip("192.168.1.103")},
      {"REQUEST SELECTING us", {.type = M::Request, .server_id = kServer, .requested = ip("192.168.1.100")},
       Verdict::Continue, K::Selecting, M::Ack, true, ip("192.168.1.100")},
      {"REQUEST SELECTING another server",
       {.type = M::Request, .server_id = ip("192.168.1.2"), .requested = ip("192.168.1.100")}, Verdict::Drop,
       K::Unclassified, M::Offer, true, std::nullopt},
      {"REQUEST SELECTING without option 50", {.type = M::Request, .server_id = kServer}, Verdict::Drop,
       K::Unclassified, std::nullopt, true, std::nullopt},
      {"REQUEST INIT-REBOOT", {.type = M::Request, .requested = ip("192.168.1.100")}, Verdict::Continue,
       K::InitReboot, M::Ack, true, ip("192.168.1.100")},
      {"REQUEST RENEWING", {.type = M::Request, .ciaddr = ip("192.168.1.100")}, Verdict::Continue, K::Renewing,
       M::Ack, true, ip("192.168.1.100")},
      {"REQUEST with nothing to go on", {.type = M::Request}, Verdict::Drop, K::Unclassified, std::nullopt, true,
       std::nullopt},
      {"DECLINE", {.type = M::Decline, .server_id = kServer, .requested = ip("192.168.1.100")}, Verdict::Continue,
       K::Decline, std::nullopt, false, ip("192.168.1.100")},
      {"DECLINE without option 50", {.type = M::Decline, .server_id = kServer}, Verdict::Drop, K::Unclassified,
       std::nullopt, true, std::nullopt},
      {"DECLINE for another server", {.type = M::Decline, .server_id = ip("10.0.0.1"), .requested = ip("192.168.1.100")},
       Verdict::Drop, K::Unclassified, std::nullopt, true, std::nullopt},
      {"RELEASE", {.type = M::Release, .server_id = kServer, .ciaddr = ip("192.168.1.100")}, Verdict::Continue,
       K::Release, std::nullopt, false, ip("192.168.1.100")},
      {"RELEASE without ciaddr", {.type = M::Release, .server_id = kServer}, Verdict::Drop, K::Unclassified,
       std::nullopt, true, std::nullopt},
      {"INFORM -> ACK", {.type = M::Inform, .ciaddr = ip("192.168.1.50")}, Verdict::Continue, K::Inform, M::Ack,
       true, std::nullopt},
      {"OFFER from a client", {.type = M::Offer}, Verdict::Drop, K::Unclassified, std::nullopt, true, std::nullopt},
      {"NAK from a client", {.type = M::Nak}, Verdict::Drop, K::Unclassified, std::nullopt, true, std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto ex = exchange(c.spec);
    const auto verdict = ClassifyRequest(kServer).apply(ex);
    EXPECT_EQ(verdict, c.verdict) << ex.drop_reason;
    if (verdict == Verdict::Drop) {
      EXPECT_FALSE(ex.drop_reason.empty());
      continue;
    }
    EXPECT_EQ(ex.kind, c.kind);
    EXPECT_EQ(ex.reply.message_type, c.reply_type);
    EXPECT_EQ(ex.send_reply, c.send_reply);
    EXPECT_EQ(ex.requested_address, c.requested);
    EXPECT_EQ(ex.server_address, kServer);
  }
}

TEST(ClassifyRequestStep, InformReplyCarriesTheClientsAddressInCiaddr) {
  auto ex = exchange({.type = MessageType::Inform, .ciaddr = ip("192.168.1.50")});
  ASSERT_EQ(ClassifyRequest(kServer).apply(ex), Verdict::Continue);
  EXPECT_EQ(ex.reply.ciaddr, ip("192.168.1.50"));
}

TEST(ClassifyRequestStep, PlainBootpIsServedWithoutMessageType) {
  auto request = test::make_request({.pxe = false});
  request.message_type.reset();
  Exchange ex(request, test::arrival());
  ASSERT_EQ(ClassifyRequest(kServer).apply(ex), Verdict::Continue);
  EXPECT_EQ(ex.kind, RequestKind::Bootp);
  EXPECT_FALSE(ex.reply.message_type);
}

TEST(ClassifyRequestStep, DropsBootReplies) {
  auto request = test::make_request({});
  request.op = BootpOp::Reply;
  Exchange ex(request, test::arrival());
  EXPECT_EQ(ClassifyRequest(kServer).apply(ex), Verdict::Drop);
}

TEST(ClassifyRequestStep, WithoutAConfiguredAddressUsesTheArrivalInterface) {
  auto request = test::make_request({.type = MessageType::Request, .server_id = ip("10.9.9.9"),
                                     .requested = ip("10.9.9.100")});
  auto info = test::arrival();
  info.local_address = ip("10.9.9.9");
  Exchange ex(request, info);
  EXPECT_EQ(ClassifyRequest(Ipv4Address::any()).apply(ex), Verdict::Continue);
  EXPECT_EQ(ex.server_address, ip("10.9.9.9"));
}

}  // namespace
}  // namespace netboot::dhcp
