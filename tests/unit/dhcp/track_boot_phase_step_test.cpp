#include <gtest/gtest.h>

#include "dhcp/pipeline/track_boot_phase.hpp"
#include "unit/dhcp/step_test_support.hpp"

namespace netboot::dhcp {
namespace {

using namespace std::chrono_literals;
using lease::BootPhase;
using lease::LeaseState;
using test::ip;
using test::kNow;
using test::mac;
using test::classified;

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

}  // namespace
}  // namespace netboot::dhcp
