#include "lease/memory_lease_store.hpp"

#include <gtest/gtest.h>

#include "unit/lease/lease_test_support.hpp"

namespace netboot::lease {
namespace {

using namespace testing;  // NOLINT: test helpers

TEST(MemoryLeaseStore, CommitIsVisibleAtOnceAndCompletesOnlyThroughPost) {
  PostQueue loop;
  MemoryLeaseStore store(loop.hook());
  const Lease lease = make_lease(mac(1), ip("10.0.0.10"));
  int completed = 0;
  store.commit(lease, [&](Result<void> r) {
    EXPECT_TRUE(r.has_value());
    ++completed;
  });
  EXPECT_EQ(store.find_by_mac(mac(1)), lease);
  EXPECT_EQ(store.find_by_address(ip("10.0.0.10")), lease);
  EXPECT_EQ(completed, 0) << "completion must not run inside commit()";
  EXPECT_EQ(loop.drain(), 1U);
  EXPECT_EQ(completed, 1);
}

TEST(MemoryLeaseStore, CommitWithoutCompletionPostsNothing) {
  PostQueue loop;
  MemoryLeaseStore store(loop.hook());
  store.commit(make_lease(mac(1), ip("10.0.0.10")), nullptr);
  EXPECT_EQ(loop.posted(), 0U);
  EXPECT_EQ(store.size(), 1U);
}

// The replacement rules of LeaseStore::commit(), one scenario per row: the leases committed in
// order, then what each lookup must answer.
struct InvariantCase {
  std::string_view name;
  std::vector<Lease> commits;
  std::vector<std::pair<MacAddress, std::optional<Ipv4Address>>> by_mac;        // mac -> address held (none)
  std::vector<std::pair<Ipv4Address, std::optional<MacAddress>>> by_address;    // address -> holder (none)
  std::size_t size;
};

TEST(MemoryLeaseStore, KeepsOneRecordPerAddressAndPerMac) {
  const InvariantCase cases[] = {
      {"a MAC moving frees its old address",
       {make_lease(mac(1), ip("10.0.0.10")), make_lease(mac(1), ip("10.0.0.11"))},
       {{mac(1), ip("10.0.0.11")}},
       {{ip("10.0.0.10"), std::nullopt}, {ip("10.0.0.11"), mac(1)}},
       1},
      {"another MAC taking an address removes the previous holder's record",
       {make_lease(mac(1), ip("10.0.0.10"), LeaseState::Released), make_lease(mac(2), ip("10.0.0.10"))},
       {{mac(1), std::nullopt}, {mac(2), ip("10.0.0.10")}},
       {{ip("10.0.0.10"), mac(2)}},
       1},
      {"taking another MAC's address while holding one replaces both records",
       {make_lease(mac(1), ip("10.0.0.10")), make_lease(mac(2), ip("10.0.0.11")), make_lease(mac(2), ip("10.0.0.10"))},
       {{mac(1), std::nullopt}, {mac(2), ip("10.0.0.10")}},
       {{ip("10.0.0.10"), mac(2)}, {ip("10.0.0.11"), std::nullopt}},
       1},
      {"a declined address stays on probation when the MAC gets a new lease",
       {make_lease(mac(1), ip("10.0.0.10")), make_lease(mac(1), ip("10.0.0.10"), LeaseState::Declined),
        make_lease(mac(1), ip("10.0.0.11"))},
       {{mac(1), ip("10.0.0.11")}},
       {{ip("10.0.0.10"), mac(1)}, {ip("10.0.0.11"), mac(1)}},
       2},
      {"declining removes the decliner's binding on that address only",
       {make_lease(mac(1), ip("10.0.0.10")), make_lease(mac(1), ip("10.0.0.10"), LeaseState::Declined)},
       {{mac(1), std::nullopt}},
       {{ip("10.0.0.10"), mac(1)}},
       1},
      {"records without an address never collide",
       {make_lease(mac(1), Ipv4Address::any()), make_lease(mac(2), Ipv4Address::any())},
       {{mac(1), Ipv4Address::any()}, {mac(2), Ipv4Address::any()}},
       {{Ipv4Address::any(), std::nullopt}},
       2},
      {"committing the same lease twice keeps one record",
       {make_lease(mac(1), ip("10.0.0.10")), make_lease(mac(1), ip("10.0.0.10"), LeaseState::Released)},
       {{mac(1), ip("10.0.0.10")}},
       {{ip("10.0.0.10"), mac(1)}},
       1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    PostQueue loop;
    MemoryLeaseStore store(loop.hook());
    for (const Lease& lease : c.commits) store.commit(lease, nullptr);
    for (const auto& [m, expected] : c.by_mac) {
      const auto found = store.find_by_mac(m);
      EXPECT_EQ(found ? std::optional(found->address) : std::nullopt, expected) << m.to_string();
      if (found) EXPECT_NE(found->state, LeaseState::Declined);
    }
    for (const auto& [a, expected] : c.by_address) {
      const auto found = store.find_by_address(a);
      EXPECT_EQ(found ? std::optional(found->mac) : std::nullopt, expected) << a.to_string();
    }
    EXPECT_EQ(store.size(), c.size);
    EXPECT_EQ(store.all().size(), c.size);
  }
}

TEST(MemoryLeaseStore, TellsObserversWhatLeftThenWhatEntered) {
  PostQueue loop;
  MemoryLeaseStore store(loop.hook());
  RecordingObserver observer;
  store.subscribe(observer);
  store.subscribe(observer);  // twice is once
  store.commit(make_lease(mac(1), ip("10.0.0.10")), nullptr);
  store.commit(make_lease(mac(2), ip("10.0.0.11")), nullptr);
  store.commit(make_lease(mac(2), ip("10.0.0.10")), nullptr);
  store.unsubscribe(observer);
  store.commit(make_lease(mac(3), ip("10.0.0.12")), nullptr);
  const std::vector<std::string> expected = {
      "+52:54:00:00:00:01@10.0.0.10:bound",
      "+52:54:00:00:00:02@10.0.0.11:bound",
      "-52:54:00:00:00:02@10.0.0.11:bound",
      "-52:54:00:00:00:01@10.0.0.10:bound",
      "+52:54:00:00:00:02@10.0.0.10:bound",
  };
  EXPECT_EQ(observer.events, expected);
}

TEST(MemoryLeaseStore, InitialLeasesAreIndexedWithTheSameRules) {
  PostQueue loop;
  MemoryLeaseStore store(loop.hook(), {make_lease(mac(1), ip("10.0.0.10")), make_lease(mac(2), ip("10.0.0.10"))});
  EXPECT_EQ(store.size(), 1U);
  EXPECT_EQ(store.find_by_address(ip("10.0.0.10"))->mac, mac(2));
  EXPECT_EQ(loop.posted(), 0U);
}

}  // namespace
}  // namespace netboot::lease
