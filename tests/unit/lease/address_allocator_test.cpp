#include "lease/address_allocator.hpp"

#include <gtest/gtest.h>

#include <random>

#include "lease/memory_lease_store.hpp"
#include "unit/lease/lease_test_support.hpp"

namespace netboot::lease {
namespace {

using namespace testing;  // NOLINT: test helpers
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// Pool 10.0.0.10 .. 10.0.0.13, lease_time 1 h, now = t0().
constexpr std::chrono::seconds kLeaseTime = hours(1);

Lease bound(std::uint32_t m, std::string_view a) { return make_lease(mac(m), ip(a), LeaseState::Bound, t0() + hours(1)); }
Lease expired(std::uint32_t m, std::string_view a, std::chrono::seconds ago) {
  return make_lease(mac(m), ip(a), LeaseState::Bound, t0() - ago);
}
Lease with_state(Lease lease, LeaseState state) {
  lease.state = state;
  return lease;
}
Lease declined(std::uint32_t m, std::string_view a, std::chrono::seconds probation_left) {
  return make_lease(mac(m), ip(a), LeaseState::Declined, t0() + probation_left);
}
Lease offered(std::uint32_t m, std::string_view a, std::chrono::seconds hold_left) {
  return make_lease(mac(m), ip(a), LeaseState::Offered, t0() + hold_left);
}
Lease released(std::uint32_t m, std::string_view a, std::chrono::seconds ago) {
  Lease lease = make_lease(mac(m), ip(a), LeaseState::Released, t0() + hours(20));  // released long before its end
  lease.updated = t0() - ago;
  return lease;
}

struct Expect {
  std::optional<std::string_view> address;  // none: an error
  AllocationSource source = AllocationSource::Free;
  std::optional<std::uint32_t> previous_mac;
  Errc error = Errc::Busy;
};

struct AllocationCase {
  std::string_view name;
  std::vector<Lease> leases;
  std::map<MacAddress, Ipv4Address> reservations;
  std::optional<std::string_view> requested;
  Expect expect;
  std::uint32_t pool_count = 4;
};

Expect at(std::string_view a, AllocationSource s, std::optional<std::uint32_t> previous = std::nullopt) {
  return Expect{a, s, previous, Errc::Busy};
}
Expect error(Errc code) { return Expect{std::nullopt, AllocationSource::Free, std::nullopt, code}; }

using S = AllocationSource;

// The decision table of issue 3 ("Allocation"): always for mac(1).
const AllocationCase kCases[] = {
    {"a reservation comes before the address the MAC holds",
     {bound(1, "10.0.0.10")}, {{mac(1), ip("10.0.0.50")}}, {}, at("10.0.0.50", S::Reservation)},
    {"a reservation is given even when another MAC holds it, which is reported",
     {bound(2, "10.0.0.12")}, {{mac(1), ip("10.0.0.12")}}, {}, at("10.0.0.12", S::Reservation, 2)},
    {"a reservation inside the pool is never given to another MAC",
     {}, {{mac(9), ip("10.0.0.10")}}, {}, at("10.0.0.11", S::Free)},
    {"the address the MAC holds comes back", {bound(1, "10.0.0.12")}, {}, {}, at("10.0.0.12", S::Existing)},
    {"it comes back long after expiry", {expired(1, "10.0.0.12", hours(10))}, {}, {}, at("10.0.0.12", S::Existing)},
    {"it comes back after a release", {released(1, "10.0.0.12", hours(10))}, {}, {}, at("10.0.0.12", S::Existing)},
    {"it comes back from an offer", {with_state(bound(1, "10.0.0.12"), LeaseState::Offered)}, {}, {},
     at("10.0.0.12", S::Existing)},
    {"a declined address is not given back to its decliner", {declined(1, "10.0.0.10", hours(1))}, {}, {},
     at("10.0.0.11", S::Free)},
    {"a held address outside the (shrunk) pool is not honoured", {bound(1, "10.0.0.99")}, {}, {},
     at("10.0.0.10", S::Free)},
    {"a held address now reserved for another MAC is not honoured",
     {bound(1, "10.0.0.10")}, {{mac(9), ip("10.0.0.10")}}, {}, at("10.0.0.11", S::Free)},
    {"the held address wins over the requested one", {bound(1, "10.0.0.12")}, {}, "10.0.0.13",
     at("10.0.0.12", S::Existing)},
    {"a free requested address is granted", {}, {}, "10.0.0.13", at("10.0.0.13", S::Requested)},
    {"a requested address another MAC holds is refused, even long expired",
     {expired(2, "10.0.0.13", hours(10))}, {}, "10.0.0.13", at("10.0.0.10", S::Free)},
    {"a requested address reserved for another MAC is refused",
     {}, {{mac(9), ip("10.0.0.13")}}, "10.0.0.13", at("10.0.0.10", S::Free)},
    {"a requested address outside the pool is refused", {}, {}, "10.0.0.99", at("10.0.0.10", S::Free)},
    {"a requested address on decline probation is refused", {declined(2, "10.0.0.13", hours(1))}, {}, "10.0.0.13",
     at("10.0.0.10", S::Free)},
    {"a requested address whose probation ended is granted", {declined(2, "10.0.0.13", -seconds(1))}, {}, "10.0.0.13",
     at("10.0.0.13", S::Requested, 2)},
    {"the first free address skips reserved and held ones",
     {bound(2, "10.0.0.11")}, {{mac(9), ip("10.0.0.10")}}, {}, at("10.0.0.12", S::Free)},
    {"the first free address skips one on decline probation", {declined(2, "10.0.0.10", hours(1))}, {}, {},
     at("10.0.0.11", S::Free)},
    {"a full pool reuses the lease expired the longest, past lease_time",
     {expired(2, "10.0.0.10", hours(3)), expired(3, "10.0.0.11", hours(5)), bound(4, "10.0.0.12"),
      expired(5, "10.0.0.13", hours(2))},
     {}, {}, at("10.0.0.11", S::Reused, 3)},
    {"a full pool reuses a lease released longer than lease_time ago",
     {released(2, "10.0.0.10", hours(2)), bound(3, "10.0.0.11"), bound(4, "10.0.0.12"), bound(5, "10.0.0.13")},
     {}, {}, at("10.0.0.10", S::Reused, 2)},
    {"a full pool reclaims an address whose probation ended before reusing a lease",
     {declined(2, "10.0.0.12", -seconds(1)), expired(3, "10.0.0.11", hours(5)), bound(4, "10.0.0.10"),
      bound(5, "10.0.0.13")},
     {}, {}, at("10.0.0.12", S::Reclaimed, 2)},
    {"a full pool does not reuse a lease expired for less than lease_time",
     {expired(2, "10.0.0.10", minutes(30)), bound(3, "10.0.0.11"), bound(4, "10.0.0.12"), bound(5, "10.0.0.13")},
     {}, {}, error(Errc::Busy)},
    {"a full pool does not reuse a lease expired for exactly lease_time",
     {expired(2, "10.0.0.10", kLeaseTime), bound(3, "10.0.0.11"), bound(4, "10.0.0.12"), bound(5, "10.0.0.13")},
     {}, {}, error(Errc::Busy)},
    {"a full pool does not reuse a lease released recently",
     {released(2, "10.0.0.10", minutes(30)), bound(3, "10.0.0.11"), bound(4, "10.0.0.12"), bound(5, "10.0.0.13")},
     {}, {}, error(Errc::Busy)},
    {"a full pool takes back an offer whose hold ended, without waiting lease_time",
     {offered(2, "10.0.0.12", -seconds(1)), bound(3, "10.0.0.11"), bound(4, "10.0.0.10"), bound(5, "10.0.0.13")},
     {}, {}, at("10.0.0.12", S::OfferLapsed, 2)},
    {"a lapsed offer is taken before an address whose probation ended",
     {declined(2, "10.0.0.10", -hours(1)), offered(3, "10.0.0.11", -seconds(1)), bound(4, "10.0.0.12"),
      bound(5, "10.0.0.13")},
     {}, {}, at("10.0.0.11", S::OfferLapsed, 3)},
    {"a full pool keeps an offer still on hold",
     {offered(2, "10.0.0.10", seconds(60)), bound(3, "10.0.0.11"), bound(4, "10.0.0.12"), bound(5, "10.0.0.13")},
     {}, {}, error(Errc::Busy)},
    {"a full pool with an address on probation is exhausted",
     {declined(2, "10.0.0.10", hours(1)), bound(3, "10.0.0.11"), bound(4, "10.0.0.12"), bound(5, "10.0.0.13")},
     {}, {}, error(Errc::Busy)},
    {"pool_count 0 serves reservations", {}, {{mac(1), ip("10.0.0.50")}}, {}, at("10.0.0.50", S::Reservation), 0},
    {"pool_count 0 serves nobody else", {}, {{mac(2), ip("10.0.0.50")}}, "10.0.0.10", error(Errc::NotFound), 0},
    {"pool_count 0 ignores a pool lease the MAC held", {bound(1, "10.0.0.10")}, {}, {}, error(Errc::NotFound), 0},
};

TEST(AddressAllocator, FollowsTheAllocationOrder) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    PostQueue loop;
    MemoryLeaseStore store(loop.hook(), c.leases);
    const AddressAllocator allocator({ip("10.0.0.10"), c.pool_count, c.reservations, kLeaseTime}, store);
    const auto requested = c.requested ? std::optional(ip(*c.requested)) : std::nullopt;
    const auto got = allocator.allocate(mac(1), requested, t0());
    if (!c.expect.address) {
      ASSERT_FALSE(got.has_value()) << got->address.to_string() << " " << to_string(got->source);
      EXPECT_EQ(got.error().code, c.expect.error);
      continue;
    }
    ASSERT_TRUE(got.has_value()) << got.error().detail;
    EXPECT_EQ(got->address, ip(*c.expect.address));
    EXPECT_EQ(to_string(got->source), to_string(c.expect.source));
    EXPECT_EQ(got->previous ? std::optional(got->previous->mac) : std::nullopt,
              c.expect.previous_mac ? std::optional(mac(*c.expect.previous_mac)) : std::nullopt);
  }
}

// Issue 14: three DISCOVERs that never REQUEST locked a pool of three for lease_time + 120 s.
TEST(AddressAllocator, AnOfferNeverRequestedFreesItsAddressWhenTheHoldEnds) {
  PostQueue loop;
  MemoryLeaseStore store(loop.hook());
  const AddressAllocator allocator({ip("10.0.0.10"), 3, {}, kLeaseTime}, store);
  const auto hold = seconds(120);
  for (std::uint32_t m = 2; m <= 4; ++m) {
    const auto got = allocator.allocate(mac(m), std::nullopt, t0());
    ASSERT_TRUE(got.has_value()) << got.error().detail;
    store.hold(make_lease(mac(m), got->address, LeaseState::Offered, t0() + hold));
  }
  EXPECT_FALSE(allocator.allocate(mac(1), std::nullopt, t0() + hold - seconds(1)).has_value()) << "offers still held";
  const auto later = allocator.allocate(mac(1), std::nullopt, t0() + hold + seconds(1));
  ASSERT_TRUE(later.has_value()) << later.error().detail;
  EXPECT_EQ(later->address, ip("10.0.0.10")) << "the offer whose hold ended first";
  EXPECT_EQ(later->source, AllocationSource::OfferLapsed);
  ASSERT_TRUE(later->previous.has_value());
  EXPECT_EQ(later->previous->mac, mac(2));
  // An ACKed lease keeps the longer rule: expired for longer than lease_time.
  store.commit(make_lease(mac(1), later->address, LeaseState::Bound, t0() + hold + seconds(2)), nullptr);
  EXPECT_EQ(allocator.allocate(mac(5), std::nullopt, t0() + hold + seconds(3))->source, AllocationSource::OfferLapsed);
  store.commit(make_lease(mac(3), ip("10.0.0.11"), LeaseState::Bound, t0() + hold + seconds(2)), nullptr);
  store.commit(make_lease(mac(4), ip("10.0.0.12"), LeaseState::Bound, t0() + hold + seconds(2)), nullptr);
  EXPECT_FALSE(allocator.allocate(mac(5), std::nullopt, t0() + hold + seconds(2) + kLeaseTime).has_value());
  EXPECT_EQ(allocator.allocate(mac(5), std::nullopt, t0() + hold + seconds(3) + kLeaseTime)->source,
            AllocationSource::Reused);
}

// Issue 14: the network and broadcast address, the server's, the gateway: never handed out.
TEST(AddressAllocator, NeverHandsOutAnUnusableAddress) {
  PostQueue loop;
  const std::set<Ipv4Address> unusable = {ip("10.0.0.10"), ip("10.0.0.11"), ip("10.0.0.13")};
  const std::map<MacAddress, Ipv4Address> reservations = {{mac(7), ip("10.0.0.11")}, {mac(8), ip("10.0.0.50")}};
  // mac 1 held 10.0.0.13 (an old lease file); mac 2 held 10.0.0.10.
  MemoryLeaseStore store(loop.hook(), {expired(1, "10.0.0.13", hours(1)), expired(2, "10.0.0.10", hours(5))});
  const AddressAllocator allocator({ip("10.0.0.10"), 4, reservations, kLeaseTime, unusable}, store);
  EXPECT_EQ(allocator.pool().free_count(), 1U) << "only 10.0.0.12 is usable";
  const auto first = allocator.allocate(mac(1), ip("10.0.0.10"), t0());
  ASSERT_TRUE(first.has_value()) << first.error().detail;
  EXPECT_EQ(first->address, ip("10.0.0.12")) << "neither the held nor the requested unusable address";
  EXPECT_EQ(first->source, AllocationSource::Free);
  const auto reserved = allocator.allocate(mac(7), std::nullopt, t0());
  ASSERT_TRUE(reserved.has_value());
  EXPECT_EQ(reserved->address, ip("10.0.0.12")) << "a reservation on an unusable address is not honoured";
  EXPECT_EQ(allocator.allocate(mac(8), std::nullopt, t0())->address, ip("10.0.0.50"));
  store.commit(bound(1, "10.0.0.12"), nullptr);
  const auto full = allocator.allocate(mac(3), std::nullopt, t0() + hours(30));
  ASSERT_TRUE(full.has_value()) << full.error().detail;
  EXPECT_EQ(full->address, ip("10.0.0.12")) << "the lapsed lease on 10.0.0.10 is not reused: unusable";
}

TEST(AddressAllocator, KnowsWhichAddressesAreWrongForAClient) {
  PostQueue loop;
  MemoryLeaseStore store(loop.hook(), {bound(2, "10.0.0.12"), declined(3, "10.0.0.13", hours(1))});
  const AddressAllocator allocator(
      {ip("10.0.0.10"), 4, {{mac(1), ip("10.0.0.50")}, {mac(9), ip("10.0.0.11")}}, kLeaseTime, {ip("10.0.0.1")}},
      store);
  EXPECT_EQ(allocator.known_wrong_for(mac(1), ip("10.0.0.10")), std::nullopt) << "free";
  EXPECT_EQ(allocator.known_wrong_for(mac(1), ip("10.0.0.99")), std::nullopt) << "unknown to us";
  EXPECT_EQ(allocator.known_wrong_for(mac(1), ip("10.0.0.50")), std::nullopt) << "its own reservation";
  EXPECT_EQ(allocator.known_wrong_for(mac(2), ip("10.0.0.12")), std::nullopt) << "its own lease";
  EXPECT_EQ(allocator.known_wrong_for(mac(1), ip("10.0.0.1")), "10.0.0.1 is never leased");
  EXPECT_EQ(allocator.known_wrong_for(mac(1), ip("10.0.0.11")), "10.0.0.11 is reserved for another client");
  EXPECT_EQ(allocator.known_wrong_for(mac(1), ip("10.0.0.12")), "10.0.0.12 is leased to another client");
  EXPECT_EQ(allocator.known_wrong_for(mac(1), ip("10.0.0.13")), "10.0.0.13 is leased to another client");
}

TEST(AddressAllocator, ExhaustionAndNoPoolAreExplainedInTheError) {
  PostQueue loop;
  MemoryLeaseStore store(loop.hook(), {bound(2, "10.0.0.10")});
  const AddressAllocator full({ip("10.0.0.10"), 1, {}, kLeaseTime}, store);
  const auto exhausted = full.allocate(mac(1), std::nullopt, t0());
  ASSERT_FALSE(exhausted.has_value());
  EXPECT_NE(exhausted.error().detail.find("pool exhausted"), std::string::npos) << exhausted.error().detail;
  EXPECT_NE(exhausted.error().detail.find("10.0.0.10"), std::string::npos);

  const AddressAllocator none({ip("10.0.0.10"), 0, {}, kLeaseTime}, store);
  const auto unserved = none.allocate(mac(1), std::nullopt, t0());
  ASSERT_FALSE(unserved.has_value());
  EXPECT_NE(unserved.error().detail.find("pool_count = 0"), std::string::npos) << unserved.error().detail;
  EXPECT_NE(unserved.error().detail.find(mac(1).to_string()), std::string::npos);
}

TEST(AddressAllocator, SeesEachCommitBeforeTheNextAllocation) {
  PostQueue loop;
  MemoryLeaseStore store(loop.hook());
  const AddressAllocator allocator({ip("10.0.0.10"), 4, {}, kLeaseTime}, store);
  const auto first = allocator.allocate(mac(1), std::nullopt, t0());
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(allocator.allocate(mac(2), std::nullopt, t0())->address, first->address) << "allocate() changes nothing";
  store.commit(with_state(bound(1, "10.0.0.10"), LeaseState::Offered), nullptr);
  EXPECT_EQ(allocator.allocate(mac(2), std::nullopt, t0())->address, ip("10.0.0.11"));
  EXPECT_EQ(allocator.allocate(mac(1), std::nullopt, t0())->source, AllocationSource::Existing);

  // mac 1 moves to the address it asked for: its old one is free again, and first again.
  store.commit(bound(1, "10.0.0.13"), nullptr);
  EXPECT_EQ(allocator.allocate(mac(2), std::nullopt, t0())->address, ip("10.0.0.10"));
  EXPECT_EQ(allocator.pool().free_count(), 3U);
}

TEST(AddressAllocator, ReusingALeaseTakesItAwayFromItsOldClient) {
  PostQueue loop;
  MemoryLeaseStore store(loop.hook(), {expired(2, "10.0.0.10", hours(2))});
  const AddressAllocator allocator({ip("10.0.0.10"), 1, {}, kLeaseTime}, store);
  const auto reused = allocator.allocate(mac(1), std::nullopt, t0());
  ASSERT_TRUE(reused.has_value());
  EXPECT_EQ(reused->source, AllocationSource::Reused);
  store.commit(bound(1, "10.0.0.10"), nullptr);
  EXPECT_FALSE(store.find_by_mac(mac(2)).has_value());
  const auto old_client = allocator.allocate(mac(2), std::nullopt, t0());
  ASSERT_FALSE(old_client.has_value()) << "the new lease is not expired";
  EXPECT_EQ(old_client.error().code, Errc::Busy);
  EXPECT_EQ(allocator.allocate(mac(2), std::nullopt, t0() + hours(3))->previous->mac, mac(1));
}

// A reload's [static_dhcp] (docs/configuration.md, "Reload").
TEST(AddressAllocator, ReplacedReservationsFreeNothingHeldAndMatchAFreshAllocator) {
  PostQueue loop;
  // mac(1) holds 10.0.0.10 by its reservation; mac(2) holds 10.0.0.11 from the pool.
  MemoryLeaseStore store(loop.hook(), {bound(1, "10.0.0.10"), bound(2, "10.0.0.11")});
  AddressAllocator allocator({ip("10.0.0.10"), 4, {{mac(1), ip("10.0.0.10")}}, kLeaseTime}, store);

  // Removed: its address stays mac(1)'s, now as a pool lease; nobody else is given it.
  allocator.replace_reservations({});
  EXPECT_FALSE(allocator.pool().is_free(ip("10.0.0.10")));
  auto got = allocator.allocate(mac(1), {}, t0());
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  EXPECT_EQ(got->address, ip("10.0.0.10"));
  EXPECT_EQ(got->source, AllocationSource::Existing);
  got = allocator.allocate(mac(3), ip("10.0.0.10"), t0());
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  EXPECT_EQ(got->address, ip("10.0.0.12"));

  // Added for the address mac(2) holds: honoured at once, as at start; the holder is told.
  const std::map<MacAddress, Ipv4Address> added{{mac(4), ip("10.0.0.11")}};
  allocator.replace_reservations(added);
  got = allocator.allocate(mac(4), {}, t0());
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  EXPECT_EQ(got->address, ip("10.0.0.11"));
  EXPECT_EQ(got->source, AllocationSource::Reservation);
  ASSERT_TRUE(got->previous.has_value());
  EXPECT_EQ(got->previous->mac, mac(2));
  EXPECT_EQ(allocator.known_wrong_for(mac(2), ip("10.0.0.11")), "10.0.0.11 is reserved for another client");

  // The same state as an allocator built with these reservations.
  const AddressAllocator fresh({ip("10.0.0.10"), 4, added, kLeaseTime}, store);
  EXPECT_EQ(allocator.pool().free_count(), fresh.pool().free_count());
  for (std::uint32_t m = 1; m <= 6; ++m) {
    SCOPED_TRACE(m);
    const auto a = allocator.allocate(mac(m), {}, t0());
    const auto b = fresh.allocate(mac(m), {}, t0());
    ASSERT_EQ(a.has_value(), b.has_value());
    if (a) {
      EXPECT_EQ(a->address, b->address);
      EXPECT_EQ(a->source, b->source);
    }
  }
}

TEST(AddressAllocator, StopsObservingWhenDestroyed) {
  PostQueue loop;
  MemoryLeaseStore store(loop.hook());
  { const AddressAllocator allocator({ip("10.0.0.10"), 4, {}, kLeaseTime}, store); }
  store.commit(bound(1, "10.0.0.10"), nullptr);  // would touch a dead observer (ASan)
  const AddressAllocator fresh({ip("10.0.0.10"), 4, {}, kLeaseTime}, store);
  EXPECT_EQ(fresh.allocate(mac(2), std::nullopt, t0())->address, ip("10.0.0.11")) << "seeded from the store";
}

// Random commits (new, move, reuse, release, decline) against a brute-force reference: the free
// set must always equal "pool minus reserved minus held", and an allocation must never hand out an
// address another MAC holds unless it says so.
TEST(AddressAllocator, FreeSetMatchesTheStoreUnderRandomCommits) {
  PostQueue loop;
  MemoryLeaseStore store(loop.hook());
  constexpr std::uint32_t kPool = 150;
  const Ipv4Address start = ip("10.0.1.0");
  std::map<MacAddress, Ipv4Address> reservations = {{mac(1000), start.plus(3)}, {mac(1001), start.plus(77)}};
  const AddressAllocator allocator({start, kPool, reservations, kLeaseTime}, store);
  std::mt19937 random(42);
  for (int step = 0; step < 4000; ++step) {
    const std::uint32_t client = random() % 200;
    const auto now = t0() + minutes(step);
    const auto requested = random() % 4 == 0 ? std::optional(start.plus(random() % (kPool + 10))) : std::nullopt;
    const auto got = allocator.allocate(mac(client), requested, now);
    if (got) {
      const auto holder = store.find_by_address(got->address);
      if (holder && holder->mac != mac(client)) {
        ASSERT_TRUE(got->source == S::Reused || got->source == S::OfferLapsed || got->source == S::Reclaimed ||
                    got->source == S::Requested)
            << to_string(got->source);
        ASSERT_TRUE(got->previous.has_value());
      }
      const auto kind = random() % 10;
      Lease lease = make_lease(mac(client), got->address, LeaseState::Bound, now + minutes(random() % 120));
      if (kind == 0) lease.state = LeaseState::Declined;
      if (kind == 1) lease.state = LeaseState::Released;
      if (kind == 2) lease.state = LeaseState::Offered;
      store.commit(lease, nullptr);
    } else {
      ASSERT_EQ(got.error().code, Errc::Busy);
    }
    std::optional<Ipv4Address> expected_free;
    std::uint32_t free_count = 0;
    for (std::uint32_t i = 0; i < kPool; ++i) {
      const Ipv4Address a = start.plus(i);
      if (a == start.plus(3) || a == start.plus(77) || store.find_by_address(a)) continue;
      ++free_count;
      if (!expected_free) expected_free = a;
    }
    ASSERT_EQ(allocator.pool().first_free(), expected_free) << "step " << step;
    ASSERT_EQ(allocator.pool().free_count(), free_count) << "step " << step;
  }
}

// pybootd scans its leases for every client: quadratic. Here allocating the 50,000th address must
// cost what the first did; counted in bitmap words, not in (forbidden) wall time.
TEST(AddressAllocator, FiftyThousandAllocationsInARowCostTheSameEach) {
  PostQueue loop;
  MemoryLeaseStore store(loop.hook());
  constexpr std::uint32_t kCount = 50'000;
  const Ipv4Address start = ip("10.128.0.0");
  const AddressAllocator allocator({start, kCount, {}, kLeaseTime}, store);
  std::uint64_t worst = 0;
  for (std::uint32_t i = 0; i < kCount; ++i) {
    const std::uint64_t before = allocator.pool().word_accesses();
    const auto got = allocator.allocate(mac(i), std::nullopt, t0());
    ASSERT_TRUE(got.has_value()) << i;
    ASSERT_EQ(got->address, start.plus(i));
    store.commit(make_lease(mac(i), got->address), nullptr);
    worst = std::max(worst, allocator.pool().word_accesses() - before);
  }
  // 3 bitmap levels: 3 reads to find the address, 1 check + at most 3 writes when the commit takes it.
  EXPECT_LE(worst, 7U);
  EXPECT_EQ(allocator.pool().free_count(), 0U);
  EXPECT_EQ(allocator.allocate(mac(kCount), std::nullopt, t0()).error().code, Errc::Busy);
}

}  // namespace
}  // namespace netboot::lease
