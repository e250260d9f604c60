#include <gtest/gtest.h>

#include "dhcp/pipeline/add_network_options.hpp"
#include "dhcp/pipeline/add_pxe_options.hpp"
#include "dhcp/pipeline/allocate_address.hpp"
#include "dhcp/pipeline/classify_request.hpp"
#include "dhcp/pipeline/force_broadcast.hpp"
#include "dhcp/pipeline/identify_client.hpp"
#include "dhcp/pipeline/record_events.hpp"
#include "dhcp/pipeline/select_boot_file.hpp"
#include "dhcp/pipeline/track_boot_phase.hpp"
#include "unit/dhcp/pipeline_test_support.hpp"

namespace netboot::dhcp {
namespace {

using namespace std::chrono_literals;
using lease::BootPhase;
using lease::LeaseState;
using test::exchange;
using test::ip;
using test::kNow;
using test::mac;
using test::RequestSpec;

const Ipv4Address kServer = test::ip("192.168.1.1");

lease::Lease bound_lease(const MacAddress& m) {
  lease::Lease l;
  l.mac = m;
  l.address = test::ip("192.168.1.100");
  l.state = lease::LeaseState::Bound;
  return l;
}

/// Runs identify + classify, as the pipeline does before the step under test.
Exchange classified(const RequestSpec& spec) {
  auto ex = exchange(spec);
  IdentifyClient().apply(ex);
  ClassifyRequest(kServer).apply(ex);
  return ex;
}

// ---- IdentifyClient -------------------------------------------------------------------

TEST(IdentifyClientStep, FillsTheIdentityFromTheRequest) {
  auto ex = exchange({.arch = 7, .ipxe = true});
  EXPECT_EQ(IdentifyClient().apply(ex), Verdict::Continue);
  EXPECT_EQ(ex.client.mac, mac("52:54:00:12:34:56"));
  EXPECT_EQ(ex.client.arch, 7);
  EXPECT_TRUE(ex.client.is_pxe);
  EXPECT_TRUE(ex.client.is_ipxe);
  EXPECT_EQ(ex.client.uuid, Uuid::parse("4c414230-1234-4567-89ab-cdef00770001"));
}

TEST(IdentifyClientStep, DropsNonEthernetHardware) {
  auto request = test::make_request({});
  request.chaddr.htype = 32;
  request.chaddr.hlen = 0;
  Exchange ex(request, test::arrival());
  EXPECT_EQ(IdentifyClient().apply(ex), Verdict::Drop);
  EXPECT_NE(ex.drop_reason.find("htype 32"), std::string::npos);
}

// ---- ClassifyRequest --------------------------------------------------------------------

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

// ---- TrackBootPhase ---------------------------------------------------------------------

TEST(TrackBootPhaseStep, PxeRequestsAreInThePxePhase) {
  test::LeaseWorld world;
  auto ex = classified({});
  EXPECT_EQ(TrackBootPhase(false, world.store).apply(ex), Verdict::Continue);
  EXPECT_EQ(ex.phase, BootPhase::Pxe);
}

TEST(TrackBootPhaseStep, PlainClientsNeedAllowSimpleDhcpOrAPxeHistory) {
  test::LeaseWorld world;
  {
    auto ex = classified({.pxe = false});
    EXPECT_EQ(TrackBootPhase(false, world.store).apply(ex), Verdict::Drop);
    EXPECT_NE(ex.drop_reason.find("allow_simple_dhcp"), std::string::npos);
  }
  {
    auto ex = classified({.pxe = false});
    EXPECT_EQ(TrackBootPhase(true, world.store).apply(ex), Verdict::Continue);
    EXPECT_EQ(ex.phase, BootPhase::Idle);
  }
  // Once the MAC's lease says it PXE-booted, its OS is served and gets the UUID back.
  lease::Lease booted{mac("52:54:00:12:34:56"), ip("192.168.1.100"), LeaseState::Bound, kNow + 1h, kNow,
                      Uuid::parse("4c414230-1234-4567-89ab-cdef00770001"), BootPhase::Pxe, "", ""};
  world.store.commit(booted, {});
  auto ex = classified({.pxe = false});
  EXPECT_EQ(TrackBootPhase(false, world.store).apply(ex), Verdict::Continue);
  EXPECT_EQ(ex.phase, BootPhase::Os);
  EXPECT_EQ(ex.client.uuid, booted.uuid);
  // Another MAC is still a stranger.
  auto other = classified({.mac = mac("52:54:00:00:00:99"), .pxe = false});
  EXPECT_EQ(TrackBootPhase(false, world.store).apply(other), Verdict::Drop);
}

TEST(TrackBootPhaseStep, AnIdleLeaseIsNoPxeHistory) {
  test::LeaseWorld world;
  world.store.commit({mac("52:54:00:12:34:56"), ip("192.168.1.100"), LeaseState::Bound, kNow + 1h, kNow,
                      std::nullopt, BootPhase::Idle, "", ""},
                     {});
  auto ex = classified({.pxe = false});
  EXPECT_EQ(TrackBootPhase(false, world.store).apply(ex), Verdict::Drop);
}

// ---- SelectBootFile ---------------------------------------------------------------------

TEST(SelectBootFileStep, PicksTheFileForTheArchitecture) {
  struct Case {
    std::string_view name;
    RequestSpec spec;
    std::string file;
  };
  const Case cases[] = {
      {"BIOS -> default", {.arch = 0}, "pxelinux.0"},
      {"UEFI 7", {.arch = 7}, "bootx64.efi"},
      {"UEFI 9 stands in for 7", {.arch = 9}, "bootx64.efi"},
      {"iPXE gets its script", {.arch = 7, .ipxe = true}, "boot.ipxe"},
      {"vendor class only", {.arch = std::nullopt}, "pxelinux.0"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto ex = classified(c.spec);
    EXPECT_EQ(SelectBootFile(test::lab_config().boot_files).apply(ex), Verdict::Continue);
    EXPECT_EQ(ex.reply.file, c.file);
  }
}

TEST(SelectBootFileStep, AssignedFileWins) {
  auto ex = classified({});
  ex.assigned_boot_file = "special.0";
  EXPECT_EQ(SelectBootFile(test::lab_config().boot_files).apply(ex), Verdict::Continue);
  EXPECT_EQ(ex.reply.file, "special.0");
}

TEST(SelectBootFileStep, PxeClientWithoutAFileIsDroppedPlainClientIsNot) {
  config::BootFileTable only_uefi;
  only_uefi.by_arch[7] = "bootx64.efi";
  auto pxe = classified({.arch = 0});
  EXPECT_EQ(SelectBootFile(only_uefi).apply(pxe), Verdict::Drop);
  EXPECT_NE(pxe.drop_reason.find("x86 BIOS"), std::string::npos);
  auto plain = classified({.pxe = false});
  EXPECT_EQ(SelectBootFile(only_uefi).apply(plain), Verdict::Continue);
  EXPECT_EQ(plain.reply.file, "");
}

TEST(SelectBootFileStep, LeavesRepliesThatAreNotSentAlone) {
  auto release = classified({.type = MessageType::Release, .server_id = kServer, .ciaddr = ip("192.168.1.100")});
  EXPECT_EQ(SelectBootFile(test::lab_config().boot_files).apply(release), Verdict::Continue);
  EXPECT_EQ(release.reply.file, "");
}

// ---- AllocateAddress ---------------------------------------------------------------------

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
}

// ---- AddNetworkOptions ------------------------------------------------------------------

TEST(AddNetworkOptionsStep, FillsAnOfferPerTheConfiguration) {
  auto ex = classified({});
  ex.reply.yiaddr = ip("192.168.1.100");
  ASSERT_EQ(AddNetworkOptions(test::lab_config()).apply(ex), Verdict::Continue);
  const auto& o = ex.reply.options;
  EXPECT_EQ(ex.reply.siaddr, kServer);
  EXPECT_EQ(ex.reply.sname, "boot.lab");
  EXPECT_EQ(o.get_address(OptionCode::SubnetMask), ip("255.255.255.0"));
  EXPECT_EQ(o.get_addresses(OptionCode::Router), std::vector{ip("192.168.1.254")});
  EXPECT_EQ(o.get_addresses(OptionCode::DomainNameServer), std::vector{ip("8.8.8.8")});
  EXPECT_EQ(o.get_string(OptionCode::DomainName), "lab");
  EXPECT_EQ(o.get_address(OptionCode::ServerIdentifier), kServer);
  EXPECT_EQ(o.get_u32(OptionCode::LeaseTime), 3600u);
  EXPECT_EQ(o.get_u32(OptionCode::RenewalTime), 1800u);
  EXPECT_EQ(o.get_u32(OptionCode::RebindingTime), 3150u);
  EXPECT_EQ(*o.find(OptionCode::ClientIdentifier), *ex.request.options.find(OptionCode::ClientIdentifier));
  EXPECT_FALSE(o.contains(OptionCode::HostName));
}

TEST(AddNetworkOptionsStep, InformHasNoLeaseTimesBootpNoDhcpOptions) {
  auto inform = classified({.type = MessageType::Inform, .ciaddr = ip("192.168.1.50")});
  AddNetworkOptions(test::lab_config()).apply(inform);
  EXPECT_FALSE(inform.reply.options.contains(OptionCode::LeaseTime));
  EXPECT_FALSE(inform.reply.options.contains(OptionCode::RenewalTime));
  EXPECT_TRUE(inform.reply.options.contains(OptionCode::ServerIdentifier));

  auto request = test::make_request({});
  request.message_type.reset();
  Exchange bootp(request, test::arrival());
  ClassifyRequest(kServer).apply(bootp);
  AddNetworkOptions(test::lab_config()).apply(bootp);
  EXPECT_TRUE(bootp.reply.options.contains(OptionCode::SubnetMask));
  EXPECT_FALSE(bootp.reply.options.contains(OptionCode::ServerIdentifier));
  EXPECT_FALSE(bootp.reply.options.contains(OptionCode::LeaseTime));
}

TEST(AddNetworkOptionsStep, NextServerHostnameAndOptionalPieces) {
  auto config = test::lab_config();
  config.gateway.reset();
  config.dns.clear();
  config.domain.clear();
  auto ex = classified({.client_id = std::nullopt});
  ex.assigned_hostname = "node7";
  AddNetworkOptions(config, ip("192.168.1.5")).apply(ex);
  EXPECT_EQ(ex.reply.siaddr, ip("192.168.1.5"));
  EXPECT_EQ(ex.reply.sname, "boot");
  EXPECT_EQ(ex.reply.options.get_string(OptionCode::HostName), "node7");
  EXPECT_FALSE(ex.reply.options.contains(OptionCode::Router));
  EXPECT_FALSE(ex.reply.options.contains(OptionCode::DomainNameServer));
  EXPECT_FALSE(ex.reply.options.contains(OptionCode::DomainName));
  EXPECT_FALSE(ex.reply.options.contains(OptionCode::ClientIdentifier));
}

TEST(AddNetworkOptionsStep, LeavesANakAlone) {
  auto ex = classified({.type = MessageType::Request, .server_id = kServer, .requested = ip("192.168.1.100")});
  make_nak(ex, "no");
  const auto before = ex.reply;
  AddNetworkOptions(test::lab_config()).apply(ex);
  EXPECT_EQ(ex.reply, before);
}

// ---- AddPxeOptions ----------------------------------------------------------------------

TEST(AddPxeOptionsStep, BiosPxeClientGetsTheFullSet) {
  auto ex = classified({.arch = 0});
  ex.reply.siaddr = kServer;
  ex.reply.file = "pxelinux.0";
  AddPxeOptions step([](std::string_view file) -> std::optional<std::uint64_t> {
    return file == "pxelinux.0" ? std::optional<std::uint64_t>(1025) : std::nullopt;
  });
  ASSERT_EQ(step.apply(ex), Verdict::Continue);
  const auto& o = ex.reply.options;
  EXPECT_EQ(o.get_string(OptionCode::VendorClassIdentifier), "PXEClient");
  EXPECT_EQ(*o.find(OptionCode::ClientMachineIdentifier), test::kGuid);
  EXPECT_EQ(o.get_string(OptionCode::TftpServerName), "192.168.1.1");
  EXPECT_EQ(o.get_string(OptionCode::BootFileName), "pxelinux.0");
  EXPECT_EQ(o.get_u16(OptionCode::BootFileSize), 3);  // 1025 bytes = 3 blocks of 512
  EXPECT_EQ(*o.find(OptionCode::VendorSpecific), (Bytes{6, 1, 8, 255}));
}

TEST(AddPxeOptionsStep, UefiClientGetsNoVendorOptionsAndOnlyWhatItAsks) {
  auto ex = classified({.arch = 7, .guid = false, .parameter_list = {1, 3}});
  ex.reply.siaddr = kServer;
  ex.reply.file = "bootx64.efi";
  AddPxeOptions().apply(ex);
  const auto& o = ex.reply.options;
  EXPECT_TRUE(o.contains(OptionCode::VendorClassIdentifier));
  EXPECT_EQ(*o.find(OptionCode::VendorSpecific), (Bytes{6, 1, 8, 255}));  // EDK2 needs it too
  EXPECT_FALSE(o.contains(OptionCode::ClientMachineIdentifier));
  EXPECT_FALSE(o.contains(OptionCode::TftpServerName));
  EXPECT_FALSE(o.contains(OptionCode::BootFileName));
  EXPECT_FALSE(o.contains(OptionCode::BootFileSize));
}

TEST(AddPxeOptionsStep, PlainClientsAndHugeFiles) {
  auto plain = classified({.pxe = false});
  AddPxeOptions().apply(plain);
  EXPECT_TRUE(plain.reply.options.empty());
  auto ex = classified({});
  ex.reply.file = "huge.iso";
  AddPxeOptions([](std::string_view) -> std::optional<std::uint64_t> { return 1ull << 40; }).apply(ex);
  EXPECT_EQ(ex.reply.options.get_u16(OptionCode::BootFileSize), 0xFFFF);
}

// ---- ForceBroadcast ---------------------------------------------------------------------

TEST(ForceBroadcastStep, MatchesConfiguredPrefixes) {
  ForceBroadcast step({*MacPrefix::parse("52:54:00/24")});
  auto buggy = classified({});
  step.apply(buggy);
  EXPECT_TRUE(buggy.force_broadcast);
  auto fine = classified({.mac = mac("00:11:22:33:44:55")});
  step.apply(fine);
  EXPECT_FALSE(fine.force_broadcast);
}

// ---- RecordEvents -----------------------------------------------------------------------

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
