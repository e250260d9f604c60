// The store syncs before it reports a lease durable: every batch's completions are posted
// only after an fsync of the write-ahead log that holds the batch. Counted with an SQLite VFS
// that wraps the default one (made the default for the store's open) and counts xSync per
// file kind. This is the unit-level guard of `synchronous=FULL` (OFF and NORMAL never sync
// the WAL on commit) and of posting completions after the commit, not before; that the
// sync really puts the lease on the disk is test_power_cut_durability's (docs/testing.md).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <mutex>

#include "lease/sqlite_lease_store.hpp"
#include "unit/lease/lease_test_support.hpp"

namespace netboot::lease {
namespace {

using namespace testing;  // NOLINT: test helpers

// -- a VFS that counts syncs --------------------------------------------------------------

std::atomic<int> g_wal_syncs{0};
std::atomic<int> g_other_syncs{0};
sqlite3_vfs* g_base = nullptr;

struct CountingFile {
  sqlite3_file base;   // pMethods: kCountingMethods
  sqlite3_file* real;  // the wrapped file, allocated right after this struct
  bool wal;
};

sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<CountingFile*>(f)->real; }

int x_close(sqlite3_file* f) {
  const int rc = real(f)->pMethods != nullptr ? real(f)->pMethods->xClose(real(f)) : SQLITE_OK;
  f->pMethods = nullptr;
  return rc;
}
int x_read(sqlite3_file* f, void* p, int n, sqlite3_int64 o) { return real(f)->pMethods->xRead(real(f), p, n, o); }
int x_write(sqlite3_file* f, const void* p, int n, sqlite3_int64 o) {
  return real(f)->pMethods->xWrite(real(f), p, n, o);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) { return real(f)->pMethods->xTruncate(real(f), size); }
int x_sync(sqlite3_file* f, int flags) {
  (reinterpret_cast<CountingFile*>(f)->wal ? g_wal_syncs : g_other_syncs).fetch_add(1);
  return real(f)->pMethods->xSync(real(f), flags);
}
int x_file_size(sqlite3_file* f, sqlite3_int64* size) { return real(f)->pMethods->xFileSize(real(f), size); }
int x_lock(sqlite3_file* f, int level) { return real(f)->pMethods->xLock(real(f), level); }
int x_unlock(sqlite3_file* f, int level) { return real(f)->pMethods->xUnlock(real(f), level); }
int x_check_reserved(sqlite3_file* f, int* out) { return real(f)->pMethods->xCheckReservedLock(real(f), out); }
int x_file_control(sqlite3_file* f, int op, void* arg) { return real(f)->pMethods->xFileControl(real(f), op, arg); }
int x_sector_size(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int x_device(sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); }
int x_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return real(f)->pMethods->xShmMap(real(f), region, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) { return real(f)->pMethods->xShmLock(real(f), offset, n, flags); }
void x_shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
int x_shm_unmap(sqlite3_file* f, int del) { return real(f)->pMethods->xShmUnmap(real(f), del); }
int x_fetch(sqlite3_file* f, sqlite3_int64 o, int n, void** out) { return real(f)->pMethods->xFetch(real(f), o, n, out); }
int x_unfetch(sqlite3_file* f, sqlite3_int64 o, void* p) { return real(f)->pMethods->xUnfetch(real(f), o, p); }

const sqlite3_io_methods kCountingMethods = {
    3,          x_close,       x_read,     x_write,   x_truncate, x_sync,        x_file_size,
    x_lock,     x_unlock,      x_check_reserved, x_file_control, x_sector_size, x_device, x_shm_map,
    x_shm_lock, x_shm_barrier, x_shm_unmap, x_fetch,  x_unfetch,
};

int x_open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  auto* file = reinterpret_cast<CountingFile*>(f);
  file->real = reinterpret_cast<sqlite3_file*>(file + 1);
  file->wal = (flags & SQLITE_OPEN_WAL) != 0;
  const int rc = g_base->xOpen(g_base, name, file->real, flags, out_flags);
  // SQLite calls xClose only when pMethods is set: set it only for an open file.
  f->pMethods = rc == SQLITE_OK && file->real->pMethods != nullptr ? &kCountingMethods : nullptr;
  return rc;
}

/// Makes the counting VFS the default for as long as it lives (the store opens with it).
class CountingVfsAsDefault {
 public:
  CountingVfsAsDefault() {
    g_base = sqlite3_vfs_find(nullptr);
    vfs_ = *g_base;
    vfs_.zName = "netboot-sync-counting";
    vfs_.szOsFile = static_cast<int>(sizeof(CountingFile)) + g_base->szOsFile;
    vfs_.xOpen = x_open;
    vfs_.pAppData = nullptr;
    EXPECT_EQ(sqlite3_vfs_register(&vfs_, 1), SQLITE_OK);
  }
  CountingVfsAsDefault(const CountingVfsAsDefault&) = delete;
  CountingVfsAsDefault& operator=(const CountingVfsAsDefault&) = delete;
  ~CountingVfsAsDefault() {
    sqlite3_vfs_unregister(&vfs_);
    sqlite3_vfs_register(g_base, 1);
  }

 private:
  sqlite3_vfs vfs_{};
};

// -- the test ------------------------------------------------------------------------------

TEST(SqliteLeaseStoreDurability, EveryBatchIsPostedOnlyAfterAnFsyncOfTheLogThatHoldsIt) {
  TempDir dir;
  CountingVfsAsDefault counting;
  PostQueue loop;
  std::mutex mutex;
  std::vector<int> wal_syncs_at_post;  // one entry per post, i.e. per batch
  const Post inner = loop.hook();
  const Post hook = [&](std::function<void()> work) {
    {
      std::lock_guard lock(mutex);
      wal_syncs_at_post.push_back(g_wal_syncs.load());
    }
    inner(std::move(work));
  };
  auto opened = SqliteLeaseStore::open(dir.path() / "leases.db", hook);
  ASSERT_TRUE(opened.has_value()) << opened.error().detail;
  auto& store = **opened;

  std::size_t completed = 0;
  for (std::uint32_t batch = 0; batch < 5; ++batch) {
    const int syncs_before = g_wal_syncs.load();
    for (std::uint32_t i = 0; i < 8; ++i) {
      const std::uint32_t n = batch * 8 + i;
      store.commit(make_lease(mac(n), ip("10.0.0." + std::to_string(10 + n))), [&](Result<void> r) {
        EXPECT_TRUE(r.has_value());
        ++completed;
      });
    }
    // The 8 commits of this round may take one batch or several; wait for all of them.
    while (completed < (batch + 1) * 8) {
      const std::size_t seen = loop.posted();
      if (loop.drain() == 0) ASSERT_TRUE(loop.wait_posted(seen + 1)) << "no completion within 30 s";
    }
    std::lock_guard lock(mutex);
    ASSERT_FALSE(wal_syncs_at_post.empty());
    EXPECT_GT(wal_syncs_at_post.back(), syncs_before)
        << "batch " << batch << ": reported durable without an fsync of the write-ahead log (synchronous is not FULL, "
        << "or the completions are posted before the commit)";
  }
  // Every post came after a sync that the previous post had not seen.
  std::lock_guard lock(mutex);
  for (std::size_t i = 1; i < wal_syncs_at_post.size(); ++i) {
    EXPECT_GT(wal_syncs_at_post[i], wal_syncs_at_post[i - 1]) << "post " << i << " without a sync of its own";
  }
  EXPECT_GT(g_wal_syncs.load(), 0);
}

}  // namespace
}  // namespace netboot::lease
