#include <gtest/gtest.h>

#include "dhcp/pipeline/allocate_address.hpp"
#include "dhcp/pipeline/classify_request.hpp"
#include "dhcp/pipeline/identify_client.hpp"
#include "unit/dhcp/step_test_support.hpp"

namespace netboot::dhcp {
namespace {

using namespace std::chrono_literals;
using lease::BootPhase;
using lease::LeaseState;
using test::ip;
using test::kNow;
using test::mac;
using test::RequestSpec;
using test::kServer;
using test::classified;
using test::bound_lease;

struct AllocateAddressStep : ::testing::Test {
  test::LeaseWorld world;
  AllocateAddress step{world.store, world.allocator, {3600s, 120s, 600s, Ipv4Subnet{kServer, ip("255.255.255.0")}}};

  Exchange run(const RequestSpec& spec) {
    auto ex = classified(spec);
    ex.phase = ex.client.is_pxe ? BootPhase::Pxe : BootPhase::Idle;
    const auto verdict = step.apply(ex);
    if (verdict == Verdict::Continue) world.commit(ex);
    return ex;
  }
  Exchange bind(const MacAddress& m) {
    const auto offer = run({.type = MessageType::Discover, .mac = m});
    return run({.type = MessageType::Request, .mac = m, .server_id = kServer, .requested = offer.reply.yiaddr});
  }
};

TEST_F(AllocateAddressStep, DiscoverOffersTheFirstFreeAddressAndHoldsIt) {
  const auto first = run({.mac = mac("52:54:00:00:00:01")});
  EXPECT_EQ(first.reply.yiaddr, ip("192.168.1.100"));
  ASSERT_TRUE(first.lease);
  EXPECT_EQ(first.lease->state, LeaseState::Offered);
  EXPECT_EQ(first.lease->expires, kNow + 120s);
  EXPECT_EQ(first.lease->phase, BootPhase::Pxe);
  EXPECT_EQ(first.lease->uuid, first.client.uuid);
  EXPECT_EQ(first.lease_write, LeaseWrite::Hold);  // taken at once, never waits for the disk
  const auto second = run({.mac = mac("52:54:00:00:00:02")});
  EXPECT_EQ(second.reply.yiaddr, ip("192.168.1.101"));
  const auto again = run({.mac = mac("52:54:00:00:00:01")});
  EXPECT_EQ(again.reply.yiaddr, ip("192.168.1.100"));  // same client, same address
}

TEST_F(AllocateAddressStep, DiscoverHonoursAFreeRequestedAddress) {
  const auto ex = run({.requested = ip("192.168.1.103")});
  EXPECT_EQ(ex.reply.yiaddr, ip("192.168.1.103"));
}

TEST_F(AllocateAddressStep, RequestForTheOfferedAddressIsAckedAndDurableFirst) {
  const auto ack = bind(mac("52:54:00:00:00:01"));
  EXPECT_EQ(ack.reply.message_type, MessageType::Ack);
  EXPECT_EQ(ack.reply.yiaddr, ip("192.168.1.100"));
  ASSERT_TRUE(ack.lease);
  EXPECT_EQ(ack.lease->state, LeaseState::Bound);
  EXPECT_EQ(ack.lease->expires, kNow + 3600s);
  EXPECT_EQ(ack.lease_write, LeaseWrite::CommitBeforeReply);
  EXPECT_EQ(world.store.find_by_mac(mac("52:54:00:00:00:01"))->state, LeaseState::Bound);
}

TEST_F(AllocateAddressStep, DiscoverFromABoundClientKeepsItsBinding) {
  bind(mac("52:54:00:00:00:01"));
  const auto ex = run({.mac = mac("52:54:00:00:00:01")});
  EXPECT_EQ(ex.reply.yiaddr, ip("192.168.1.100"));
  ASSERT_TRUE(ex.lease);
  EXPECT_EQ(ex.lease->state, LeaseState::Bound);
  EXPECT_EQ(ex.lease_write, LeaseWrite::None);  // nothing changed
}

TEST_F(AllocateAddressStep, RequestForAnAddressHeldByAnotherClientIsNaked) {
  bind(mac("52:54:00:00:00:01"));
  const auto ex = run({.type = MessageType::Request, .mac = mac("52:54:00:00:00:02"), .server_id = kServer,
                       .requested = ip("192.168.1.100")});
  EXPECT_EQ(ex.reply.message_type, MessageType::Nak);
  EXPECT_TRUE(ex.reply.yiaddr.is_unspecified());
  EXPECT_TRUE(ex.reply.file.empty());
  EXPECT_EQ(ex.reply.options.get_address(OptionCode::ServerIdentifier), kServer);
  EXPECT_TRUE(ex.reply.options.contains(OptionCode::Message));
  EXPECT_TRUE(ex.reply.options.contains(OptionCode::ClientIdentifier));
  EXPECT_FALSE(ex.lease);
  EXPECT_EQ(ex.lease_write, LeaseWrite::None);
}

TEST_F(AllocateAddressStep, InitRebootFromAStrangerIsSilentFromAKnownClientOnTheWrongAddressIsNaked) {
  auto stranger = classified({.type = MessageType::Request, .requested = ip("192.168.1.100")});
  EXPECT_EQ(step.apply(stranger), Verdict::Drop);
  EXPECT_NE(stranger.drop_reason.find("no record"), std::string::npos);

  bind(mac("52:54:00:12:34:56"));  // holds .100
  const auto wrong = run({.type = MessageType::Request, .requested = ip("10.0.0.5")});
  EXPECT_EQ(wrong.reply.message_type, MessageType::Nak);
  const auto right = run({.type = MessageType::Request, .requested = ip("192.168.1.100")});
  EXPECT_EQ(right.reply.message_type, MessageType::Ack);
}

TEST_F(AllocateAddressStep, RenewingIsAckedForTheHeldAddressAndNakedOtherwise) {
  bind(mac("52:54:00:12:34:56"));
  const auto renew = run({.type = MessageType::Request, .ciaddr = ip("192.168.1.100")});
  EXPECT_EQ(renew.reply.message_type, MessageType::Ack);
  EXPECT_EQ(renew.reply.ciaddr, ip("192.168.1.100"));
  EXPECT_EQ(renew.reply.yiaddr, ip("192.168.1.100"));
  const auto foreign = run({.type = MessageType::Request, .ciaddr = ip("172.16.0.9")});
  EXPECT_EQ(foreign.reply.message_type, MessageType::Nak);
}

// Issue 14, RFC 2131 §4.3.2: a broadcast REQUEST with ciaddr and no server identifier from a
// client we have no record of was read as RENEWING and NAKed, breaking another server's clients.
TEST_F(AllocateAddressStep, RebindingFromAClientWeHaveNoRecordOfIsSilentUnlessTheAddressIsKnownWrong) {
  const MacAddress stranger = mac("52:54:00:00:00:77");
  for (const char* address : {"192.168.1.50", "192.168.1.102"}) {  // outside the pool; a free pool address
    auto rebinding = classified({.type = MessageType::Request, .mac = stranger, .ciaddr = ip(address)});
    EXPECT_EQ(step.apply(rebinding), Verdict::Drop) << address;
    EXPECT_NE(rebinding.drop_reason.find("no record"), std::string::npos) << rebinding.drop_reason;
    EXPECT_FALSE(rebinding.lease) << address;
  }
  // Known to be wrong for it: another network, or another client's address.
  const auto off_subnet = run({.type = MessageType::Request, .mac = stranger, .ciaddr = ip("10.0.0.5")});
  EXPECT_EQ(off_subnet.reply.message_type, MessageType::Nak);
  bind(mac("52:54:00:00:00:01"));  // holds .100
  const auto taken = run({.type = MessageType::Request, .mac = stranger, .ciaddr = ip("192.168.1.100")});
  EXPECT_EQ(taken.reply.message_type, MessageType::Nak);
  const auto init_reboot_off_subnet =
      run({.type = MessageType::Request, .mac = stranger, .requested = ip("10.0.0.5")});
  EXPECT_EQ(init_reboot_off_subnet.reply.message_type, MessageType::Nak);

  // Only our offer of another address (it took another server's): still no record of its lease.
  const auto offer = run({.mac = stranger});
  ASSERT_EQ(offer.lease->state, LeaseState::Offered);
  auto other_server = classified({.type = MessageType::Request, .mac = stranger, .ciaddr = ip("192.168.1.50")});
  EXPECT_EQ(step.apply(other_server), Verdict::Drop) << other_server.drop_reason;
  // Our own client renewing keeps being answered.
  const auto ack = bind(stranger);
  const auto renew = run({.type = MessageType::Request, .mac = stranger, .ciaddr = ack.reply.yiaddr});
  EXPECT_EQ(renew.reply.message_type, MessageType::Ack);
}

TEST_F(AllocateAddressStep, ExhaustedPoolDropsWithAClearReason) {
  for (int i = 1; i <= 5; ++i) bind(MacAddress({0x52, 0x54, 0, 0, 0, static_cast<std::uint8_t>(i)}));
  auto ex = classified({.mac = mac("52:54:00:00:00:99")});
  EXPECT_EQ(step.apply(ex), Verdict::Drop);
  EXPECT_NE(ex.drop_reason.find("exhausted"), std::string::npos) << ex.drop_reason;
}

TEST_F(AllocateAddressStep, DeclinePutsTheAddressOnProbation) {
  bind(mac("52:54:00:12:34:56"));
  const auto ex = run({.type = MessageType::Decline, .server_id = kServer, .requested = ip("192.168.1.100")});
  ASSERT_TRUE(ex.lease);
  EXPECT_EQ(ex.lease->state, LeaseState::Declined);
  EXPECT_EQ(ex.lease->expires, kNow + 600s);
  EXPECT_FALSE(ex.send_reply);
  EXPECT_EQ(world.store.find_by_address(ip("192.168.1.100"))->state, LeaseState::Declined);
  // The next DISCOVER from that client gets another address.
  EXPECT_EQ(run({}).reply.yiaddr, ip("192.168.1.101"));
}

TEST_F(AllocateAddressStep, ReleaseKeepsTheAddressTiedToTheMac) {
  bind(mac("52:54:00:12:34:56"));
  const auto ex = run({.type = MessageType::Release, .server_id = kServer, .ciaddr = ip("192.168.1.100")});
  ASSERT_TRUE(ex.lease);
  EXPECT_EQ(ex.lease->state, LeaseState::Released);
  EXPECT_EQ(ex.lease_write, LeaseWrite::Commit);
  EXPECT_EQ(run({}).reply.yiaddr, ip("192.168.1.100"));  // comes back to the same address
}

TEST_F(AllocateAddressStep, ReleaseOfALeaseThatIsNotActiveChangesNothing) {
  // Issue 23 item 8: repeated RELEASEs used to commit the lease and notify every time.
  bind(mac("52:54:00:12:34:56"));
  const RequestSpec release{.type = MessageType::Release, .server_id = kServer, .ciaddr = ip("192.168.1.100")};
  ASSERT_EQ(run(release).lease_write, LeaseWrite::Commit);
  for (int i = 0; i < 3; ++i) {
    auto again = classified(release);
    EXPECT_EQ(step.apply(again), Verdict::Drop);
    EXPECT_FALSE(again.lease);
    EXPECT_EQ(again.lease_write, LeaseWrite::None);
    EXPECT_NE(again.drop_reason.find("not active"), std::string::npos) << again.drop_reason;
  }
  // An offer that was never acknowledged is not released either.
  run({.type = MessageType::Discover, .mac = mac("52:54:00:00:00:42")});
  const auto offered = world.store.find_by_mac(mac("52:54:00:00:00:42"));
  ASSERT_TRUE(offered);
  auto unbound = classified({.type = MessageType::Release, .mac = mac("52:54:00:00:00:42"), .server_id = kServer,
                             .ciaddr = offered->address});
  EXPECT_EQ(step.apply(unbound), Verdict::Drop);
}

TEST_F(AllocateAddressStep, ReleaseOrDeclineOfAnAddressNotHeldIsDropped) {
  auto release = classified({.type = MessageType::Release, .server_id = kServer, .ciaddr = ip("192.168.1.100")});
  EXPECT_EQ(step.apply(release), Verdict::Drop);
  bind(mac("52:54:00:12:34:56"));
  auto decline = classified({.type = MessageType::Decline, .server_id = kServer, .requested = ip("192.168.1.104")});
  EXPECT_EQ(step.apply(decline), Verdict::Drop);
}

TEST_F(AllocateAddressStep, InformGetsNoLease) {
  const auto ex = run({.type = MessageType::Inform, .ciaddr = ip("192.168.1.50")});
  EXPECT_FALSE(ex.lease);
  EXPECT_TRUE(ex.reply.yiaddr.is_unspecified());
  EXPECT_EQ(ex.reply.message_type, MessageType::Ack);
}

TEST_F(AllocateAddressStep, BootpIsBoundAtOnce) {
  auto request = test::make_request({});
  request.message_type.reset();
  Exchange ex(request, test::arrival());
  IdentifyClient().apply(ex);
  ClassifyRequest(kServer).apply(ex);
  ASSERT_EQ(step.apply(ex), Verdict::Continue);
  ASSERT_TRUE(ex.lease);
  EXPECT_EQ(ex.lease->state, LeaseState::Bound);
  EXPECT_EQ(ex.lease_write, LeaseWrite::CommitBeforeReply);
  EXPECT_EQ(ex.reply.yiaddr, ip("192.168.1.100"));
}

TEST_F(AllocateAddressStep, StaticReservationComesFirst) {
  auto config = test::lab_config();
  config.static_leases[mac("52:54:00:12:34:56")] = ip("192.168.1.20");
  test::LeaseWorld reserved(config);
  AllocateAddress with_reservation(reserved.store, reserved.allocator);
  auto ex = classified({});
  ASSERT_EQ(with_reservation.apply(ex), Verdict::Continue);
  EXPECT_EQ(ex.reply.yiaddr, ip("192.168.1.20"));
  EXPECT_TRUE(ex.notes.empty());
}

TEST_F(AllocateAddressStep, AReservationTakingAnAddressOverSaysSoNotThatThePoolIsFull) {
  auto config = test::lab_config();
  config.static_leases[mac("52:54:00:12:34:56")] = ip("192.168.1.100");
  test::LeaseWorld reserved(config);
  auto other = bound_lease(mac("52:54:00:00:00:09"));  // holds .100 (a reservation added by a reload)
  other.expires = kNow + 1h;
  reserved.store.commit(other, [](Result<void>) {});
  AllocateAddress with_reservation(reserved.store, reserved.allocator);
  auto ex = classified({});
  ASSERT_EQ(with_reservation.apply(ex), Verdict::Continue);
  EXPECT_EQ(ex.reply.yiaddr, ip("192.168.1.100"));
  ASSERT_EQ(ex.notes.size(), 1u);
  EXPECT_EQ(ex.notes[0], "192.168.1.100 taken over from 52:54:00:00:00:09 (bound, reserved for this client in "
                         "[static_dhcp])");
}

}  // namespace
}  // namespace netboot::dhcp
