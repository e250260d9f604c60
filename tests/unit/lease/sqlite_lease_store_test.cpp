#include "lease/sqlite_lease_store.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <future>
#include <map>
#include <thread>

#include "unit/lease/lease_test_support.hpp"

namespace netboot::lease {
namespace {

using namespace testing;  // NOLINT: test helpers
using std::chrono::hours;
using std::chrono::seconds;

std::vector<Lease> sorted(std::vector<Lease> leases) {
  std::sort(leases.begin(), leases.end(), [](const Lease& a, const Lease& b) {
    return std::tie(a.address, a.mac) < std::tie(b.address, b.mac);
  });
  return leases;
}

std::unique_ptr<SqliteLeaseStore> open_ok(const std::filesystem::path& path, PostQueue& loop) {
  auto store = SqliteLeaseStore::open(path, loop.hook());
  EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().detail);
  return store ? std::move(*store) : nullptr;
}

// Runs SQL on a lease file directly, as an administrator (or a bad disk) would.
void run_sql(const std::filesystem::path& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  EXPECT_EQ(rc, SQLITE_OK) << (message != nullptr ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

Lease full_lease() {
  Lease lease = make_lease(mac(7), ip("192.168.1.77"), LeaseState::Bound, t0() + hours(1));
  lease.updated = t0();
  lease.uuid = Uuid::parse("01234567-89ab-cdef-0123-456789abcdef");
  lease.phase = BootPhase::Os;
  lease.hostname = "node-77";
  lease.boot_file = "pxelinux.0";
  return lease;
}

TEST(SqliteLeaseStore, EveryFieldSurvivesCloseAndReopen) {
  TempDir dir;
  const auto path = dir.path() / "leases.db";
  PostQueue loop;
  std::vector<Lease> committed = {
      full_lease(),
      make_lease(mac(1), ip("192.168.1.10"), LeaseState::Offered),
      make_lease(mac(2), ip("192.168.1.11"), LeaseState::Released),
      make_lease(mac(3), ip("192.168.1.12"), LeaseState::Declined),
      make_lease(mac(4), Ipv4Address::any(), LeaseState::Bound),  // remembers a boot phase only
  };
  committed[4].phase = BootPhase::Pxe;
  {
    auto store = open_ok(path, loop);
    ASSERT_NE(store, nullptr);
    std::vector<Result<void>> results;
    for (const Lease& lease : committed) store->commit(lease, [&](Result<void> r) { results.push_back(r); });
    store->close();
    loop.drain();
    ASSERT_EQ(results.size(), committed.size());
    for (const auto& r : results) EXPECT_TRUE(r.has_value());
  }
  auto reopened = open_ok(path, loop);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(sorted(reopened->all()), sorted(committed));
  EXPECT_EQ(reopened->find_by_mac(mac(7)), full_lease());
  EXPECT_EQ(reopened->find_by_address(ip("192.168.1.12"))->state, LeaseState::Declined);
  EXPECT_FALSE(reopened->find_by_mac(mac(3)).has_value());
}

TEST(SqliteLeaseStore, ReplacementsOnDiskMatchTheIndexAfterReload) {
  TempDir dir;
  const auto path = dir.path() / "leases.db";
  PostQueue loop;
  std::vector<Lease> before_close;
  {
    auto store = open_ok(path, loop);
    ASSERT_NE(store, nullptr);
    store->commit(make_lease(mac(1), ip("10.0.0.10")), nullptr);
    store->commit(make_lease(mac(1), ip("10.0.0.11")), nullptr);                        // moves
    store->commit(make_lease(mac(2), ip("10.0.0.12"), LeaseState::Released), nullptr);
    store->commit(make_lease(mac(3), ip("10.0.0.12")), nullptr);                        // reuses mac 2's
    store->commit(make_lease(mac(4), ip("10.0.0.13")), nullptr);
    store->commit(make_lease(mac(4), ip("10.0.0.13"), LeaseState::Declined), nullptr);  // declines
    store->commit(make_lease(mac(4), ip("10.0.0.14")), nullptr);
    before_close = sorted(store->all());
  }  // the destructor flushes
  auto reopened = open_ok(path, loop);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(sorted(reopened->all()), before_close);
  EXPECT_EQ(before_close.size(), 4U);
  EXPECT_FALSE(reopened->find_by_mac(mac(2)).has_value());
  EXPECT_EQ(reopened->find_by_address(ip("10.0.0.13"))->state, LeaseState::Declined);
}

TEST(SqliteLeaseStore, AHeldOfferCountsAtOnceButOnlyCommitsReachTheFile) {
  TempDir dir;
  const auto path = dir.path() / "leases.db";
  PostQueue loop;
  {
    auto store = open_ok(path, loop);
    ASSERT_NE(store, nullptr);
    store->commit(make_lease(mac(1), ip("10.0.0.10")), nullptr);
    store->commit(make_lease(mac(2), ip("10.0.0.20")), nullptr);
    RecordingObserver seen;
    store->subscribe(seen);
    store->hold(make_lease(mac(1), ip("10.0.0.11"), LeaseState::Offered));  // moves, in memory
    store->hold(make_lease(mac(3), ip("10.0.0.20"), LeaseState::Offered));  // takes over mac 2's
    store->hold(make_lease(mac(4), ip("10.0.0.40"), LeaseState::Offered));
    store->commit(make_lease(mac(4), ip("10.0.0.40")), nullptr);            // then ACKed: written
    store->unsubscribe(seen);
    // The index and the allocator see every change at once.
    EXPECT_EQ(store->find_by_mac(mac(1))->address, ip("10.0.0.11"));
    EXPECT_FALSE(store->find_by_address(ip("10.0.0.10")).has_value());
    EXPECT_FALSE(store->find_by_mac(mac(2)).has_value());
    EXPECT_EQ(store->find_by_address(ip("10.0.0.20"))->mac, mac(3));
    auto event = [](char sign, const Lease& lease) { return sign + RecordingObserver::describe(lease); };
    EXPECT_EQ(seen.events, (std::vector<std::string>{
                               event('-', make_lease(mac(1), ip("10.0.0.10"))),
                               event('+', make_lease(mac(1), ip("10.0.0.11"), LeaseState::Offered)),
                               event('-', make_lease(mac(2), ip("10.0.0.20"))),
                               event('+', make_lease(mac(3), ip("10.0.0.20"), LeaseState::Offered)),
                               event('+', make_lease(mac(4), ip("10.0.0.40"), LeaseState::Offered)),
                               event('-', make_lease(mac(4), ip("10.0.0.40"), LeaseState::Offered)),
                               event('+', make_lease(mac(4), ip("10.0.0.40"))),
                           }));
  }
  // The file has only the commits: a restart forgets the offers and nothing else.
  auto reopened = open_ok(path, loop);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(sorted(reopened->all()), sorted({make_lease(mac(1), ip("10.0.0.10")), make_lease(mac(2), ip("10.0.0.20")),
                                             make_lease(mac(4), ip("10.0.0.40"))}));
}

TEST(SqliteLeaseStore, FiftyThousandLeasesComeBackWithTheSameAddressesAndNoSharedAddress) {
  TempDir dir;
  const auto path = dir.path() / "leases.db";
  PostQueue loop;
  constexpr std::uint32_t kCount = 50'000;
  const Ipv4Address base = ip("10.0.0.1");
  {
    auto store = open_ok(path, loop);
    ASSERT_NE(store, nullptr);
    std::size_t ok = 0;
    for (std::uint32_t i = 0; i < kCount; ++i) {
      store->commit(make_lease(mac(i), base.plus(i)), [&](Result<void> r) { ok += r.has_value() ? 1 : 0; });
    }
    // Then 1,000 clients take over addresses of others: reuse must not leave two holders on disk.
    for (std::uint32_t i = 0; i < 1000; ++i) store->commit(make_lease(mac(kCount + i), base.plus(i * 7)), nullptr);
    store->close();
    loop.drain();
    EXPECT_EQ(ok, kCount);
    EXPECT_LT(store->stats().batches, store->stats().commits) << "commits were not grouped";
  }
  auto reopened = open_ok(path, loop);
  ASSERT_NE(reopened, nullptr);
  const auto leases = reopened->all();
  EXPECT_EQ(leases.size(), kCount);
  std::map<Ipv4Address, MacAddress> holders;
  for (const Lease& lease : leases) {
    EXPECT_TRUE(holders.emplace(lease.address, lease.mac).second) << lease.address.to_string() << " held twice";
  }
  for (std::uint32_t i = 0; i < kCount; ++i) {
    const MacAddress expected = i % 7 == 0 && i / 7 < 1000 ? mac(kCount + i / 7) : mac(i);
    ASSERT_EQ(holders.at(base.plus(i)), expected) << i;
  }
}

TEST(SqliteLeaseStore, GroupsEverythingQueuedDuringAWriteIntoOneTransaction) {
  TempDir dir;
  PostQueue loop;
  // The post hook blocks the writer after its first batch until every other commit is queued,
  // which makes the batching deterministic: batch 1 = {first}, batch 2 = {the other 999}.
  std::mutex gate;
  std::unique_lock hold(gate);
  std::atomic<int> posts{0};
  std::promise<void> first_batch_written;
  Post blocking = [&, inner = loop.hook()](std::function<void()> work) {
    if (posts.fetch_add(1) == 0) {
      first_batch_written.set_value();
      std::lock_guard wait(gate);
    }
    inner(std::move(work));
  };
  auto opened = SqliteLeaseStore::open(dir.path() / "leases.db", blocking);
  ASSERT_TRUE(opened.has_value()) << opened.error().detail;
  auto& store = **opened;
  std::size_t completions = 0;
  auto count = [&](Result<void> r) { completions += r.has_value() ? 1 : 0; };
  store.commit(make_lease(mac(0), ip("10.1.0.0")), count);
  const bool written = first_batch_written.get_future().wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  if (!written || posts.load() != 1) {
    hold.unlock();  // let the writer go, or close() would wait for it forever
    FAIL() << "first batch never finished";
  }
  for (std::uint32_t i = 1; i < 1000; ++i) store.commit(make_lease(mac(i), ip("10.1.0.0").plus(i)), count);
  hold.unlock();
  store.close();
  EXPECT_EQ(loop.drain(), 2U) << "one post per batch";
  EXPECT_EQ(completions, 1000U);
  EXPECT_EQ(store.stats().batches, 2U);
  EXPECT_EQ(store.stats().commits, 1000U);
  EXPECT_EQ(store.stats().failed_batches, 0U);
}

// write_batch skips a lease that a later lease of the same MAC and address in the same batch
// supersedes; the file must still end exactly like the index, whatever came in between.
TEST(SqliteLeaseStore, ALeaseSupersededInItsBatchLeavesTheSameFile) {
  TempDir dir;
  const auto path = dir.path() / "leases.db";
  PostQueue loop;
  std::vector<Lease> before_close;
  {
    auto store = open_ok(path, loop);
    ASSERT_NE(store, nullptr);
    store->commit(make_lease(mac(90), ip("10.2.0.9")), nullptr);  // older holders of .9 and .6, in the file
    store->commit(make_lease(mac(91), ip("10.2.0.6")), nullptr);
    store->close();
  }
  {
    auto store = open_ok(path, loop);
    ASSERT_NE(store, nullptr);
    struct Case {
      std::uint32_t mac;
      const char* address;
      LeaseState state;
    };
    const std::vector<Case> sequence = {
        {1, "10.2.0.1", LeaseState::Offered}, {1, "10.2.0.1", LeaseState::Bound},     // DORA
        {2, "10.2.0.2", LeaseState::Offered}, {3, "10.2.0.2", LeaseState::Offered},   // taken over...
        {2, "10.2.0.2", LeaseState::Bound},                                           // ...and back
        {4, "10.2.0.4", LeaseState::Bound},   {4, "10.2.0.5", LeaseState::Declined},  // declined between
        {4, "10.2.0.4", LeaseState::Bound},
        {5, "10.2.0.9", LeaseState::Offered}, {5, "10.2.0.9", LeaseState::Bound},     // takes .9 from mac 90
        {6, "10.2.0.6", LeaseState::Offered}, {6, "10.2.0.7", LeaseState::Bound},     // takes .6 from 91, moves on: both written
    };
    // Queued back to back: the writer's group commit window puts them in one or two batches.
    for (const Case& c : sequence) store->commit(make_lease(mac(c.mac), ip(c.address), c.state), nullptr);
    before_close = sorted(store->all());
    store->close();
    EXPECT_LT(store->stats().batches, store->stats().commits);
  }
  auto reopened = open_ok(path, loop);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(sorted(reopened->all()), before_close);
  EXPECT_FALSE(reopened->find_by_mac(mac(90)).has_value());
  EXPECT_FALSE(reopened->find_by_mac(mac(91)).has_value());
  EXPECT_FALSE(reopened->find_by_mac(mac(3)).has_value());
  EXPECT_EQ(reopened->find_by_address(ip("10.2.0.5"))->state, LeaseState::Declined);
  EXPECT_EQ(reopened->find_by_mac(mac(6))->address, ip("10.2.0.7"));
}

TEST(SqliteLeaseStore, CompletionNeverRunsInsideCommit) {
  TempDir dir;
  PostQueue loop;
  auto store = open_ok(dir.path() / "leases.db", loop);
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

TEST(SqliteLeaseStore, AWriteErrorIsDeliveredToEveryCompletionOfTheBatch) {
  TempDir dir;
  const auto path = dir.path() / "leases.db";
  PostQueue loop;
  open_ok(path, loop).reset();  // creates schema 1
  run_sql(path,
          "CREATE TRIGGER poison BEFORE INSERT ON leases WHEN NEW.hostname = 'poison' "
          "BEGIN SELECT RAISE(ABORT, 'poisoned row'); END;");
  auto store = open_ok(path, loop);
  ASSERT_NE(store, nullptr);
  Lease bad = make_lease(mac(1), ip("10.0.0.1"));
  bad.hostname = "poison";
  std::optional<Result<void>> outcome;
  store->commit(bad, [&](Result<void> r) { outcome = r; });
  store->close();
  loop.drain();
  ASSERT_TRUE(outcome.has_value());
  ASSERT_FALSE(outcome->has_value());
  EXPECT_EQ(outcome->error().code, Errc::Io);
  EXPECT_NE(outcome->error().detail.find("poisoned row"), std::string::npos) << outcome->error().detail;
  EXPECT_NE(outcome->error().detail.find(path.string()), std::string::npos);
  EXPECT_EQ(store->stats().failed_batches, 1U);
}

TEST(SqliteLeaseStore, CommitAfterCloseFailsAndChangesNothing) {
  TempDir dir;
  PostQueue loop;
  auto store = open_ok(dir.path() / "leases.db", loop);
  ASSERT_NE(store, nullptr);
  store->close();
  store->close();  // idempotent
  std::optional<Result<void>> outcome;
  store->commit(make_lease(mac(1), ip("10.0.0.1")), [&](Result<void> r) { outcome = r; });
  EXPECT_FALSE(outcome.has_value());
  loop.drain();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_FALSE(outcome->has_value());
  EXPECT_FALSE(store->find_by_mac(mac(1)).has_value());
}

struct BadFileCase {
  std::string_view name;
  std::function<void(const std::filesystem::path&)> make;
  std::string_view expected;  // in the error detail, besides the path
};

TEST(SqliteLeaseStore, RefusesFilesItCannotTrustWithTheirPathAndReason) {
  const BadFileCase cases[] = {
      {"not an SQLite file",
       [](const std::filesystem::path& p) {
         std::ofstream out(p, std::ios::binary);
         for (int i = 0; i < 512; ++i) out << "this is not a database ";
       },
       "file is not a database"},
      {"written by a newer netbootd", [](const std::filesystem::path& p) { run_sql(p, "PRAGMA user_version=7;"); },
       "schema version 7"},
      {"another program's database", [](const std::filesystem::path& p) { run_sql(p, "CREATE TABLE t(x);"); },
       "not a netbootd lease file"},
      {"a row that does not parse",
       [](const std::filesystem::path& p) {
         PostQueue loop;
         auto store = SqliteLeaseStore::open(p, loop.hook());
         ASSERT_TRUE(store.has_value());
         (*store)->commit(make_lease(mac(1), ip("10.0.0.1")), nullptr);
         (*store)->close();
         run_sql(p, "UPDATE leases SET mac = 'zz:zz';");
       },
       "row 1 (rowid 1) is unreadable"},
      {"a directory where the file should be", [](const std::filesystem::path& p) { std::filesystem::create_directory(p); },
       "unable to open database file"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    const auto path = dir.path() / "leases.db";
    c.make(path);
    PostQueue loop;
    const auto opened = SqliteLeaseStore::open(path, loop.hook());
    ASSERT_FALSE(opened.has_value());
    EXPECT_EQ(opened.error().code, Errc::Io);
    EXPECT_NE(opened.error().detail.find(path.string()), std::string::npos) << opened.error().detail;
    EXPECT_NE(opened.error().detail.find(c.expected), std::string::npos) << opened.error().detail;
  }
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(SqliteLeaseStore, LeavesARefusedFileAsItWas) {
  for (const char* sql : {"CREATE TABLE t(x); INSERT INTO t VALUES (1);", "PRAGMA user_version=9;"}) {
    SCOPED_TRACE(sql);
    TempDir dir;
    const auto path = dir.path() / "other.db";
    run_sql(path, sql);
    const std::string before = file_bytes(path);
    PostQueue loop;
    ASSERT_FALSE(SqliteLeaseStore::open(path, loop.hook()).has_value());
    EXPECT_EQ(file_bytes(path), before) << "the journal mode or schema was changed";
    EXPECT_FALSE(std::filesystem::exists(path.string() + "-wal"));
  }
}

TEST(SqliteLeaseStore, ASecondStoreOnTheSameFileIsRefusedWhileTheFirstIsOpen) {
  TempDir dir;
  const auto path = dir.path() / "leases.db";
  PostQueue loop;
  auto first = open_ok(path, loop);
  ASSERT_NE(first, nullptr);
  const auto second = SqliteLeaseStore::open(path, loop.hook());
  ASSERT_FALSE(second.has_value());
  EXPECT_NE(second.error().detail.find("another netbootd"), std::string::npos) << second.error().detail;
  first->close();
  EXPECT_TRUE(SqliteLeaseStore::open(path, loop.hook()).has_value());
}

TEST(SqliteLeaseStore, CreatesItsDirectoryAndStampsTheSchemaVersion) {
  TempDir dir;
  const auto path = dir.path() / "var" / "lib" / "netbootd" / "leases.db";
  PostQueue loop;
  open_ok(path, loop).reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), SqliteLeaseStore::kSchemaVersion);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

// Issue 3: "after kill -9 and restart, every client keeps its address". A child process commits,
// waits for the durable completions, then is killed without closing anything.
TEST(SqliteLeaseStore, LeasesWhoseCompletionRanSurviveKillNine) {
  TempDir dir;
  const auto path = dir.path() / "leases.db";
  constexpr std::uint32_t kCount = 300;
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    PostQueue loop;
    auto store = SqliteLeaseStore::open(path, loop.hook());
    if (!store) _exit(3);
    std::uint32_t durable = 0;
    for (std::uint32_t i = 0; i < kCount; ++i) {
      (*store)->commit(make_lease(mac(i), ip("10.2.0.0").plus(i)), [&](Result<void> r) { durable += r ? 1 : 0; });
    }
    // Each batch posts one closure: run what came, then wait for the next post (bounded).
    while (durable < kCount) {
      const auto seen = loop.posted();
      loop.drain();
      if (durable < kCount && !loop.wait_posted(seen + 1)) break;
    }
    if (durable != kCount) _exit(4);
    raise(SIGKILL);
    _exit(5);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  ASSERT_EQ(WTERMSIG(status), SIGKILL);
  PostQueue loop;
  auto reopened = open_ok(path, loop);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->size(), kCount);
  for (std::uint32_t i = 0; i < kCount; ++i) {
    const auto lease = reopened->find_by_mac(mac(i));
    ASSERT_TRUE(lease.has_value()) << i;
    EXPECT_EQ(lease->address, ip("10.2.0.0").plus(i));
  }
}

}  // namespace
}  // namespace netboot::lease

namespace netboot::lease {
namespace {

using namespace testing;  // NOLINT: test helpers

// `netbootd leases` reads the file while the daemon's store has it open and keeps writing.
TEST(ReadLeaseFile, ReadsWhatTheOpenStoreCommittedWithoutBlockingIt) {
  TempDir dir;
  const auto path = dir.path() / "leases.db";
  PostQueue loop;
  auto store = open_ok(path, loop);
  ASSERT_NE(store, nullptr);
  store->commit(full_lease(), [](Result<void> r) { EXPECT_TRUE(r.has_value()); });
  ASSERT_TRUE(loop.wait_posted(1));
  loop.drain();
  auto read = read_lease_file(path);
  ASSERT_TRUE(read.has_value()) << read.error().detail;
  ASSERT_EQ(read->leases.size(), 1u);
  EXPECT_EQ(read->leases.front(), full_lease());
  EXPECT_TRUE(read->unreadable.empty());
  // The store still writes after (and while) a reader looked: nothing was locked out.
  store->commit(make_lease(mac(2), ip("192.168.1.12")), [](Result<void> r) { EXPECT_TRUE(r.has_value()); });
  ASSERT_TRUE(loop.wait_posted(2));
  loop.drain();
  read = read_lease_file(path);
  ASSERT_TRUE(read.has_value()) << read.error().detail;
  EXPECT_EQ(read->leases.size(), 2u);
  store->close();
  EXPECT_TRUE(SqliteLeaseStore::open(path, loop.hook()).has_value()) << "the reader left the file as it was";
}

// One damaged row: the listing names it (escaped) and still shows every other lease.
TEST(ReadLeaseFile, AnUnreadableRowIsNamedAndTheOthersAreStillListed) {
  TempDir dir;
  const auto path = dir.path() / "leases.db";
  {
    PostQueue loop;
    auto store = open_ok(path, loop);
    ASSERT_NE(store, nullptr);
    for (int i = 1; i <= 3; ++i)
      store->commit(make_lease(mac(static_cast<std::uint8_t>(i)), ip("10.0.0." + std::to_string(i))), nullptr);
    store->close();  // writes what is queued
  }
  run_sql(path, "UPDATE leases SET mac = 'zz' || char(27) WHERE address = '10.0.0.2';");
  const auto read = read_lease_file(path);
  ASSERT_TRUE(read.has_value()) << read.error().detail;
  ASSERT_EQ(read->leases.size(), 2u);
  EXPECT_EQ(read->leases[0].address, ip("10.0.0.1"));
  EXPECT_EQ(read->leases[1].address, ip("10.0.0.3"));
  ASSERT_EQ(read->unreadable.size(), 1u);
  EXPECT_NE(read->unreadable[0].find("row 2 (rowid 2) is unreadable (mac 'zz\\x1b'"), std::string::npos)
      << read->unreadable[0];
}

TEST(ReadLeaseFile, MissingFileIsNotFoundAndNotCreated) {
  TempDir dir;
  const auto path = dir.path() / "none.db";
  const auto read = read_lease_file(path);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, Errc::NotFound);
  EXPECT_NE(read.error().detail.find("does not exist"), std::string::npos) << read.error().detail;
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(ReadLeaseFile, ForeignDatabaseIsRefused) {
  TempDir dir;
  const auto path = dir.path() / "other.db";
  run_sql(path, "CREATE TABLE t (x);");
  const auto read = read_lease_file(path);
  ASSERT_FALSE(read.has_value());
  EXPECT_NE(read.error().detail.find("not a netbootd lease file"), std::string::npos) << read.error().detail;
}

}  // namespace
}  // namespace netboot::lease
