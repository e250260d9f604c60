#pragma once
// The embedded, durable LeaseStore: every lookup is answered from an in-memory LeaseIndex
// (loaded once at open); every commit is also appended to an SQLite file by one writer
// thread that groups whatever is queued into one transaction, i.e. one fsync per batch.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "lease/lease_index.hpp"
#include "lease/lease_store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace netboot::lease {

class SqliteLeaseStore final : public LeaseStore {
 public:
  struct Stats {
    std::uint64_t commits = 0;         // commits written (or failed) by the writer
    std::uint64_t batches = 0;         // transactions, i.e. fsyncs
    std::uint64_t failed_batches = 0;  // transactions that failed; their completions got the error
  };

  /// Opens the lease file, creating it (and its directory) when missing, and loads every
  /// lease. Fails with Errc::Io and "lease file <path>: <reason>" when the file is not an
  /// SQLite database, is damaged, belongs to a newer netbootd (PRAGMA user_version), is not
  /// a lease file, or is in use by another process. `post` delivers completions.
  [[nodiscard]] static Result<std::unique_ptr<SqliteLeaseStore>> open(const std::filesystem::path& path, Post post);

  SqliteLeaseStore(const SqliteLeaseStore&) = delete;
  SqliteLeaseStore& operator=(const SqliteLeaseStore&) = delete;
  ~SqliteLeaseStore() override;  // close()

  [[nodiscard]] std::optional<Lease> find_by_mac(const MacAddress& mac) const override;
  [[nodiscard]] std::optional<Lease> find_by_address(Ipv4Address address) const override;
  /// Updates the index at once and queues the write; `on_durable` is posted after the batch
  /// holding it is committed (or failed: then the index is ahead of the file until the next
  /// successful write of that lease). After close(), fails with Errc::Io and changes nothing.
  void commit(const Lease& lease, Completion on_durable) override;
  /// In the index only; nothing is queued for the file.
  void hold(const Lease& lease) override;
  [[nodiscard]] std::vector<Lease> all() const override;
  [[nodiscard]] std::size_t size() const { return index_.size(); }

  /// Writes every queued commit, posts their completions, stops the writer and closes the
  /// file (checkpointing the WAL into it). Idempotent.
  void close();

  [[nodiscard]] Stats stats() const;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  /// The schema this build reads and writes (PRAGMA user_version).
  static constexpr int kSchemaVersion = 2;

 private:
  struct Pending {
    Lease lease;
    Completion done;
  };

  SqliteLeaseStore(std::filesystem::path path, Post post, sqlite3* db);
  Result<void> prepare();
  Result<void> load();
  void run_writer();
  Result<void> write_batch(const std::vector<Pending>& batch);
  Result<void> write_one(const Lease& lease);
  [[nodiscard]] Unexpected sqlite_error(std::string_view what) const;
  void release_lock();

  std::filesystem::path path_;
  Post post_;
  sqlite3* db_ = nullptr;                 // open -> writer thread -> close; never two at once
  int lock_fd_ = -1;                      // holds the flock that keeps a second writer out
  sqlite3_stmt* insert_ = nullptr;  // INSERT OR REPLACE
  LeaseIndex index_;                      // the owning (event loop) thread only

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Pending> queue_;            // guarded by mutex_
  bool stopping_ = false;                 // guarded by mutex_
  std::thread writer_;

  std::atomic<std::uint64_t> commits_{0};
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> failed_batches_{0};
};

/// What a lease file holds: the leases it could read, and one line per row it could not
/// ("lease file F: row N (rowid R) is unreadable (...)", client-written text escaped).
struct LeaseFileContents {
  std::vector<Lease> leases;
  std::vector<std::string> unreadable;         // at most kMaxUnreadableReported
  std::size_t unreadable_not_reported = 0;     // beyond them
};
inline constexpr std::size_t kMaxUnreadableReported = 20;

/// Every lease recorded in a lease file, read without writing to it (`netbootd leases`):
/// opened read-only, so a running daemon's writer is neither blocked nor disturbed (WAL: a
/// reader sees the last committed transaction). Offers are never in the file (hold()).
/// Fails with Errc::NotFound when the file does not exist, Errc::Io when it is not a netbootd
/// lease file, is newer than this build, or cannot be read; an unreadable row is reported in
/// the contents and the other rows are still read.
[[nodiscard]] Result<LeaseFileContents> read_lease_file(const std::filesystem::path& path);

}  // namespace netboot::lease
