#pragma once
// The shared LeaseStore: leases in PostgreSQL (libpq), for several netbootd serving one link.
// Like the SQLite store, every lookup is answered from an in-memory LeaseIndex loaded at open,
// and commits are written by one writer thread that groups whatever is queued into one
// transaction. Unlike it, the database is shared: each write is guarded by the database's
// unique indexes (an address another server gave away meanwhile is refused, not stolen), and
// a listener thread follows the other servers' writes (LISTEN/NOTIFY) into the index.
// The database being unreachable is a state (reachable()), not an error: see commit().
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "lease/lease_index.hpp"
#include "lease/lease_store.hpp"

struct pg_conn;

namespace netboot::lease {

/// Every lease in the database, for `netbootd leases`: one connection, one read-only
/// transaction; nothing is created, upgraded or written (a schema 1 database, which the
/// daemon upgrades at start, is listed without the relay columns). Fails with Errc::Io and
/// "lease database <uri without password>: <reason>": unreachable, no netbootd schema, a
/// schema newer than this build, or no answer within 10 s.
[[nodiscard]] Result<std::vector<Lease>> read_pg_leases(const std::string& uri);

class PgLeaseStore final : public LeaseStore {
 public:
  /// Told on the owning thread when the database becomes unreachable (reachable = false, with
  /// the reason) and when it is back: once per change of state, never per failed write.
  using StateChange = std::function<void(bool reachable, const std::string& reason)>;

  struct Options {
    std::string uri;                                  // postgresql://... (libpq connection URI)
    Post post;                                        // delivers completions and state changes
    StateChange on_state_change;                      // optional
    std::chrono::milliseconds retry{500};             // reconnect attempts while unreachable
    std::chrono::milliseconds statement_timeout{3000};  // a write slower than this = unreachable
  };

  struct Stats {
    std::uint64_t commits = 0;          // leases written (or refused) by the writer
    std::uint64_t batches = 0;          // transactions
    std::uint64_t conflicts = 0;        // leases refused: the address or MAC is another server's
    std::uint64_t from_memory = 0;      // renewals answered while the database was unreachable
    std::uint64_t remote_updates = 0;   // other servers' leases applied to the index
  };

  /// Connects, creates the schema when the database has none (serialised by an advisory lock,
  /// so servers starting together create it once), refuses a newer schema, and loads every
  /// lease. Fails with Errc::Io and "lease database <uri without password>: <reason>".
  [[nodiscard]] static Result<std::unique_ptr<PgLeaseStore>> open(Options options);

  PgLeaseStore(const PgLeaseStore&) = delete;
  PgLeaseStore& operator=(const PgLeaseStore&) = delete;
  ~PgLeaseStore() override;  // close()

  [[nodiscard]] std::optional<Lease> find_by_mac(const MacAddress& mac) const override;
  [[nodiscard]] std::optional<Lease> find_by_address(Ipv4Address address) const override;
  /// While the database is reachable: updates the index at once and queues the write;
  /// `on_durable` is posted once the transaction holding it is committed, with Errc::Busy when
  /// the database refused it because another server's client holds the address or another
  /// server gave this MAC another address (the index is then corrected from the database).
  /// While it is unreachable (or a write fails): a renewal (the client's own Bound record, same
  /// address, staying Bound or being released) succeeds from memory and is written once the
  /// database is back; anything else fails with Errc::Io and, when refused at commit(),
  /// changes nothing, so no new address is ACKed.
  void commit(const Lease& lease, Completion on_durable) override;
  /// In the index only (never written), as the SQLite store.
  void hold(const Lease& lease) override;
  [[nodiscard]] std::vector<Lease> all() const override;
  [[nodiscard]] std::size_t size() const { return index_.size(); }

  /// Writes what is queued (if the database is reachable), stops both threads and
  /// disconnects. Idempotent.
  void close();

  [[nodiscard]] bool reachable() const { return reachable_.load(std::memory_order_relaxed); }
  [[nodiscard]] Stats stats() const;
  /// The URI with any password replaced by "***": for every log line.
  [[nodiscard]] const std::string& shown_uri() const { return shown_uri_; }

  /// The schema this build reads and writes (netbootd_schema.version).
  static constexpr int kSchemaVersion = 2;

 private:
  struct Pending {
    Lease lease;
    Completion done;
    bool renewal = false;
    std::optional<Lease> displaced;  // another MAC's stored record this lease may replace
  };
  enum class Outcome : std::uint8_t { Written, Refused };

  explicit PgLeaseStore(Options options);
  Result<void> connect_writer();
  Result<void> create_or_check_schema();
  Result<std::vector<Lease>> read_leases(const char* where, const std::vector<std::string>& params);
  Result<std::vector<Outcome>> write_batch(const std::vector<Pending>& batch);
  void run_writer();
  void run_listener();
  void settle_unreachable(std::vector<Pending>& batch);
  void set_reachable(bool reachable, const std::string& reason);
  void refresh_after_refusal(const Lease& refused);
  void apply_remote(const std::vector<Lease>& leases);  // owning thread
  [[nodiscard]] bool is_renewal(const Lease& lease) const;
  [[nodiscard]] Unexpected db_error(std::string_view what) const;
  /// How long one exchange with the database may take before it counts as unreachable.
  [[nodiscard]] std::chrono::milliseconds reply_limit() const {
    return options_.statement_timeout + std::chrono::seconds(1);
  }

  Options options_;
  std::string shown_uri_;
  pg_conn* conn_ = nullptr;         // open -> writer thread -> close
  pg_conn* listen_conn_ = nullptr;  // open -> listener thread (which then owns it)
  LeaseIndex index_;         // the owning (event loop) thread only
  // Owning thread only: MACs whose last commit is not known to be durable (never a renewal),
  // and the stored record a held offer displaced (written over only if still unchanged).
  std::unordered_map<MacAddress, std::uint64_t> unconfirmed_;
  std::unordered_map<Ipv4Address, Lease> displaced_by_hold_;
  std::uint64_t sequence_ = 0;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Pending> queue_;  // guarded by mutex_
  bool stopping_ = false;       // guarded by mutex_
  std::thread writer_;
  std::thread listener_;
  int stop_pipe_[2] = {-1, -1};  // wakes the listener's poll() at close()
  std::unordered_map<MacAddress, Pending> retained_;  // writer only: renewals answered from memory

  std::atomic<bool> reachable_{true};
  std::atomic<int> writer_backend_pid_{0};  // our own NOTIFYs are not news
  std::atomic<std::uint64_t> commits_{0};
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> conflicts_{0};
  std::atomic<std::uint64_t> from_memory_{0};
  std::atomic<std::uint64_t> remote_updates_{0};
};

}  // namespace netboot::lease
