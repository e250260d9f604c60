#include "lease/sqlite_lease_store.hpp"

#include "core/text.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace netboot::lease {
namespace {

// Durability choice: WAL with synchronous=FULL. In WAL mode a transaction is committed by
// appending it to the -wal file; with FULL that append is fsynced before COMMIT returns, so
// a lease whose completion was delivered survives kill -9 *and* power loss (NORMAL would
// survive kill -9 only: it fsyncs at checkpoints, and the last commits may roll back after
// a power cut). The fsync cost is what group commit amortises: one per batch, not per lease.
// One writer: the in-memory index is the authority, so a second process writing the same file
// would hand out the same addresses twice. An flock on the file, held from open to close,
// makes a second store fail at open. It replaces SQLite's locking_mode=EXCLUSIVE, which also
// shut out readers: with normal locking, `netbootd leases` reads the file (read_lease_file)
// while the daemon writes, and WAL readers never block the writer.
constexpr const char* kDurability = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;";

// Schema 1. MAC and address as text so `sqlite3 leases.db 'SELECT * FROM leases'` is readable;
// state and phase as the enum values fixed in lease.hpp (stable, unlike log words); times as
// nanoseconds since the Unix epoch (exact round trip of system_clock).
// The partial unique indexes are the store invariants (lease_store.hpp) enforced by the file.
constexpr const char* kCreateSchema =
    "CREATE TABLE leases ("
    "  mac TEXT NOT NULL,"
    "  address TEXT NOT NULL,"
    "  state INTEGER NOT NULL,"
    "  expires INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL,"
    "  uuid TEXT,"
    "  phase INTEGER NOT NULL,"
    "  hostname TEXT NOT NULL,"
    "  boot_file TEXT NOT NULL,"
    "  circuit_id BLOB,"
    "  remote_id BLOB,"
    "  relay_address TEXT);"
    "CREATE UNIQUE INDEX leases_by_address ON leases(address) WHERE address <> '0.0.0.0';"
    "CREATE UNIQUE INDEX leases_by_mac ON leases(mac) WHERE state <> 3;"
    "PRAGMA user_version=2;";
// Schema 2 (issue 18): the relay agent's circuit-id and remote-id (option 82.1, 82.2), NULL
// when the request had none, and the relay's address (giaddr), NULL when not relayed. A version
// 1 file is upgraded in place at open.
constexpr const char* kUpgradeFrom1 =
    "ALTER TABLE leases ADD COLUMN circuit_id BLOB;"
    "ALTER TABLE leases ADD COLUMN remote_id BLOB;"
    "ALTER TABLE leases ADD COLUMN relay_address TEXT;"
    "PRAGMA user_version=2;";

constexpr const char* kSelectAll =
    "SELECT mac, address, state, expires, updated, uuid, phase, hostname, boot_file, rowid, circuit_id, remote_id, "
    "relay_address FROM leases ORDER BY rowid";
// `netbootd leases` reads a version 1 file as it is (read-only: no upgrade).
constexpr const char* kSelectAllVersion1 =
    "SELECT mac, address, state, expires, updated, uuid, phase, hostname, boot_file, rowid FROM leases ORDER BY rowid";
// One statement per lease: REPLACE deletes the rows the new one conflicts with in either
// partial unique index, which are exactly the rows LeaseIndex::apply replaces (the client's
// record unless the new one is Declined, whoever held the address unless it is 0.0.0.0).
constexpr const char* kUpsert =
    "INSERT OR REPLACE INTO leases (mac, address, state, expires, updated, uuid, phase, hostname, boot_file, "
    "circuit_id, remote_id, relay_address) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

// Group commit window: the writer waits this long after the first queued lease before taking
// the queue, so that a burst shares one transaction and one fsync. The fsync and the WAL page
// writes, not the SQL, are most of the cost of a batch; 2 ms delays an ACK by at most that.
constexpr auto kGroupWindow = std::chrono::microseconds(2000);
constexpr std::size_t kFullBatch = 256;  // no wait when this many are already queued

std::int64_t to_nanoseconds(WallTime t) {
  return static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

WallTime from_nanoseconds(std::int64_t ns) {
  return WallTime{std::chrono::duration_cast<WallTime::duration>(std::chrono::nanoseconds{ns})};
}

std::string column_text(sqlite3_stmt* stmt, int column) {
  const unsigned char* text = sqlite3_column_text(stmt, column);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_column_bytes(stmt, column))};
}

// Owns a statement for the duration of one query.
class Statement {
 public:
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }
  int prepare(sqlite3* db, const char* sql) { return sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  [[nodiscard]] sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

std::string owner_name(uid_t uid) {
  if (const passwd* pw = ::getpwuid(uid)) return pw->pw_name;
  return std::to_string(uid);
}

// SQLite reports EACCES as "unable to open database file" or, when only the folder is not
// writable (the -wal file), "disk I/O error". Say what cannot be written, whose it is, and
// who netbootd runs as.
std::optional<std::string> permission_problem(const std::filesystem::path& path) {
  const auto describe = [](const std::filesystem::path& what, int mode_wanted, const char* verb)
      -> std::optional<std::string> {
    struct stat st {};
    if (::stat(what.c_str(), &st) != 0 || ::faccessat(AT_FDCWD, what.c_str(), mode_wanted, AT_EACCESS) == 0)
      return std::nullopt;
    const uid_t me = ::geteuid();
    return fmt::format("permission denied: {} {} is owned by user {} (mode {:04o}) and netbootd runs as user {} "
                       "(uid {}): chown {} {}, or set [bootp] lease_file to a folder that user can write",
                       verb, what.string(), owner_name(st.st_uid), st.st_mode & 07777, owner_name(me), me,
                       owner_name(me), what.string());
  };
  for (const char* suffix : {"", "-wal", "-shm"}) {
    auto file = path;
    file += suffix;
    if (auto problem = describe(file, R_OK | W_OK, "the file")) return problem;
  }
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  return describe(dir, W_OK | X_OK, "the folder");
}

// One row of kSelectAll. A row we cannot read is a damaged file: refused rather than a
// binding forgotten and its address handed to a second client.
Result<Lease> decode_row(sqlite3_stmt* s, std::size_t row, const std::filesystem::path& path) {
  const std::string mac_text = column_text(s, 0);
  const std::string address_text = column_text(s, 1);
  const std::string uuid_text = column_text(s, 5);
  const auto mac = MacAddress::parse(mac_text);
  const auto address = Ipv4Address::parse(address_text);
  const auto state = sqlite3_column_int(s, 2);
  const auto phase = sqlite3_column_int(s, 6);
  const auto uuid = Uuid::parse(uuid_text);
  const bool uuid_ok = sqlite3_column_type(s, 5) == SQLITE_NULL || uuid.has_value();
  if (!mac || !address || state < 0 || state > 3 || phase < 0 || phase > 2 || !uuid_ok) {
    return fail(Errc::Io, fmt::format("lease file {}: row {} (rowid {}) is unreadable (mac '{}', address '{}', "
                                      "state {}, phase {}, uuid '{}')",
                                      path.string(), row, sqlite3_column_int64(s, 9), printable(mac_text),
                                      printable(address_text), state, phase, printable(uuid_text)));
  }
  Lease lease;
  lease.mac = *mac;
  lease.address = *address;
  lease.state = static_cast<LeaseState>(state);
  lease.expires = from_nanoseconds(sqlite3_column_int64(s, 3));
  lease.updated = from_nanoseconds(sqlite3_column_int64(s, 4));
  if (sqlite3_column_type(s, 5) != SQLITE_NULL) lease.uuid = uuid;
  lease.phase = static_cast<BootPhase>(phase);
  lease.hostname = column_text(s, 7);
  lease.boot_file = column_text(s, 8);
  if (sqlite3_column_count(s) > 11) {  // schema 2 (kSelectAll; not kSelectAllVersion1)
    lease.circuit_id = column_text(s, 10);  // NULL reads as ""
    lease.remote_id = column_text(s, 11);
    if (sqlite3_column_type(s, 12) != SQLITE_NULL) {
      const std::string relay_text = column_text(s, 12);
      const auto relay = Ipv4Address::parse(relay_text);
      if (!relay)
        return fail(Errc::Io, fmt::format("lease file {}: row {} (rowid {}) has an unreadable relay address '{}'",
                                          path.string(), row, sqlite3_column_int64(s, 9), printable(relay_text)));
      lease.relay_address = *relay;
    }
  }
  return lease;
}

int bind_text(sqlite3_stmt* stmt, int index, const std::string& text) {
  return sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

}  // namespace

Result<std::unique_ptr<SqliteLeaseStore>> SqliteLeaseStore::open(const std::filesystem::path& path, Post post) {
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) return fail(Errc::Io, fmt::format("lease file {}: cannot create its directory: {}", path.string(), ec.message()));
  }
  sqlite3* db = nullptr;
  if (const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
      rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    if (auto problem = permission_problem(path)) message = *problem;
    return fail(Errc::Io, fmt::format("lease file {}: {}", path.string(), message));
  }
  // From here the store owns `db`: an early return closes it through the destructor.
  std::unique_ptr<SqliteLeaseStore> store(new SqliteLeaseStore(path, std::move(post), db));
  auto opened = store->load();
  if (opened) opened = store->prepare();
  if (!opened) {
    if (auto problem = permission_problem(path))
      return fail(Errc::Io, fmt::format("lease file {}: {}", path.string(), *problem));
    return Unexpected{opened.error()};
  }
  store->writer_ = std::thread([raw = store.get()] { raw->run_writer(); });
  return store;
}

SqliteLeaseStore::SqliteLeaseStore(std::filesystem::path path, Post post, sqlite3* db)
    : path_(std::move(path)), post_(std::move(post)), db_(db) {}

SqliteLeaseStore::~SqliteLeaseStore() { close(); }

Unexpected SqliteLeaseStore::sqlite_error(std::string_view what) const {
  const int code = sqlite3_errcode(db_);
  std::string detail = fmt::format("lease file {}: {}: {}", path_.string(), what, sqlite3_errmsg(db_));
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) detail += " (is another netbootd using it?)";
  return fail(Errc::Io, std::move(detail));
}

Result<void> SqliteLeaseStore::load() {
  // Our own descriptor, closed only after SQLite's connection (close()): closing any
  // descriptor of the file drops the process's POSIX locks on it, SQLite's included.
  lock_fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (lock_fd_ < 0 || ::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    return fail(Errc::Io, fmt::format("lease file {}: cannot lock: {}{}", path_.string(), std::strerror(error),
                                      error == EWOULDBLOCK ? " (is another netbootd using it?)" : ""));
  }
  // Identify the file before changing anything in it: a foreign or newer file is left as it was.
  int version = 0;
  int objects = 0;
  {
    Statement query;
    if (query.prepare(db_, "SELECT (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_schema)") !=
            SQLITE_OK ||
        sqlite3_step(query.get()) != SQLITE_ROW) {
      return sqlite_error("cannot open");
    }
    version = sqlite3_column_int(query.get(), 0);
    objects = sqlite3_column_int(query.get(), 1);
  }
  if (version == 0 && objects != 0) {
    return fail(Errc::Io, fmt::format("lease file {}: not a netbootd lease file (user_version 0 and {} schema objects)",
                                      path_.string(), objects));
  }
  if (version > kSchemaVersion) {
    return fail(Errc::Io, fmt::format("lease file {}: schema version {} is newer than this netbootd understands ({})",
                                      path_.string(), version, kSchemaVersion));
  }
  {
    // quick_check reads every page once (a few ms for 50,000 leases): a damaged file is
    // refused at start-up rather than discovered half-way through serving.
    Statement check;
    if (check.prepare(db_, "PRAGMA quick_check") != SQLITE_OK || sqlite3_step(check.get()) != SQLITE_ROW) {
      return sqlite_error("integrity check");
    }
    if (const std::string verdict = column_text(check.get(), 0); verdict != "ok") {
      return fail(Errc::Io, fmt::format("lease file {}: damaged: {}", path_.string(), verdict));
    }
  }
  if (sqlite3_exec(db_, kDurability, nullptr, nullptr, nullptr) != SQLITE_OK) return sqlite_error("cannot open");
  // BEGIN IMMEDIATE takes the write lock now, so a second process fails here, not at its first commit.
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return sqlite_error("cannot lock");
  auto rollback = [this](Unexpected failure) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return failure;
  };
  if (version == 0 && sqlite3_exec(db_, kCreateSchema, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return rollback(sqlite_error("creating the schema"));
  }
  if (version == 1 && sqlite3_exec(db_, kUpgradeFrom1, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return rollback(sqlite_error("upgrading the schema to version 2"));
  }

  Statement count;
  if (count.prepare(db_, "SELECT count(*) FROM leases") != SQLITE_OK || sqlite3_step(count.get()) != SQLITE_ROW) {
    return rollback(sqlite_error("counting leases"));
  }
  index_.reserve(static_cast<std::size_t>(sqlite3_column_int64(count.get(), 0)));

  Statement select;
  if (select.prepare(db_, kSelectAll) != SQLITE_OK) return rollback(sqlite_error("reading leases"));
  std::size_t row = 0;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
    ++row;
    auto lease = decode_row(select.get(), row, path_);
    if (!lease) return rollback(Unexpected{lease.error()});
    index_.apply(*lease);  // the file's unique indexes already exclude conflicts; this re-asserts them
  }
  if (rc != SQLITE_DONE) return rollback(sqlite_error("reading leases"));
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return rollback(sqlite_error("commit"));
  return {};
}

Result<void> SqliteLeaseStore::prepare() {
  if (sqlite3_prepare_v2(db_, kUpsert, -1, &insert_, nullptr) != SQLITE_OK) {
    return sqlite_error("preparing statements");
  }
  return {};
}

std::optional<Lease> SqliteLeaseStore::find_by_mac(const MacAddress& mac) const {
  const Lease* lease = index_.find_by_mac(mac);
  return lease == nullptr ? std::nullopt : std::optional<Lease>(*lease);
}

std::optional<Lease> SqliteLeaseStore::find_by_address(Ipv4Address address) const {
  const Lease* lease = index_.find_by_address(address);
  return lease == nullptr ? std::nullopt : std::optional<Lease>(*lease);
}

std::vector<Lease> SqliteLeaseStore::all() const { return index_.all(); }

void SqliteLeaseStore::commit(const Lease& lease, Completion on_durable) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(Pending{lease, std::move(on_durable)});
      on_durable = nullptr;
    }
  }
  if (on_durable) {  // closed: nothing changes
    post_([done = std::move(on_durable), where = path_.string()] {
      done(fail(Errc::Io, fmt::format("lease file {}: store is closed", where)));
    });
    return;
  }
  wake_.notify_one();
  // Index after queueing is fine: both happen on this thread before anyone can look.
  for (const Lease& old : index_.apply(lease)) notify_removed(old);
  notify_added(lease);
}

void SqliteLeaseStore::hold(const Lease& lease) {
  // Index only: the file keeps what it had until a commit replaces it (lease_store.hpp).
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;  // closed: nothing changes, as for commit()
  }
  for (const Lease& old : index_.apply(lease)) notify_removed(old);
  notify_added(lease);
}

void SqliteLeaseStore::run_writer() {
  // Two buffers swapped back and forth keep their capacity: queueing a lease allocates
  // nothing once the queue has grown to the largest batch seen.
  std::vector<Pending> batch;
  for (;;) {
    batch.clear();
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything is written
      if (!stopping_ && queue_.size() < kFullBatch) {
        // Sleep, not wait on wake_: commits during the window then cost no futex wake-up.
        lock.unlock();
        std::this_thread::sleep_for(kGroupWindow);
        lock.lock();
      }
      batch.swap(queue_);
    }
    const Result<void> written = write_batch(batch);
    commits_.fetch_add(batch.size(), std::memory_order_relaxed);
    batches_.fetch_add(1, std::memory_order_relaxed);
    if (!written) failed_batches_.fetch_add(1, std::memory_order_relaxed);

    std::vector<Completion> completions;
    completions.reserve(batch.size());
    for (Pending& pending : batch) {
      if (pending.done) completions.push_back(std::move(pending.done));
    }
    if (!completions.empty()) {
      // One hop to the loop per batch, not per lease.
      post_([completions = std::move(completions), written]() {
        for (const Completion& done : completions) done(written);
      });
    }
  }
}

Result<void> SqliteLeaseStore::write_batch(const std::vector<Pending>& batch) {
  // A lease followed in the same batch by a non-declined lease of the same MAC and address
  // need not be written: the later one's deletes remove whatever the earlier one inserted or
  // would have deleted (write_one), so the file ends the same. OFFER then ACK of one DORA
  // usually share a batch, which halves the rows written.
  std::vector<bool> superseded(batch.size(), false);
  std::set<std::pair<MacAddress, Ipv4Address>> later;
  for (std::size_t i = batch.size(); i-- > 0;) {
    const Lease& lease = batch[i].lease;
    if (lease.state == LeaseState::Declined) continue;
    superseded[i] = !later.emplace(lease.mac, lease.address).second;
  }
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return sqlite_error("begin");
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (superseded[i]) continue;
    if (auto written = write_one(batch[i].lease); !written) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return written;
    }
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    auto failure = sqlite_error("commit");
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return failure;
  }
  return {};
}

// The same replacement rules as LeaseIndex::apply, in SQL, so the file and the index agree.
Result<void> SqliteLeaseStore::write_one(const Lease& lease) {
  const std::string mac = lease.mac.to_string(':');
  const std::string address = lease.address.to_string();
  auto run = [this](sqlite3_stmt* stmt, std::string_view what) -> Result<void> {
    const int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    if (rc != SQLITE_DONE) return sqlite_error(what);
    return {};
  };
  const std::string uuid = lease.uuid ? lease.uuid->to_string() : std::string{};
  bind_text(insert_, 1, mac);
  bind_text(insert_, 2, address);
  sqlite3_bind_int(insert_, 3, static_cast<int>(lease.state));
  sqlite3_bind_int64(insert_, 4, to_nanoseconds(lease.expires));
  sqlite3_bind_int64(insert_, 5, to_nanoseconds(lease.updated));
  if (lease.uuid) {
    bind_text(insert_, 6, uuid);
  } else {
    sqlite3_bind_null(insert_, 6);
  }
  sqlite3_bind_int(insert_, 7, static_cast<int>(lease.phase));
  bind_text(insert_, 8, lease.hostname);
  bind_text(insert_, 9, lease.boot_file);
  const auto bind_blob = [this](int index, const std::string& bytes) {
    if (bytes.empty()) return sqlite3_bind_null(insert_, index);
    return sqlite3_bind_blob(insert_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  };
  bind_blob(10, lease.circuit_id);
  bind_blob(11, lease.remote_id);
  const std::string relay = lease.relay_address.to_string();
  if (lease.relay_address.is_unspecified()) {
    sqlite3_bind_null(insert_, 12);
  } else {
    bind_text(insert_, 12, relay);
  }
  return run(insert_, "upsert");
}

void SqliteLeaseStore::close() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
  if (db_ == nullptr) {
    release_lock();
    return;
  }
  const bool opened = insert_ != nullptr;
  sqlite3_finalize(insert_);
  insert_ = nullptr;
  // Fold the WAL back into the main file so the file alone is the whole state (only a file
  // this store opened fully: a refused one is left untouched).
  if (opened) sqlite3_exec(db_, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
  sqlite3_close_v2(db_);
  db_ = nullptr;
  release_lock();
}

void SqliteLeaseStore::release_lock() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
  lock_fd_ = -1;
}

SqliteLeaseStore::Stats SqliteLeaseStore::stats() const {
  return Stats{commits_.load(std::memory_order_relaxed), batches_.load(std::memory_order_relaxed),
               failed_batches_.load(std::memory_order_relaxed)};
}

Result<LeaseFileContents> read_lease_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return fail(Errc::NotFound, fmt::format("lease file {} does not exist (no lease recorded yet, or another "
                                            "[bootp] lease_file)", path.string()));
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  const std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)> db(raw, &sqlite3_close_v2);
  auto error = [&](std::string_view what) {
    return fail(Errc::Io, fmt::format("lease file {}: {}: {}", path.string(), what,
                                      db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc)));
  };
  if (rc != SQLITE_OK) return error("cannot open");
  // A reader waits only while the writer recovers or checkpoints; never for long.
  sqlite3_busy_timeout(db.get(), 2000);
  Statement query;
  if (query.prepare(db.get(), "SELECT (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM "
                              "sqlite_schema WHERE type = 'table' AND name = 'leases')") != SQLITE_OK ||
      sqlite3_step(query.get()) != SQLITE_ROW) {
    return error("cannot read");
  }
  const int version = sqlite3_column_int(query.get(), 0);
  if (version == 0 || sqlite3_column_int(query.get(), 1) != 1)
    return fail(Errc::Io, fmt::format("lease file {}: not a netbootd lease file", path.string()));
  if (version > SqliteLeaseStore::kSchemaVersion) {
    return fail(Errc::Io, fmt::format("lease file {}: schema version {} is newer than this netbootd understands ({})",
                                      path.string(), version, SqliteLeaseStore::kSchemaVersion));
  }
  Statement select;
  if (select.prepare(db.get(), version == 1 ? kSelectAllVersion1 : kSelectAll) != SQLITE_OK)
    return error("reading leases");
  LeaseFileContents contents;
  std::size_t row = 0;
  int step = SQLITE_ROW;
  while ((step = sqlite3_step(select.get())) == SQLITE_ROW) {
    // A listing shows what it can: a damaged row is named, the others still listed (the
    // daemon itself refuses such a file at start).
    auto lease = decode_row(select.get(), ++row, path);
    if (lease) contents.leases.push_back(std::move(*lease));
    else if (contents.unreadable.size() < kMaxUnreadableReported) contents.unreadable.push_back(lease.error().detail);
    else ++contents.unreadable_not_reported;
  }
  if (step != SQLITE_DONE) return error("reading leases");
  return contents;
}

}  // namespace netboot::lease
