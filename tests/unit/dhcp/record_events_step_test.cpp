#include <gtest/gtest.h>

#include "dhcp/pipeline/record_events.hpp"
#include "unit/dhcp/step_test_support.hpp"

namespace netboot::dhcp {
namespace {

using lease::BootPhase;
using lease::LeaseState;
using test::ip;
using test::kNow;
using test::mac;
using test::kServer;
using test::bound_lease;
using test::classified;

TEST(RecordEventsStep, AckInThePxePhaseIsALeaseAndABoot) {
  auto ex = classified({.type = MessageType::Request, .server_id = kServer, .requested = ip("192.168.1.100")});
  ex.phase = BootPhase::Pxe;
  ex.reply.file = "pxelinux.0";
  ex.lease = lease::Lease{*ex.client.mac, ip("192.168.1.100"), LeaseState::Bound, kNow, kNow, {}, BootPhase::Pxe,
                          "", ""};
  ex.lease_write = LeaseWrite::CommitBeforeReply;
  RecordEvents().apply(ex);
  ASSERT_EQ(ex.events.size(), 2u);
  EXPECT_EQ(ex.events[0].kind, BootEvent::Kind::Lease);
  EXPECT_EQ(ex.events[1].kind, BootEvent::Kind::Boot);
  EXPECT_EQ(ex.events[1].boot_file, "pxelinux.0");
  EXPECT_EQ(ex.events[1].address, ip("192.168.1.100"));
  EXPECT_EQ(ex.events[1].arch, 0);
}

TEST(RecordEventsStep, OsPhaseAckIsOnlyALeaseOffersAndNaksNothing) {
  auto ack = classified({.type = MessageType::Request, .pxe = false, .server_id = kServer,
                         .requested = ip("192.168.1.100")});
  ack.phase = BootPhase::Os;
  ack.reply.file = "pxelinux.0";
  ack.lease = bound_lease(*ack.client.mac);
  ack.lease_write = LeaseWrite::CommitBeforeReply;
  RecordEvents().apply(ack);
  ASSERT_EQ(ack.events.size(), 1u);
  EXPECT_EQ(ack.events[0].kind, BootEvent::Kind::Lease);

  auto offer = classified({});
  offer.lease = bound_lease(*offer.client.mac);
  offer.lease_write = LeaseWrite::Commit;
  RecordEvents().apply(offer);
  EXPECT_TRUE(offer.events.empty());

  auto nak = classified({.type = MessageType::Request, .server_id = kServer, .requested = ip("192.168.1.100")});
  make_nak(nak, "no");
  RecordEvents().apply(nak);
  EXPECT_TRUE(nak.events.empty());
}

TEST(RecordEventsStep, ReleaseAndDecline) {
  for (const auto type : {MessageType::Release, MessageType::Decline}) {
    auto ex = classified({.type = type, .server_id = kServer, .requested = ip("192.168.1.100"),
                          .ciaddr = ip("192.168.1.100")});
    ex.lease = bound_lease(*ex.client.mac);
    ex.lease_write = LeaseWrite::Commit;
    RecordEvents().apply(ex);
    ASSERT_EQ(ex.events.size(), 1u);
    EXPECT_EQ(ex.events[0].kind, type == MessageType::Release ? BootEvent::Kind::Release : BootEvent::Kind::Decline);
  }
}

}  // namespace
}  // namespace netboot::dhcp
