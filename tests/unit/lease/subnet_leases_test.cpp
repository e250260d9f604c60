// Leases with many subnets (issue 18): multi-range pools, PoolSet routing every change to
// exactly one allocator, and the relay agent ids kept by the stores (SQLite schema 2).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "lease/address_pool.hpp"
#include "lease/memory_lease_store.hpp"
#include "lease/pool_set.hpp"
#include "lease/sqlite_lease_store.hpp"
#include "unit/lease/lease_test_support.hpp"

namespace netboot::lease {
namespace {

using testing::ip;
using testing::mac;
using testing::make_lease;
using testing::PostQueue;
using testing::t0;
using testing::TempDir;

TEST(AddressPool, SeveralRangesAreOnePoolInAddressOrder) {
  AddressPool pool({{ip("10.0.0.200"), 2}, {ip("10.0.0.10"), 3}});
  EXPECT_EQ(pool.size(), 5u);
  EXPECT_TRUE(pool.contains(ip("10.0.0.12")));
  EXPECT_FALSE(pool.contains(ip("10.0.0.13")));
  EXPECT_FALSE(pool.contains(ip("10.0.0.199")));
  EXPECT_TRUE(pool.contains(ip("10.0.0.201")));
  std::vector<Ipv4Address> order;
  while (const auto next = pool.first_free()) {
    order.push_back(*next);
    pool.take(*next);
  }
  EXPECT_EQ(order, (std::vector<Ipv4Address>{ip("10.0.0.10"), ip("10.0.0.11"), ip("10.0.0.12"), ip("10.0.0.200"),
                                             ip("10.0.0.201")}));
  pool.put_back(ip("10.0.0.201"));
  EXPECT_EQ(pool.first_free(), ip("10.0.0.201"));
  pool.take(ip("10.0.0.50"));  // outside every range: ignored
  EXPECT_EQ(pool.free_count(), 1u);
}

TEST(PoolSet, EachChangeReachesExactlyTheAllocatorOfItsAddress) {
  PostQueue loop;
  MemoryLeaseStore store(loop.hook());
  store.commit(make_lease(mac(1), ip("10.0.1.20")), nullptr);  // before the set: loaded once
  std::vector<PoolSettings> subnets;
  subnets.push_back(PoolSettings{.pool_start = ip("192.168.1.100"), .pool_count = 10});
  for (unsigned i = 1; i <= 1000; ++i) {
    PoolSettings s;
    s.ranges = {{Ipv4Address::from_host_order((10u << 24) + (i << 8) + 10), 100}};  // 10.0.i.10-109
    subnets.push_back(s);
  }
  PoolSet pools(std::move(subnets), store);
  ASSERT_EQ(pools.size(), 1001u);
  EXPECT_EQ(pools.for_subnet(1).pool().free_count(), 99u) << "the stored lease was routed at start";
  const auto before = pools.routing_comparisons();
  store.commit(make_lease(mac(2), ip("10.0.200.30")), nullptr);
  const auto cost = pools.routing_comparisons() - before;
  EXPECT_EQ(pools.for_subnet(200).pool().free_count(), 99u);
  EXPECT_EQ(pools.for_subnet(199).pool().free_count(), 100u);
  EXPECT_EQ(pools.for_subnet(0).pool().free_count(), 10u);
  EXPECT_LE(cost, 12u) << "one O(log n) lookup for 1,001 pools";
  // A machine that moves: its old address goes back to the old pool.
  store.commit(make_lease(mac(2), ip("192.168.1.100")), nullptr);
  EXPECT_EQ(pools.for_subnet(200).pool().free_count(), 100u);
  EXPECT_EQ(pools.for_subnet(0).pool().free_count(), 9u);
  // A reload's reservations: each allocator rebuilt from one pass over the store.
  std::vector<std::map<MacAddress, Ipv4Address>> reservations(1001);
  reservations[5][mac(9)] = ip("10.0.5.10");
  pools.replace_reservations(reservations);
  EXPECT_EQ(pools.for_subnet(5).pool().free_count(), 99u);
  EXPECT_EQ(pools.for_subnet(1).pool().free_count(), 99u);
  EXPECT_EQ(pools.for_subnet(0).pool().free_count(), 9u);
  const auto reserved = pools.for_subnet(5).allocate(mac(9), std::nullopt, t0());
  ASSERT_TRUE(reserved);
  EXPECT_EQ(reserved->source, AllocationSource::Reservation);
}

void run_sql(const std::filesystem::path& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  EXPECT_EQ(rc, SQLITE_OK) << (message != nullptr ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

int user_version(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr);
  sqlite3_step(stmt);
  const int version = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return version;
}

// The schema netbootd wrote before issue 18, with one lease in it.
constexpr const char* kVersion1File =
    "CREATE TABLE leases (mac TEXT NOT NULL, address TEXT NOT NULL, state INTEGER NOT NULL, expires INTEGER NOT NULL,"
    " updated INTEGER NOT NULL, uuid TEXT, phase INTEGER NOT NULL, hostname TEXT NOT NULL, boot_file TEXT NOT NULL);"
    "CREATE UNIQUE INDEX leases_by_address ON leases(address) WHERE address <> '0.0.0.0';"
    "CREATE UNIQUE INDEX leases_by_mac ON leases(mac) WHERE state <> 3;"
    "INSERT INTO leases VALUES ('52:54:00:00:00:01', '192.168.1.10', 1, 1900000000000000000, 1800000000000000000,"
    " NULL, 2, 'old', 'pxelinux.0');"
    "PRAGMA user_version=1;";

TEST(SqliteLeaseStore, AVersion1FileIsReadAsItIsAndUpgradedAtOpenKeepingItsLeases) {
  TempDir dir;
  const auto path = dir.path() / "leases.db";
  run_sql(path, kVersion1File);
  const auto listed = read_lease_file(path);
  ASSERT_TRUE(listed) << listed.error().detail;
  ASSERT_EQ(listed->leases.size(), 1u) << "netbootd leases reads a version 1 file without changing it";
  EXPECT_TRUE(listed->leases[0].relay_address.is_unspecified());
  EXPECT_EQ(user_version(path), 1);
  PostQueue loop;
  Lease relayed = make_lease(mac(2), ip("10.12.0.100"));
  relayed.circuit_id = "eth1";
  relayed.remote_id = std::string("\x00\xff\x10", 3);
  relayed.relay_address = ip("10.12.0.1");
  {
    auto store = SqliteLeaseStore::open(path, loop.hook());
    ASSERT_TRUE(store) << store.error().detail;
    ASSERT_EQ((*store)->all().size(), 1u);
    EXPECT_EQ((*store)->find_by_mac(mac(1))->hostname, "old");
    EXPECT_TRUE((*store)->find_by_mac(mac(1))->circuit_id.empty());
    bool durable = false;
    (*store)->commit(relayed, [&](Result<void> r) { durable = r.has_value(); });
    (*store)->close();
    loop.drain();
    EXPECT_TRUE(durable);
  }
  EXPECT_EQ(user_version(path), 2);
  auto reopened = SqliteLeaseStore::open(path, loop.hook());
  ASSERT_TRUE(reopened) << reopened.error().detail;
  EXPECT_EQ((*reopened)->find_by_mac(mac(2)), relayed) << "circuit-id, remote-id and relay survive, bytes exact";
  EXPECT_EQ((*reopened)->find_by_mac(mac(1))->address, ip("192.168.1.10"));
  (*reopened)->close();
  const auto listed2 = read_lease_file(path);
  ASSERT_TRUE(listed2);
  EXPECT_EQ(listed2->leases.size(), 2u);
}

}  // namespace
}  // namespace netboot::lease
