// PgLeaseStore against a real PostgreSQL: the SQLite store's contract tests, plus what a shared
// database adds (schema versioning, two stores on one database, the unreachable state).
// The server comes from tests/integration/test_pg_lease_store.py (tests/support/postgres.py),
// which runs these with NETBOOT_TEST_PG_URI set; without it every test here is skipped.
#include "lease/pg_lease_store.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <future>
#include <thread>
#include <cstdlib>
#include <map>
#include <set>

#include "unit/lease/lease_test_support.hpp"

namespace netboot::lease {
namespace {

using namespace testing;  // NOLINT: test helpers
using std::chrono::hours;

std::vector<Lease> sorted(std::vector<Lease> leases) {
  std::sort(leases.begin(), leases.end(), [](const Lease& a, const Lease& b) {
    return std::tie(a.address, a.mac) < std::tie(b.address, b.mac);
  });
  return leases;
}

// Runs SQL as an administrator would; returns the first column of the first row ("" if none).
std::string run_sql(const std::string& uri, const std::string& sql) {
  PGconn* conn = PQconnectdb(uri.c_str());
  EXPECT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PGresult* result = PQexec(conn, sql.c_str());
  const auto status = PQresultStatus(result);
  EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) << sql << ": " << PQerrorMessage(conn);
  std::string first = status == PGRES_TUPLES_OK && PQntuples(result) > 0 ? PQgetvalue(result, 0, 0) : "";
  PQclear(result);
  PQfinish(conn);
  return first;
}

// A fresh database per test on the server named by NETBOOT_TEST_PG_URI (its maintenance db).
class PgLeaseStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* admin = std::getenv("NETBOOT_TEST_PG_URI");
    if (admin == nullptr || *admin == '\0')
      GTEST_SKIP() << "NETBOOT_TEST_PG_URI not set: run via ctest -R test_pg_lease_store (starts PostgreSQL)";
    admin_ = admin;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    name_ = "t_" + std::to_string(::getpid()) + "_" + info->name();
    std::transform(name_.begin(), name_.end(), name_.begin(), [](unsigned char c) { return std::tolower(c); });
    name_.resize(std::min<std::size_t>(name_.size(), 60));
    run_sql(admin_, "CREATE DATABASE \"" + name_ + "\"");
    // postgresql:///postgres?host=... -> postgresql:///<name>?host=...
    uri_ = admin_;
    const auto slash = uri_.find("://") + 3;
    const auto path = uri_.find('/', slash);
    const auto end = uri_.find('?', path);
    uri_.replace(path + 1, (end == std::string::npos ? uri_.size() : end) - path - 1, name_);
  }
  void TearDown() override {
    if (!admin_.empty()) run_sql(admin_, "DROP DATABASE IF EXISTS \"" + name_ + "\" WITH (FORCE)");
  }

  std::unique_ptr<PgLeaseStore> open_ok(PostQueue& loop, PgLeaseStore::StateChange on_state = {},
                                        std::chrono::milliseconds statement_timeout = std::chrono::milliseconds(3000)) {
    PgLeaseStore::Options options;
    options.statement_timeout = statement_timeout;
    options.uri = uri_;
    options.post = loop.hook();
    options.on_state_change = std::move(on_state);
    options.retry = std::chrono::milliseconds(100);
    auto store = PgLeaseStore::open(std::move(options));
    EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().detail);
    return store ? std::move(*store) : nullptr;
  }

  // Runs posted work until `done` holds (bounded: 20 s).
  static bool run_until(PostQueue& loop, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      loop.wait_posted(loop.posted() + 1, std::chrono::seconds(1));
      loop.drain();
    }
    return true;
  }

  std::string admin_;
  std::string name_;
  std::string uri_;
};

Lease full_lease() {
  Lease lease = make_lease(mac(7), ip("192.168.1.77"), LeaseState::Bound, t0() + hours(1));
  lease.updated = t0();
  lease.uuid = Uuid::parse("01234567-89ab-cdef-0123-456789abcdef");
  lease.phase = BootPhase::Os;
  lease.hostname = "node-77 \"quoted\" \\ {braces}";
  lease.boot_file = "pxelinux.0";
  return lease;
}

TEST_F(PgLeaseStoreTest, EveryFieldSurvivesCloseAndReopen) {
  PostQueue loop;
  std::vector<Lease> committed = {
      full_lease(),
      make_lease(mac(1), ip("192.168.1.10"), LeaseState::Offered),
      make_lease(mac(2), ip("192.168.1.11"), LeaseState::Released),
      make_lease(mac(3), ip("192.168.1.12"), LeaseState::Declined),
      make_lease(mac(4), Ipv4Address::any(), LeaseState::Bound),
      make_lease(mac(5), Ipv4Address::any(), LeaseState::Bound),  // 0.0.0.0 is never unique
  };
  committed[4].phase = BootPhase::Pxe;
  {
    auto store = open_ok(loop);
    ASSERT_NE(store, nullptr);
    std::vector<Result<void>> results;
    for (const Lease& lease : committed) store->commit(lease, [&](Result<void> r) { results.push_back(r); });
    store->close();
    loop.drain();
    ASSERT_EQ(results.size(), committed.size());
    for (const auto& r : results) EXPECT_TRUE(r.has_value()) << r.error().detail;
  }
  auto reopened = open_ok(loop);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(sorted(reopened->all()), sorted(committed));
  EXPECT_EQ(reopened->find_by_mac(mac(7)), full_lease());
  EXPECT_EQ(reopened->find_by_address(ip("192.168.1.12"))->state, LeaseState::Declined);
  EXPECT_FALSE(reopened->find_by_mac(mac(3)).has_value());
}

TEST_F(PgLeaseStoreTest, ReplacementsInTheDatabaseMatchTheIndexAfterReload) {
  PostQueue loop;
  std::vector<Lease> before_close;
  {
    auto store = open_ok(loop);
    ASSERT_NE(store, nullptr);
    std::size_t failures = 0;
    auto count = [&](Result<void> r) { failures += r.has_value() ? 0 : 1; };
    store->commit(make_lease(mac(1), ip("10.0.0.10")), count);
    store->commit(make_lease(mac(1), ip("10.0.0.11")), count);                        // moves
    store->commit(make_lease(mac(2), ip("10.0.0.12"), LeaseState::Released), count);
    store->commit(make_lease(mac(3), ip("10.0.0.12")), count);                        // reuses mac 2's
    store->commit(make_lease(mac(4), ip("10.0.0.13")), count);
    store->commit(make_lease(mac(4), ip("10.0.0.13"), LeaseState::Declined), count);  // declines
    store->commit(make_lease(mac(4), ip("10.0.0.14")), count);
    before_close = sorted(store->all());
    store->close();
    loop.drain();
    EXPECT_EQ(failures, 0U);
  }
  auto reopened = open_ok(loop);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(sorted(reopened->all()), before_close);
  EXPECT_EQ(before_close.size(), 4U);
  EXPECT_FALSE(reopened->find_by_mac(mac(2)).has_value());
  EXPECT_EQ(reopened->find_by_address(ip("10.0.0.13"))->state, LeaseState::Declined);
}

TEST_F(PgLeaseStoreTest, AHeldOfferCountsAtOnceButOnlyCommitsReachTheDatabase) {
  PostQueue loop;
  {
    auto store = open_ok(loop);
    ASSERT_NE(store, nullptr);
    store->commit(make_lease(mac(1), ip("10.0.0.10")), nullptr);
    store->commit(make_lease(mac(2), ip("10.0.0.20")), nullptr);
    RecordingObserver seen;
    store->subscribe(seen);
    store->hold(make_lease(mac(1), ip("10.0.0.11"), LeaseState::Offered));
    store->hold(make_lease(mac(3), ip("10.0.0.20"), LeaseState::Offered));  // takes over mac 2's
    store->hold(make_lease(mac(4), ip("10.0.0.40"), LeaseState::Offered));
    store->commit(make_lease(mac(4), ip("10.0.0.40")), nullptr);
    store->unsubscribe(seen);
    EXPECT_EQ(store->find_by_mac(mac(1))->address, ip("10.0.0.11"));
    EXPECT_FALSE(store->find_by_mac(mac(2)).has_value());
    EXPECT_EQ(store->find_by_address(ip("10.0.0.20"))->mac, mac(3));
    EXPECT_EQ(seen.events.size(), 7U);
    store->close();
    loop.drain();
  }
  auto reopened = open_ok(loop);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(sorted(reopened->all()), sorted({make_lease(mac(1), ip("10.0.0.10")), make_lease(mac(2), ip("10.0.0.20")),
                                             make_lease(mac(4), ip("10.0.0.40"))}));
}

TEST_F(PgLeaseStoreTest, AnOfferThatTookOverAStoredLeaseIsWrittenOverIt) {
  // The allocator reuses mac 2's lapsed address for mac 3 (hold), then mac 3 is ACKed: the
  // database must let that commit replace exactly the record the offer displaced.
  PostQueue loop;
  auto store = open_ok(loop);
  ASSERT_NE(store, nullptr);
  store->commit(make_lease(mac(2), ip("10.0.0.20"), LeaseState::Released), nullptr);
  store->hold(make_lease(mac(3), ip("10.0.0.20"), LeaseState::Offered));
  std::optional<Result<void>> outcome;
  store->commit(make_lease(mac(3), ip("10.0.0.20")), [&](Result<void> r) { outcome = r; });
  ASSERT_TRUE(run_until(loop, [&] { return outcome.has_value(); }));
  EXPECT_TRUE(outcome->has_value()) << outcome->error().detail;
  EXPECT_EQ(run_sql(uri_, "SELECT string_agg(mac || '@' || address, ',') FROM netbootd_leases"),
            "52:54:00:00:00:03@10.0.0.20");
}

TEST_F(PgLeaseStoreTest, ManyLeasesComeBackWithTheSameAddressesAndNoSharedAddress) {
  PostQueue loop;
  constexpr std::uint32_t kCount = 5'000;
  const Ipv4Address base = ip("10.0.0.1");
  {
    auto store = open_ok(loop);
    ASSERT_NE(store, nullptr);
    std::size_t ok = 0;
    for (std::uint32_t i = 0; i < kCount; ++i)
      store->commit(make_lease(mac(i), base.plus(i)), [&](Result<void> r) { ok += r.has_value() ? 1 : 0; });
    for (std::uint32_t i = 0; i < 100; ++i) store->commit(make_lease(mac(kCount + i), base.plus(i * 7)), nullptr);
    store->close();
    loop.drain();
    EXPECT_EQ(ok, kCount);
    EXPECT_LT(store->stats().batches, store->stats().commits) << "commits were not grouped";
  }
  auto reopened = open_ok(loop);
  ASSERT_NE(reopened, nullptr);
  const auto leases = reopened->all();
  EXPECT_EQ(leases.size(), kCount);
  std::map<Ipv4Address, MacAddress> holders;
  for (const Lease& lease : leases)
    EXPECT_TRUE(holders.emplace(lease.address, lease.mac).second) << lease.address.to_string() << " held twice";
  for (std::uint32_t i = 0; i < kCount; ++i) {
    const MacAddress expected = i % 7 == 0 && i / 7 < 100 ? mac(kCount + i / 7) : mac(i);
    ASSERT_EQ(holders.at(base.plus(i)), expected) << i;
  }
}

TEST_F(PgLeaseStoreTest, CompletionNeverRunsInsideCommit) {
  PostQueue loop;
  auto store = open_ok(loop);
  ASSERT_NE(store, nullptr);
  bool done = false;
  store->commit(make_lease(mac(1), ip("10.0.0.1")), [&](Result<void>) { done = true; });
  EXPECT_TRUE(store->find_by_mac(mac(1)).has_value()) << "the index changes at once";
  EXPECT_FALSE(done);
  ASSERT_TRUE(loop.wait_posted(1));
  EXPECT_FALSE(done) << "posted, not run";
  loop.drain();
  EXPECT_TRUE(done);
}

TEST_F(PgLeaseStoreTest, ACompletionIsPostedOnlyOnceTheRowIsCommitted) {
  PostQueue loop;
  auto store = open_ok(loop);
  ASSERT_NE(store, nullptr);
  std::optional<std::string> seen_by_admin;
  store->commit(make_lease(mac(9), ip("10.0.0.9")), [&](Result<void> r) {
    ASSERT_TRUE(r.has_value());
    // Another connection sees it: committed, not merely inside an open transaction.
    seen_by_admin = run_sql(uri_, "SELECT address FROM netbootd_leases WHERE mac = '52:54:00:00:00:09'");
  });
  ASSERT_TRUE(run_until(loop, [&] { return seen_by_admin.has_value(); }));
  EXPECT_EQ(*seen_by_admin, "10.0.0.9");
}

TEST_F(PgLeaseStoreTest, CommitAfterCloseFailsAndChangesNothing) {
  PostQueue loop;
  auto store = open_ok(loop);
  ASSERT_NE(store, nullptr);
  store->close();
  store->close();
  std::optional<Result<void>> outcome;
  store->commit(make_lease(mac(1), ip("10.0.0.1")), [&](Result<void> r) { outcome = r; });
  EXPECT_FALSE(outcome.has_value());
  loop.drain();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_FALSE(outcome->has_value());
  EXPECT_FALSE(store->find_by_mac(mac(1)).has_value());
}

TEST_F(PgLeaseStoreTest, CreatesTheSchemaWithItsVersionRow) {
  PostQueue loop;
  ASSERT_NE(open_ok(loop), nullptr);
  EXPECT_EQ(run_sql(uri_, "SELECT version FROM netbootd_schema"), std::to_string(PgLeaseStore::kSchemaVersion));
  EXPECT_EQ(run_sql(uri_, "SELECT count(*) FROM netbootd_leases"), "0");
  ASSERT_NE(open_ok(loop), nullptr) << "a second start finds the schema and keeps it";
  EXPECT_EQ(run_sql(uri_, "SELECT count(*) FROM netbootd_schema"), "1");
}

// Issue 18: the relay agent's circuit-id and remote-id (option 82) are kept, bytes exact, and
// reach the other servers with the lease.
TEST_F(PgLeaseStoreTest, RelayAgentIdsSurviveAndReachTheOtherServers) {
  PostQueue loop_a;
  PostQueue loop_b;
  auto a = open_ok(loop_a);
  auto b = open_ok(loop_b);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Lease relayed = make_lease(mac(8), ip("10.12.0.100"));
  relayed.circuit_id = "eth1";
  relayed.remote_id = std::string("\x00\xff'\\", 4);
  relayed.relay_address = ip("10.12.0.1");
  std::optional<Result<void>> done;
  a->commit(relayed, [&](Result<void> r) { done = r; });
  ASSERT_TRUE(run_until(loop_a, [&] { return done.has_value(); }));
  ASSERT_TRUE(done->has_value()) << done->error().detail;
  ASSERT_TRUE(run_until(loop_b, [&] { return b->find_by_mac(mac(8)) == relayed; }));
  a->close();
  b->close();
  auto reopened = open_ok(loop_a);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->find_by_mac(mac(8)), relayed);
}

// A database of schema 1 (before issue 18) is upgraded at start and keeps its leases.
TEST_F(PgLeaseStoreTest, ASchemaOneDatabaseIsUpgradedKeepingItsLeases) {
  PostQueue loop;
  ASSERT_NE(open_ok(loop), nullptr);
  // Back to what a version 1 netbootd created, with one lease written by its 11-argument function.
  run_sql(uri_, "DROP FUNCTION netbootd_put(text, text, smallint, bigint, bigint, text, smallint, text, text, text, "
                "bigint, bytea, bytea, text)");
  run_sql(uri_, "ALTER TABLE netbootd_leases DROP COLUMN circuit_id, DROP COLUMN remote_id, DROP COLUMN relay_address");
  run_sql(uri_, "UPDATE netbootd_schema SET version = 1");
  run_sql(uri_, "SELECT netbootd_put('52:54:00:00:00:01', '10.0.0.5', 1::smallint, 1900000000000000000, "
                "1800000000000000000, NULL, 2::smallint, 'old', 'pxelinux.0', NULL, NULL)");
  auto store = open_ok(loop);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(run_sql(uri_, "SELECT version FROM netbootd_schema"), "2");
  ASSERT_TRUE(store->find_by_mac(mac(1)).has_value());
  EXPECT_EQ(store->find_by_mac(mac(1))->hostname, "old");
  Lease relayed = make_lease(mac(2), ip("10.0.0.6"));
  relayed.circuit_id = "vlan12";
  relayed.relay_address = ip("10.0.0.1");
  std::optional<Result<void>> done;
  store->commit(relayed, [&](Result<void> r) { done = r; });
  ASSERT_TRUE(run_until(loop, [&] { return done.has_value(); }));
  EXPECT_TRUE(done->has_value());
  EXPECT_EQ(run_sql(uri_, "SELECT convert_from(circuit_id, 'UTF8') FROM netbootd_leases WHERE mac = '52:54:00:00:00:02'"),
            "vlan12");
  EXPECT_EQ(run_sql(uri_, "SELECT relay_address FROM netbootd_leases WHERE mac = '52:54:00:00:00:02'"), "10.0.0.1");
}

// `netbootd leases` on a PostgreSQL lease_file: every committed lease with what it keeps of
// its relay, read in a read-only transaction (nothing created, upgraded or written).
TEST_F(PgLeaseStoreTest, ReadPgLeasesListsEveryFieldWithoutWriting) {
  auto nothing = read_pg_leases(uri_ + "&password=hunter2");
  ASSERT_FALSE(nothing.has_value()) << "an empty database is no lease database";
  EXPECT_NE(nothing.error().detail.find("no netbootd_schema table"), std::string::npos) << nothing.error().detail;
  EXPECT_EQ(nothing.error().detail.find("hunter2"), std::string::npos) << nothing.error().detail;
  EXPECT_EQ(run_sql(uri_, "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'netbootd%'"), "0") << "nothing created";

  PostQueue loop;
  auto store = open_ok(loop);
  ASSERT_NE(store, nullptr);
  Lease relayed = make_lease(mac(8), ip("10.12.0.100"));
  relayed.circuit_id = "eth1";
  relayed.remote_id = std::string("\x00\xff'\x1b", 4);
  relayed.relay_address = ip("10.12.0.1");
  const std::vector<Lease> committed{full_lease(), relayed};
  int done = 0;
  for (const Lease& lease : committed) store->commit(lease, [&](Result<void> r) { done += r.has_value() ? 1 : 100; });
  ASSERT_TRUE(run_until(loop, [&] { return done >= 2; }));
  ASSERT_EQ(done, 2);
  const auto listed = read_pg_leases(uri_);
  ASSERT_TRUE(listed.has_value()) << listed.error().detail;
  EXPECT_EQ(sorted(*listed), sorted(committed));

  // Schema 1 (no relay columns) is listed as it is, not upgraded.
  store->close();
  run_sql(uri_, "DROP FUNCTION netbootd_put(text, text, smallint, bigint, bigint, text, smallint, text, text, text, "
                "bigint, bytea, bytea, text)");
  run_sql(uri_, "ALTER TABLE netbootd_leases DROP COLUMN circuit_id, DROP COLUMN remote_id, DROP COLUMN relay_address");
  run_sql(uri_, "UPDATE netbootd_schema SET version = 1");
  const auto old = read_pg_leases(uri_);
  ASSERT_TRUE(old.has_value()) << old.error().detail;
  ASSERT_EQ(old->size(), 2u);
  EXPECT_EQ(run_sql(uri_, "SELECT version FROM netbootd_schema"), "1") << "left as it was";
  for (const Lease& lease : *old) EXPECT_TRUE(lease.relay_address.is_unspecified() && lease.circuit_id.empty());

  run_sql(uri_, "UPDATE netbootd_schema SET version = 3");
  const auto newer = read_pg_leases(uri_);
  ASSERT_FALSE(newer.has_value());
  EXPECT_NE(newer.error().detail.find("schema version 3 is newer than this netbootd understands (2)"), std::string::npos)
      << newer.error().detail;
}

TEST_F(PgLeaseStoreTest, RefusesANewerSchemaAtStartWithAClearMessageAndNoPassword) {
  PostQueue loop;
  ASSERT_NE(open_ok(loop), nullptr);
  run_sql(uri_, "UPDATE netbootd_schema SET version = 3");
  PgLeaseStore::Options options;
  options.uri = uri_ + "&password=hunter2";  // trust auth ignores it; it must not be shown
  options.post = loop.hook();
  auto refused = PgLeaseStore::open(std::move(options));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, Errc::Io);
  EXPECT_NE(refused.error().detail.find("schema version 3 is newer than this netbootd understands (2)"),
            std::string::npos)
      << refused.error().detail;
  EXPECT_EQ(refused.error().detail.find("hunter2"), std::string::npos) << refused.error().detail;
  EXPECT_EQ(run_sql(uri_, "SELECT version FROM netbootd_schema"), "3") << "left as it was";
}

TEST_F(PgLeaseStoreTest, RefusesATableItDidNotCreate) {
  run_sql(uri_, "CREATE TABLE netbootd_leases (x int)");
  PgLeaseStore::Options options;
  options.uri = uri_;
  PostQueue loop;
  options.post = loop.hook();
  auto refused = PgLeaseStore::open(std::move(options));
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().detail.find("not a netbootd lease database"), std::string::npos) << refused.error().detail;
}

TEST_F(PgLeaseStoreTest, AnUnreachableServerIsAnErrorAtStartWithoutThePassword) {
  PgLeaseStore::Options options;
  options.uri = "postgresql://netbootd:hunter2@/nothing?host=/nonexistent-netbootd-socket-dir";
  PostQueue loop;
  options.post = loop.hook();
  auto refused = PgLeaseStore::open(std::move(options));
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().detail.find("lease database postgresql://netbootd:***@/nothing"), std::string::npos)
      << refused.error().detail;
  EXPECT_EQ(refused.error().detail.find("hunter2"), std::string::npos);
}

TEST_F(PgLeaseStoreTest, TwoStoresNeverGiveOneAddressToTwoMacs) {
  PostQueue loop_a;
  PostQueue loop_b;
  auto a = open_ok(loop_a);
  auto b = open_ok(loop_b);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  // Neither knows of the other's commit yet: both think 10.0.0.50 is free.
  std::optional<Result<void>> from_a;
  std::optional<Result<void>> from_b;
  a->commit(make_lease(mac(1), ip("10.0.0.50")), [&](Result<void> r) { from_a = r; });
  b->commit(make_lease(mac(2), ip("10.0.0.50")), [&](Result<void> r) { from_b = r; });
  ASSERT_TRUE(run_until(loop_a, [&] { return from_a.has_value(); }));
  ASSERT_TRUE(run_until(loop_b, [&] { return from_b.has_value(); }));
  EXPECT_NE(from_a->has_value(), from_b->has_value()) << "exactly one wins";
  const Errc refused = from_a->has_value() ? from_b->error().code : from_a->error().code;
  EXPECT_EQ(refused, Errc::Busy);
  const MacAddress winner = from_a->has_value() ? mac(1) : mac(2);
  EXPECT_EQ(run_sql(uri_, "SELECT mac FROM netbootd_leases WHERE address = '10.0.0.50'"), winner.to_string(':'));
  EXPECT_EQ(run_sql(uri_, "SELECT count(*) FROM netbootd_leases"), "1");
  // The loser's index is corrected from the database: both now name the winner.
  ASSERT_TRUE(run_until(loop_a, [&] { return a->find_by_address(ip("10.0.0.50"))->mac == winner; }));
  ASSERT_TRUE(run_until(loop_b, [&] { return b->find_by_address(ip("10.0.0.50"))->mac == winner; }));
}

TEST_F(PgLeaseStoreTest, AnAddressAnotherStoreGaveAwayIsNotTakenByAStaleIndex) {
  PostQueue loop_a;
  PostQueue loop_b;
  auto a = open_ok(loop_a);
  auto b = open_ok(loop_b);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  std::optional<Result<void>> from_a;
  a->commit(make_lease(mac(1), ip("10.0.0.55")), [&](Result<void> r) { from_a = r; });
  ASSERT_TRUE(run_until(loop_a, [&] { return from_a.has_value(); }));
  ASSERT_TRUE(from_a->has_value());
  // b's loop has not run: its index has not heard of a's lease and thinks the address free.
  ASSERT_FALSE(b->find_by_address(ip("10.0.0.55")).has_value());
  std::optional<Result<void>> from_b;
  b->commit(make_lease(mac(2), ip("10.0.0.55")), [&](Result<void> r) { from_b = r; });
  ASSERT_TRUE(run_until(loop_b, [&] { return from_b.has_value(); }));
  ASSERT_FALSE(from_b->has_value()) << "a committed lease of another server was replaced";
  EXPECT_EQ(from_b->error().code, Errc::Busy);
  EXPECT_EQ(run_sql(uri_, "SELECT mac FROM netbootd_leases WHERE address = '10.0.0.55'"), mac(1).to_string(':'));
  ASSERT_TRUE(run_until(loop_b, [&] { return b->find_by_address(ip("10.0.0.55"))->mac == mac(1); }));
  EXPECT_GE(b->stats().conflicts, 1U);
}

// The writer sends a whole batch as one statement (netbootd_put over arrays): each lease keeps
// its own verdict (one refused in the middle leaves its neighbours written) and the leases
// apply in commit order (a MAC that moves twice in one batch ends at its last address).
TEST_F(PgLeaseStoreTest, OneBatchKeepsEachLeasesVerdictAndTheCommitOrder) {
  PostQueue loop_a;
  PostQueue loop_b;
  auto a = open_ok(loop_a);
  auto b = open_ok(loop_b);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  std::optional<Result<void>> from_a;
  a->commit(make_lease(mac(1), ip("10.0.0.55")), [&](Result<void> r) { from_a = r; });
  ASSERT_TRUE(run_until(loop_a, [&] { return from_a.has_value(); }));
  ASSERT_TRUE(from_a->has_value());
  // b's loop has not run: its index thinks 10.0.0.55 free. Everything below is queued before
  // b's writer wakes (its 2 ms group window), so it goes out as one batch.
  const std::vector<Lease> leases = {make_lease(mac(2), ip("10.0.0.54")), make_lease(mac(3), ip("10.0.0.55")),
                                     make_lease(mac(4), ip("10.0.0.56")), make_lease(mac(2), ip("10.0.0.57"))};
  std::vector<std::optional<Result<void>>> results(leases.size());
  for (std::size_t i = 0; i < leases.size(); ++i)
    b->commit(leases[i], [&results, i](Result<void> r) { results[i] = r; });
  ASSERT_TRUE(run_until(loop_b, [&] {
    return std::all_of(results.begin(), results.end(), [](const auto& r) { return r.has_value(); });
  }));
  EXPECT_TRUE(results[0]->has_value());
  ASSERT_FALSE(results[1]->has_value()) << "another server's address was taken";
  EXPECT_EQ(results[1]->error().code, Errc::Busy);
  EXPECT_TRUE(results[2]->has_value());
  EXPECT_TRUE(results[3]->has_value());
  EXPECT_EQ(run_sql(uri_, "SELECT string_agg(address || '=' || mac, ' ' ORDER BY address) FROM netbootd_leases"),
            "10.0.0.55=" + mac(1).to_string(':') + " 10.0.0.56=" + mac(4).to_string(':') + " 10.0.0.57=" +
                mac(2).to_string(':'));
  EXPECT_EQ(b->stats().conflicts, 1U);
}

// close() while the listener reads the rows another server announced: the read ends (the stop
// pipe) and so does the listener. It used to reconnect, find the stop pipe readable again, fail
// its whole-table read at once and reconnect forever: close() never returned (seen as a hung
// unit test, and a PostgreSQL log full of "connection to client lost").
TEST_F(PgLeaseStoreTest, CloseWhileTheListenerReadsAnnouncedRowsReturns) {
  PostQueue loop;
  auto store = open_ok(loop);
  ASSERT_NE(store, nullptr);
  // Another session holds the table, so the listener's read of the announced row waits.
  PGconn* locker = PQconnectdb(uri_.c_str());
  ASSERT_EQ(PQstatus(locker), CONNECTION_OK) << PQerrorMessage(locker);
  PQclear(PQexec(locker, "BEGIN; LOCK TABLE netbootd_leases IN ACCESS EXCLUSIVE MODE"));
  const auto readers_waiting = [&] {
    return std::stoi(run_sql(uri_, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'netbootd' "
                                   "AND wait_event_type = 'Lock'"));
  };
  run_sql(uri_, "SELECT pg_notify('netbootd_leases', '1')");  // "another server wrote row 1"
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (readers_waiting() != 1) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the listener never waited for the locked table";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto closing = std::async(std::launch::async, [&] { store->close(); });
  // Either close() returns, or the listener reconnected after being stopped (a second reader
  // waits for the table: the bug). The lock is then let go: a listener that reconnects again
  // and again no longer piles up waiting backends (which used to end it at max_connections).
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (closing.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready &&
         std::chrono::steady_clock::now() < deadline && readers_waiting() < 2) {
  }
  PQclear(PQexec(locker, "ROLLBACK"));
  PQfinish(locker);
  if (closing.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "close() did not return within 10 s: the listener keeps reconnecting";
    std::_Exit(1);  // the listener thread never ends: nothing else can be torn down
  }
}

TEST_F(PgLeaseStoreTest, AMacKeepsItsAddressWhicheverStoreIsAsked) {
  PostQueue loop_a;
  PostQueue loop_b;
  auto a = open_ok(loop_a);
  auto b = open_ok(loop_b);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  std::optional<Result<void>> done;
  a->commit(make_lease(mac(1), ip("10.0.0.61")), [&](Result<void> r) { done = r; });
  ASSERT_TRUE(run_until(loop_a, [&] { return done.has_value(); }));
  // b follows a's write (LISTEN/NOTIFY) without a restart.
  ASSERT_TRUE(run_until(loop_b, [&] { return b->find_by_mac(mac(1)).has_value(); }));
  EXPECT_EQ(b->find_by_mac(mac(1))->address, ip("10.0.0.61"));
  EXPECT_GE(b->stats().remote_updates, 1U);
  EXPECT_EQ(a->stats().remote_updates, 0U) << "its own write is not news to a";
  // And b's later renewal of that client replaces it in place.
  done.reset();
  Lease renewed = make_lease(mac(1), ip("10.0.0.61"), LeaseState::Bound, t0() + hours(48));
  b->commit(renewed, [&](Result<void> r) { done = r; });
  ASSERT_TRUE(run_until(loop_b, [&] { return done.has_value(); }));
  EXPECT_TRUE(done->has_value());
  ASSERT_TRUE(run_until(loop_a, [&] { return a->find_by_mac(mac(1)) == renewed; }));
}

TEST_F(PgLeaseStoreTest, UnreachableRenewalsAnsweredFromMemoryNewAddressesRefusedThenResumes) {
  PostQueue loop;
  std::vector<bool> states;
  auto store = open_ok(loop, [&](bool reachable, const std::string&) { states.push_back(reachable); });
  ASSERT_NE(store, nullptr);
  std::optional<Result<void>> done;
  store->commit(make_lease(mac(1), ip("10.0.0.71")), [&](Result<void> r) { done = r; });
  ASSERT_TRUE(run_until(loop, [&] { return done.has_value(); }));
  ASSERT_TRUE(done->has_value());

  // The database goes away: no new connection, every existing one cut.
  run_sql(admin_, "ALTER DATABASE \"" + name_ + "\" ALLOW_CONNECTIONS false");
  run_sql(admin_, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '" + name_ + "'");
  // The first write after that finds out (the renewal itself is answered from memory).
  std::vector<Result<void>> renewals;
  Lease renewed = make_lease(mac(1), ip("10.0.0.71"), LeaseState::Bound, t0() + hours(30));
  store->commit(renewed, [&](Result<void> r) { renewals.push_back(r); });
  ASSERT_TRUE(run_until(loop, [&] { return renewals.size() == 1; }));
  EXPECT_TRUE(renewals[0].has_value());
  ASSERT_TRUE(run_until(loop, [&] { return !store->reachable(); }));
  EXPECT_EQ(states, std::vector<bool>{false});

  // While unreachable: a new client is refused at once and the index does not change...
  std::optional<Result<void>> fresh;
  store->commit(make_lease(mac(2), ip("10.0.0.72")), [&](Result<void> r) { fresh = r; });
  EXPECT_FALSE(store->find_by_mac(mac(2)).has_value());
  ASSERT_TRUE(run_until(loop, [&] { return fresh.has_value(); }));
  ASSERT_FALSE(fresh->has_value());
  EXPECT_NE(fresh->error().detail.find("unreachable"), std::string::npos);
  // ...while the known client's next renewal is still answered.
  Lease renewed_again = make_lease(mac(1), ip("10.0.0.71"), LeaseState::Bound, t0() + hours(36));
  store->commit(renewed_again, [&](Result<void> r) { renewals.push_back(r); });
  ASSERT_TRUE(run_until(loop, [&] { return renewals.size() == 2; }));
  EXPECT_TRUE(renewals[1].has_value());
  EXPECT_GE(store->stats().from_memory, 2U);
  EXPECT_EQ(states, std::vector<bool>{false}) << "one state change, not one per write";

  // Back: the store reconnects by itself and writes the renewal it answered from memory.
  run_sql(admin_, "ALTER DATABASE \"" + name_ + "\" ALLOW_CONNECTIONS true");
  ASSERT_TRUE(run_until(loop, [&] { return store->reachable(); }));
  EXPECT_EQ(states, (std::vector<bool>{false, true}));
  std::optional<Result<void>> after;
  store->commit(make_lease(mac(2), ip("10.0.0.72")), [&](Result<void> r) { after = r; });
  ASSERT_TRUE(run_until(loop, [&] { return after.has_value(); }));
  EXPECT_TRUE(after->has_value());
  EXPECT_EQ(run_sql(uri_, "SELECT expires FROM netbootd_leases WHERE mac = '52:54:00:00:00:01'"),
            std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   renewed_again.expires.time_since_epoch())
                                   .count()));
}

TEST_F(PgLeaseStoreTest, ADatabaseThatStopsAnsweringIsUnreachableWithinTheTimeoutNotForever) {
  PostQueue loop;
  std::vector<bool> states;
  auto store = open_ok(loop, [&](bool reachable, const std::string&) { states.push_back(reachable); },
                       std::chrono::milliseconds(300));
  ASSERT_NE(store, nullptr);
  std::optional<Result<void>> done;
  store->commit(make_lease(mac(1), ip("10.0.0.81")), [&](Result<void> r) { done = r; });
  ASSERT_TRUE(run_until(loop, [&] { return done.has_value(); }));
  ASSERT_TRUE(done->has_value());
  // Freeze the backends serving this store (a hung host, a stopped process): no statement
  // timeout fires and a unix socket has no keepalive; only the store's own bound can tell.
  std::vector<int> frozen;
  std::string pids = run_sql(admin_, "SELECT string_agg(pid::text, ',') FROM pg_stat_activity WHERE datname = '" +
                                         name_ + "' AND application_name = 'netbootd'");
  for (std::size_t at = 0; at < pids.size();) {
    const std::size_t end = std::min(pids.find(',', at), pids.size());
    const int pid = std::stoi(pids.substr(at, end - at));
    if (::kill(pid, SIGSTOP) != 0) {
      for (int thawed : frozen) ::kill(thawed, SIGCONT);
      GTEST_SKIP() << "cannot stop PostgreSQL backend " << pid << " (not root?)";
    }
    frozen.push_back(pid);
    at = end + 1;
  }
  ASSERT_EQ(frozen.size(), 2U) << "the writer's and the listener's connections: " << pids;
  const auto asked = std::chrono::steady_clock::now();
  std::optional<Result<void>> renewal;
  store->commit(make_lease(mac(1), ip("10.0.0.81"), LeaseState::Bound, t0() + hours(30)),
                [&](Result<void> r) { renewal = r; });
  const bool answered = run_until(loop, [&] { return renewal.has_value(); });
  const auto waited = std::chrono::steady_clock::now() - asked;
  for (int pid : frozen) ::kill(pid, SIGCONT);
  ASSERT_TRUE(answered) << "a renewal waited for a frozen database";
  EXPECT_TRUE(renewal->has_value()) << "answered from memory";
  EXPECT_LT(waited, std::chrono::seconds(5));
  EXPECT_FALSE(store->reachable());
  EXPECT_EQ(states, std::vector<bool>{false});
  // Thawed, the store comes back by itself.
  ASSERT_TRUE(run_until(loop, [&] { return store->reachable(); }));
  std::optional<Result<void>> fresh;
  store->commit(make_lease(mac(2), ip("10.0.0.82")), [&](Result<void> r) { fresh = r; });
  ASSERT_TRUE(run_until(loop, [&] { return fresh.has_value(); }));
  EXPECT_TRUE(fresh->has_value());
  EXPECT_EQ(states, (std::vector<bool>{false, true}));
}

}  // namespace
}  // namespace netboot::lease
