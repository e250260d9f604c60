#include "status/pool_counter.hpp"

#include <random>

#include <gtest/gtest.h>

#include "lease/memory_lease_store.hpp"

namespace netboot::status {
namespace {

using namespace std::chrono_literals;

const WallTime kNow = WallTime{} + std::chrono::hours(24 * 365 * 50);
const Ipv4Address kFirst = Ipv4Address::from_octets({10, 0, 0, 10});
constexpr std::uint32_t kSize = 20;

void expect_same(const PoolUsage& counted, const PoolUsage& scanned, const std::string& when) {
  EXPECT_EQ(counted.offered, scanned.offered) << when;
  EXPECT_EQ(counted.bound, scanned.bound) << when;
  EXPECT_EQ(counted.expired, scanned.expired) << when;
  EXPECT_EQ(counted.released, scanned.released) << when;
  EXPECT_EQ(counted.declined, scanned.declined) << when;
  EXPECT_EQ(counted.first, scanned.first) << when;
  EXPECT_EQ(counted.size, scanned.size) << when;
}

lease::Lease make(std::uint8_t mac, std::uint8_t host, lease::LeaseState state, WallTime expires) {
  lease::Lease l;
  l.mac = MacAddress({2, 0, 0, 0, 0, mac});
  l.address = Ipv4Address::from_octets({10, 0, 0, host});
  l.state = state;
  l.expires = expires;
  return l;
}

// The counts kept from commits are the ones a scan of the store gives, whatever the commits
// (replacements, moves, declines, addresses outside the pool) and whatever the clock does.
TEST(PoolCounter, FollowsTheStoreLikeAScan) {
  lease::MemoryLeaseStore store([](std::function<void()>) {},
                                {make(1, 12, lease::LeaseState::Bound, kNow + 5s),
                                 make(2, 40, lease::LeaseState::Bound, kNow + 5s)});  // outside the pool
  PoolCounter counter(kFirst, kSize, store.all());
  store.subscribe(counter);
  std::mt19937 random(7);
  const lease::LeaseState states[] = {lease::LeaseState::Offered, lease::LeaseState::Bound,
                                      lease::LeaseState::Released, lease::LeaseState::Declined};
  WallTime now = kNow;
  for (int i = 0; i < 3000; ++i) {
    const auto host = static_cast<std::uint8_t>(5 + random() % 30);  // some outside [10, 30)
    const auto mac = static_cast<std::uint8_t>(random() % 25);
    const auto expires = now + std::chrono::seconds(static_cast<int>(random() % 40) - 10);
    store.commit(make(mac, host, states[random() % 4], expires), nullptr);
    if (i % 7 == 0) now += std::chrono::seconds(static_cast<int>(random() % 9) - 3);  // sometimes set back
    if (i % 3 == 0) {
      const auto when = "after commit " + std::to_string(i);
      expect_same(counter.usage("s", 0, now), count_pool("s", kFirst, kSize, 0, store.all(), now), when);
      if (HasFailure()) break;
    }
  }
  store.unsubscribe(counter);
}

TEST(PoolCounter, VersionChangesWithEveryCommitAndNextExpiryIsTheEarliestBound) {
  lease::MemoryLeaseStore store([](std::function<void()>) {});
  PoolCounter counter(kFirst, kSize, store.all());
  store.subscribe(counter);
  const auto v0 = counter.version();
  store.commit(make(1, 11, lease::LeaseState::Bound, kNow + 30s), nullptr);
  store.commit(make(2, 50, lease::LeaseState::Bound, kNow + 10s), nullptr);  // outside: counted for the version only
  EXPECT_GT(counter.version(), v0);
  auto usage = counter.usage("s", 3, kNow);
  EXPECT_EQ(usage.bound, 1u);
  EXPECT_EQ(usage.reserved, 3u);
  EXPECT_EQ(counter.next_expiry(), kNow + 30s);
  usage = counter.usage("s", 3, kNow + 30s);
  EXPECT_EQ(usage.bound, 0u);
  EXPECT_EQ(usage.expired, 1u);
  EXPECT_EQ(counter.next_expiry(), std::nullopt);
  store.unsubscribe(counter);
}

}  // namespace
}  // namespace netboot::status
