#include "lease/pg_lease_store.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "core/database_uri.hpp"

namespace netboot::lease {
namespace {

// Schema 1. Text MAC and address (readable with psql), states and phases as the enum values of
// lease.hpp, times as nanoseconds since the Unix epoch (exact round trip of system_clock).
// The partial unique indexes are the store invariants (lease_store.hpp): with several servers
// they, not any one server's memory, decide who holds an address.
constexpr const char* kCreateSchema = R"sql(
CREATE TABLE netbootd_schema (version integer NOT NULL);
INSERT INTO netbootd_schema VALUES (1);
CREATE TABLE netbootd_leases (
  id bigserial PRIMARY KEY,
  mac text NOT NULL,
  address text NOT NULL,
  state smallint NOT NULL CHECK (state BETWEEN 0 AND 3),
  expires bigint NOT NULL,
  updated bigint NOT NULL,
  uuid text,
  phase smallint NOT NULL CHECK (phase BETWEEN 0 AND 2),
  hostname text NOT NULL,
  boot_file text NOT NULL);
CREATE UNIQUE INDEX netbootd_leases_by_address ON netbootd_leases(address) WHERE address <> '0.0.0.0';
CREATE UNIQUE INDEX netbootd_leases_by_mac ON netbootd_leases(mac) WHERE state <> 3;
-- One lease, with the replacement rules of LeaseIndex::apply, except that another MAC's record
-- is replaced only if it is still the one this server saw (p_displaced_*): a record another
-- server wrote meanwhile makes the insert meet the unique index, the rows removed for it are
-- put back, and the lease is refused (false). ON CONFLICT DO NOTHING waits for a concurrent
-- insert of the same address or MAC to commit or roll back: no race, and no subtransaction.
CREATE FUNCTION netbootd_put(p_mac text, p_address text, p_state smallint, p_expires bigint, p_updated bigint,
                             p_uuid text, p_phase smallint, p_hostname text, p_boot_file text,
                             p_displaced_mac text, p_displaced_updated bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  removed netbootd_leases[];
  more netbootd_leases[];
BEGIN
  -- Two statements, each on one index (an OR of both would scan the table). The address
  -- index is partial: "address <> '0.0.0.0'" is repeated so that a generic plan may use it.
  IF p_state <> 3 THEN
    WITH gone AS (DELETE FROM netbootd_leases WHERE mac = p_mac AND state <> 3 RETURNING *)
    SELECT array_agg(gone) INTO removed FROM gone;
  END IF;
  IF p_address <> '0.0.0.0' THEN
    WITH gone AS (
      DELETE FROM netbootd_leases
       WHERE address = p_address AND address <> '0.0.0.0'
         AND (mac = p_mac OR (mac = p_displaced_mac AND updated = p_displaced_updated))
      RETURNING *)
    SELECT array_agg(gone) INTO more FROM gone;
    removed := removed || more;
  END IF;
  INSERT INTO netbootd_leases (mac, address, state, expires, updated, uuid, phase, hostname, boot_file)
  VALUES (p_mac, p_address, p_state, p_expires, p_updated, p_uuid, p_phase, p_hostname, p_boot_file)
  ON CONFLICT DO NOTHING;
  IF FOUND THEN
    RETURN true;
  END IF;
  IF removed IS NOT NULL THEN
    INSERT INTO netbootd_leases SELECT * FROM unnest(removed) ON CONFLICT DO NOTHING;
  END IF;
  RETURN false;
END $$;
-- Every server follows the others' writes: the row id, read back by the listener.
CREATE FUNCTION netbootd_leases_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('netbootd_leases', NEW.id::text);
  RETURN NULL;
END $$;
CREATE TRIGGER netbootd_leases_changed AFTER INSERT ON netbootd_leases
  FOR EACH ROW EXECUTE FUNCTION netbootd_leases_notify();
)sql";

// Schema 2 (issue 18): the relay agent's circuit-id and remote-id (option 82.1, 82.2), NULL when
// the request had none, and the relay's address (giaddr), NULL when not relayed. A new database gets schema 1 then this, so both paths are the same; the
// 11-argument netbootd_put stays, so a server of schema 1 still running writes on (its rows
// carry no ids) until it is restarted with this version.
constexpr const char* kUpgradeTo2 = R"sql(
ALTER TABLE netbootd_leases ADD COLUMN circuit_id bytea, ADD COLUMN remote_id bytea, ADD COLUMN relay_address text;
CREATE FUNCTION netbootd_put(p_mac text, p_address text, p_state smallint, p_expires bigint, p_updated bigint,
                             p_uuid text, p_phase smallint, p_hostname text, p_boot_file text,
                             p_displaced_mac text, p_displaced_updated bigint,
                             p_circuit_id bytea, p_remote_id bytea, p_relay_address text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  inserted boolean;
BEGIN
  inserted := netbootd_put(p_mac, p_address, p_state, p_expires, p_updated, p_uuid, p_phase, p_hostname,
                           p_boot_file, p_displaced_mac, p_displaced_updated);
  IF inserted AND (p_circuit_id IS NOT NULL OR p_remote_id IS NOT NULL OR p_relay_address IS NOT NULL) THEN
    UPDATE netbootd_leases SET circuit_id = p_circuit_id, remote_id = p_remote_id, relay_address = p_relay_address
     WHERE mac = p_mac AND address = p_address AND updated = p_updated;
  END IF;
  RETURN inserted;
END $$;
UPDATE netbootd_schema SET version = 2;
)sql";

constexpr const char* kSelectColumns =
    "SELECT mac, address, state, expires, updated, uuid, phase, hostname, boot_file, encode(circuit_id, 'hex'), "
    "encode(remote_id, 'hex'), relay_address FROM netbootd_leases ";
// A whole batch in one statement: netbootd_put once per element of the parameter arrays, in
// their order (a function scan returns the rows of unnest in order; netbootd_put is volatile,
// so each call sees what the earlier ones wrote), answering each lease's position and verdict.
// The relay agent's ids travel as hex text (decoded here), like every other value as text.
constexpr std::size_t kPutColumns = 14;
constexpr const char* kPutBatch =
    "SELECT lease.n, netbootd_put(lease.mac, lease.address, lease.state, lease.expires, lease.updated, lease.uuid, "
    "lease.phase, lease.hostname, lease.boot_file, lease.displaced_mac, lease.displaced_updated, "
    "decode(lease.circuit_id, 'hex'), decode(lease.remote_id, 'hex'), lease.relay_address) "
    "FROM unnest($1::text[], $2::text[], $3::smallint[], $4::bigint[], $5::bigint[], $6::text[], $7::smallint[], "
    "$8::text[], $9::text[], $10::text[], $11::bigint[], $12::text[], $13::text[], $14::text[]) WITH ORDINALITY "
    "AS lease(mac, address, state, expires, updated, uuid, phase, hostname, boot_file, displaced_mac, "
    "displaced_updated, circuit_id, remote_id, relay_address, n)";

std::string to_hex(const std::string& bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) out += fmt::format("{:02x}", static_cast<unsigned char>(c));
  return out;
}

std::string from_hex(std::string_view hex) {
  std::string out;
  const auto digit = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(digit(hex[i]) << 4 | digit(hex[i + 1])));
  return out;
}
// Serialises schema creation between servers starting together (an arbitrary constant key).
constexpr const char* kSchemaLock = "SELECT pg_advisory_xact_lock(7316052021)";

// Group commit window, as the SQLite store: a burst shares one transaction (one WAL flush).
constexpr auto kGroupWindow = std::chrono::microseconds(2000);
constexpr std::size_t kFullBatch = 256;
constexpr int kDeadlockRetries = 3;
constexpr std::chrono::milliseconds kLoadLimit{60'000};  // reading the whole table  // two servers' batches may lock rows in opposite orders

std::int64_t to_nanoseconds(WallTime t) {
  return static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

WallTime from_nanoseconds(std::int64_t ns) {
  return WallTime{std::chrono::duration_cast<WallTime::duration>(std::chrono::nanoseconds{ns})};
}

// Owns one PGresult.
class QueryResult {
 public:
  explicit QueryResult(PGresult* result) : result_(result) {}
  QueryResult(const QueryResult&) = delete;
  QueryResult& operator=(const QueryResult&) = delete;
  ~QueryResult() { PQclear(result_); }
  [[nodiscard]] PGresult* get() const { return result_; }
  [[nodiscard]] bool ok() const {
    const auto status = PQresultStatus(result_);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  }
  [[nodiscard]] std::string sqlstate() const {
    const char* state = PQresultErrorField(result_, PG_DIAG_SQLSTATE);
    return state != nullptr ? state : "";
  }

 private:
  PGresult* result_;
};

// Appends one element to a PostgreSQL array literal being built ("{" first): quoted, with
// backslash and double quote escaped, so any text (spaces, commas, braces, quotes) is one
// element; an absent value is NULL. Text stops at a NUL byte, as a libpq text parameter does.
void append_array_element(std::string& array, bool first, const std::optional<std::string>& value) {
  array += first ? '{' : ',';
  if (!value) {
    array += "NULL";
    return;
  }
  array += '"';
  for (const char c : *value) {
    if (c == '\0') break;
    if (c == '"' || c == '\\') array += '\\';
    array += c;
  }
  array += '"';
}

std::string first_line(const char* message) {
  std::string text = message != nullptr ? message : "";
  if (const auto end = text.find('\n'); end != std::string::npos) text.resize(end);
  return text;
}

Result<void> exec(PGconn* conn, const char* sql) {
  QueryResult result(PQexec(conn, sql));
  if (!result.ok()) return fail(Errc::Io, first_line(PQerrorMessage(conn)));
  return {};
}

// Waits until libpq can hand over the next result without blocking, or `deadline` passes
// (false). A server that stopped answering altogether (a frozen host, a stopped process) never
// applies its own statement_timeout, and keepalives do not cover unix sockets: this bound does.
// `stop_fd`, when readable, ends the wait too (close() while the listener waits).
bool await_result(PGconn* conn, std::chrono::steady_clock::time_point deadline, int stop_fd = -1) {
  while (PQisBusy(conn) != 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd ready[2] = {{PQsocket(conn), POLLIN, 0}, {stop_fd, POLLIN, 0}};
    if (::poll(ready, stop_fd >= 0 ? 2 : 1, static_cast<int>(left.count())) < 0 && errno != EINTR) return false;
    if ((ready[1].revents & POLLIN) != 0) return false;
    if (PQconsumeInput(conn) == 0) return true;  // the error is the next result
  }
  return true;
}

// Rows of kSelectColumns; a row this build cannot read is a damaged table: refused at open
// rather than forgetting a binding and giving its address to a second client.
// Bounded by `limit`: a server that stops answering does not hold the calling thread.
Result<std::vector<Lease>> read_rows(PGconn* conn, const std::string& sql, const std::vector<std::string>& params,
                                     std::chrono::milliseconds limit, int stop_fd = -1) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  if (PQsendQueryParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr,
                        0) != 1) {
    return fail(Errc::Io, first_line(PQerrorMessage(conn)));
  }
  if (!await_result(conn, std::chrono::steady_clock::now() + limit, stop_fd))
    return fail(Errc::Io, fmt::format("no answer within {} ms", limit.count()));
  QueryResult result(PQgetResult(conn));
  // The query's results end with a null; a connection that is not drained cannot be reused.
  for (PGresult* extra = PQgetResult(conn); extra != nullptr; extra = PQgetResult(conn)) PQclear(extra);
  if (!result.ok()) return fail(Errc::Io, first_line(PQerrorMessage(conn)));
  PGresult* r = result.get();
  std::vector<Lease> leases;
  const int rows = PQntuples(r);
  leases.reserve(static_cast<std::size_t>(rows));
  for (int row = 0; row < rows; ++row) {
    const auto text = [&](int column) { return std::string(PQgetvalue(r, row, column)); };
    const auto mac = MacAddress::parse(text(0));
    const auto address = Ipv4Address::parse(text(1));
    const int state = std::atoi(PQgetvalue(r, row, 2));
    const int phase = std::atoi(PQgetvalue(r, row, 6));
    const bool no_uuid = PQgetisnull(r, row, 5) != 0;
    const auto uuid = Uuid::parse(text(5));
    const bool no_relay = PQgetisnull(r, row, 11) != 0;
    const auto relay = Ipv4Address::parse(text(11));
    if (!mac || !address || state < 0 || state > 3 || phase < 0 || phase > 2 || (!no_uuid && !uuid) ||
        (!no_relay && !relay)) {
      return fail(Errc::Io,
                  fmt::format("row {} is unreadable (mac '{}', address '{}', state {}, phase {}, uuid '{}', relay '{}')",
                              row + 1, text(0), text(1), state, phase, text(5), text(11)));
    }
    Lease lease;
    lease.mac = *mac;
    lease.address = *address;
    lease.state = static_cast<LeaseState>(state);
    lease.expires = from_nanoseconds(std::strtoll(PQgetvalue(r, row, 3), nullptr, 10));
    lease.updated = from_nanoseconds(std::strtoll(PQgetvalue(r, row, 4), nullptr, 10));
    if (!no_uuid) lease.uuid = uuid;
    lease.phase = static_cast<BootPhase>(phase);
    lease.hostname = text(7);
    lease.boot_file = text(8);
    lease.circuit_id = from_hex(PQgetvalue(r, row, 9));  // NULL reads as ""
    lease.remote_id = from_hex(PQgetvalue(r, row, 10));
    if (!no_relay) lease.relay_address = *relay;
    leases.push_back(std::move(lease));
  }
  return leases;
}

// libpq's own defaults plus what a lease server needs: a bounded connect, keepalives so a
// vanished database host is noticed, and a statement timeout so a stalled one is "unreachable".
PGconn* connect(const std::string& uri, std::chrono::milliseconds statement_timeout) {
  const std::string options = fmt::format("-c statement_timeout={} -c lock_timeout={}", statement_timeout.count(),
                                          statement_timeout.count());
  const char* keys[] = {"dbname", "connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count",
                        "options", "application_name", nullptr};
  const char* values[] = {uri.c_str(), "3", "5", "2", "3", options.c_str(), "netbootd", nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  // libpq prints server notices (and "terminating connection" notes) on stderr by default:
  // the store reports what matters through its results and its state change instead.
  if (conn != nullptr) PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return conn;
}

}  // namespace

Result<std::unique_ptr<PgLeaseStore>> PgLeaseStore::open(Options options) {
  std::unique_ptr<PgLeaseStore> store(new PgLeaseStore(std::move(options)));
  if (auto connected = store->connect_writer(); !connected) return Unexpected{connected.error()};
  if (auto schema = store->create_or_check_schema(); !schema) return Unexpected{schema.error()};
  // Listen before loading: a write by another server after this point is either in what we
  // load or announced to us (applying it twice changes nothing).
  store->listen_conn_ = connect(store->options_.uri, store->options_.statement_timeout);
  if (PQstatus(store->listen_conn_) != CONNECTION_OK || !exec(store->listen_conn_, "LISTEN netbootd_leases")) {
    return fail(Errc::Io, fmt::format("lease database {}: cannot listen for other servers' leases: {}",
                                      store->shown_uri_, first_line(PQerrorMessage(store->listen_conn_))));
  }
  auto leases = read_rows(store->conn_, std::string(kSelectColumns) + "ORDER BY id", {}, kLoadLimit);
  if (!leases) return fail(Errc::Io, fmt::format("lease database {}: {}", store->shown_uri_, leases.error().detail));
  store->index_.reserve(leases->size());
  for (const Lease& lease : *leases) store->index_.apply(lease);
  if (::pipe2(store->stop_pipe_, O_CLOEXEC) != 0)
    return fail(Errc::Io, fmt::format("lease database {}: pipe: {}", store->shown_uri_, std::strerror(errno)));
  store->writer_ = std::thread([raw = store.get()] { raw->run_writer(); });
  store->listener_ = std::thread([raw = store.get()] { raw->run_listener(); });
  return store;
}

PgLeaseStore::PgLeaseStore(Options options)
    : options_(std::move(options)), shown_uri_(redact_database_uri(options_.uri)) {}

PgLeaseStore::~PgLeaseStore() { close(); }

Unexpected PgLeaseStore::db_error(std::string_view what) const {
  return fail(Errc::Io, fmt::format("lease database {}: {}: {}", shown_uri_, what, first_line(PQerrorMessage(conn_))));
}

Result<void> PgLeaseStore::connect_writer() {
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = connect(options_.uri, options_.statement_timeout);
  if (conn_ == nullptr) return fail(Errc::Io, fmt::format("lease database {}: out of memory", shown_uri_));
  if (PQstatus(conn_) != CONNECTION_OK) {
    auto failure = db_error("cannot connect");
    PQfinish(conn_);
    conn_ = nullptr;
    return failure;
  }
  writer_backend_pid_.store(PQbackendPID(conn_), std::memory_order_relaxed);
  return {};
}

Result<void> PgLeaseStore::create_or_check_schema() {
  auto rollback = [this](Unexpected failure) {
    (void)exec(conn_, "ROLLBACK");
    return failure;
  };
  if (!exec(conn_, "BEGIN")) return db_error("begin");
  if (!exec(conn_, kSchemaLock)) return rollback(db_error("locking the schema"));
  QueryResult exists(PQexec(conn_, "SELECT to_regclass('netbootd_schema') IS NOT NULL, "
                                   "to_regclass('netbootd_leases') IS NOT NULL"));
  if (!exists.ok()) return rollback(db_error("reading the schema"));
  const bool has_version = PQgetvalue(exists.get(), 0, 0)[0] == 't';
  const bool has_leases = PQgetvalue(exists.get(), 0, 1)[0] == 't';
  if (!has_version && has_leases) {
    return rollback(fail(Errc::Io, fmt::format("lease database {}: a netbootd_leases table without netbootd_schema: "
                                               "not a netbootd lease database",
                                               shown_uri_)));
  }
  if (!has_version) {
    if (!exec(conn_, kCreateSchema)) return rollback(db_error("creating the schema"));
    if (!exec(conn_, kUpgradeTo2)) return rollback(db_error("creating the schema (version 2)"));
  } else {
    QueryResult version(PQexec(conn_, "SELECT max(version), count(*) FROM netbootd_schema"));
    if (!version.ok()) return rollback(db_error("reading the schema version"));
    const int found = std::atoi(PQgetvalue(version.get(), 0, 0));
    if (PQgetisnull(version.get(), 0, 0) != 0 || std::atoi(PQgetvalue(version.get(), 0, 1)) != 1) {
      return rollback(fail(Errc::Io, fmt::format("lease database {}: netbootd_schema must hold exactly one version row",
                                                 shown_uri_)));
    }
    if (found > kSchemaVersion) {
      return rollback(fail(Errc::Io, fmt::format("lease database {}: schema version {} is newer than this netbootd "
                                                 "understands ({}): upgrade netbootd",
                                                 shown_uri_, found, kSchemaVersion)));
    }
    if (found == 1 && !exec(conn_, kUpgradeTo2)) return rollback(db_error("upgrading the schema to version 2"));
  }
  if (!exec(conn_, "COMMIT")) return rollback(db_error("commit"));
  return {};
}

std::optional<Lease> PgLeaseStore::find_by_mac(const MacAddress& mac) const {
  const Lease* lease = index_.find_by_mac(mac);
  return lease == nullptr ? std::nullopt : std::optional<Lease>(*lease);
}

std::optional<Lease> PgLeaseStore::find_by_address(Ipv4Address address) const {
  const Lease* lease = index_.find_by_address(address);
  return lease == nullptr ? std::nullopt : std::optional<Lease>(*lease);
}

std::vector<Lease> PgLeaseStore::all() const { return index_.all(); }

bool PgLeaseStore::is_renewal(const Lease& lease) const {
  if (lease.state != LeaseState::Bound && lease.state != LeaseState::Released) return false;
  const Lease* own = index_.find_by_mac(lease.mac);
  return own != nullptr && own->state == LeaseState::Bound && own->address == lease.address &&
         !lease.address.is_unspecified() && !unconfirmed_.contains(lease.mac);
}

void PgLeaseStore::commit(const Lease& lease, Completion on_durable) {
  const bool renewal = is_renewal(lease);
  bool refused = !renewal && !reachable();
  std::optional<Lease> displaced;
  if (!refused && !lease.address.is_unspecified()) {
    if (const auto held = displaced_by_hold_.find(lease.address); held != displaced_by_hold_.end()) {
      displaced = held->second;  // the stored record an offer displaced is the one to replace
      displaced_by_hold_.erase(held);
    } else if (const Lease* holder = index_.find_by_address(lease.address);
               holder != nullptr && holder->mac != lease.mac && holder->state != LeaseState::Offered) {
      displaced = *holder;
    }
  }
  const std::uint64_t sequence = ++sequence_;
  Completion done = [this, mac = lease.mac, sequence, inner = std::move(on_durable)](Result<void> result) {
    if (result) {
      if (const auto it = unconfirmed_.find(mac); it != unconfirmed_.end() && it->second == sequence)
        unconfirmed_.erase(it);
    }
    if (inner) inner(std::move(result));
  };
  if (!refused) {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      refused = true;
    } else {
      queue_.push_back(Pending{lease, std::move(done), renewal, std::move(displaced)});
    }
  }
  if (refused) {
    const std::string why = reachable() ? "store is closed" : "unreachable: no new address until it is back";
    options_.post([done = std::move(done), detail = fmt::format("lease database {}: {}", shown_uri_, why)] {
      done(fail(Errc::Io, detail));
    });
    return;
  }
  wake_.notify_one();
  if (!renewal) unconfirmed_[lease.mac] = sequence;
  for (const Lease& old : index_.apply(lease)) notify_removed(old);
  notify_added(lease);
}

void PgLeaseStore::hold(const Lease& lease) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
  }
  if (const Lease* holder = index_.find_by_address(lease.address);
      holder != nullptr && !lease.address.is_unspecified() && holder->state != LeaseState::Offered &&
      holder->mac != lease.mac && !displaced_by_hold_.contains(lease.address)) {
    displaced_by_hold_.emplace(lease.address, *holder);
  }
  for (const Lease& old : index_.apply(lease)) notify_removed(old);
  notify_added(lease);
}

void PgLeaseStore::set_reachable(bool reachable, const std::string& reason) {
  if (reachable_.exchange(reachable) == reachable) return;
  if (options_.on_state_change)
    options_.post([hook = options_.on_state_change, reachable, reason] { hook(reachable, reason); });
}

// The database cannot be written: renewals are answered from memory and kept for later (the
// latest per MAC); everything else fails, so its reply is withheld.
void PgLeaseStore::settle_unreachable(std::vector<Pending>& batch) {
  std::vector<std::pair<Completion, Result<void>>> completions;
  const Result<void> unreachable =
      fail(Errc::Io, fmt::format("lease database {}: unreachable: no new address until it is back", shown_uri_));
  for (Pending& pending : batch) {
    if (pending.renewal) {
      from_memory_.fetch_add(1, std::memory_order_relaxed);
      completions.emplace_back(std::move(pending.done), Result<void>{});
      const MacAddress mac = pending.lease.mac;
      retained_.insert_or_assign(mac, std::move(pending));
    } else {
      completions.emplace_back(std::move(pending.done), unreachable);
    }
  }
  if (!completions.empty()) {
    options_.post([completions = std::move(completions)] {
      for (const auto& [done, result] : completions)
        if (done) done(result);
    });
  }
}

// One round trip and one statement per batch: BEGIN, one SELECT that calls netbootd_put for
// every lease of the batch (its parameters as arrays, unnested in order: each call sees the
// earlier ones' rows, as separate statements did) and COMMIT are sent in libpq's pipeline mode,
// then their results read. One statement instead of one per lease spares PostgreSQL a parse,
// plan and protocol exchange per lease (bench/RESULTS.md: its CPU per lease). A batch is at
// most kFullBatch leases (run_writer), so what is in flight fits the socket buffers both ways.
Result<std::vector<PgLeaseStore::Outcome>> PgLeaseStore::write_batch(const std::vector<Pending>& batch) {
  if (batch.empty()) return std::vector<Outcome>{};
  std::array<std::string, kPutColumns> arrays;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Pending& pending = batch[i];
    const Lease& l = pending.lease;
    const std::optional<Lease>& displaced = pending.displaced;
    const std::optional<std::string> fields[kPutColumns] = {
        l.mac.to_string(':'),
        l.address.to_string(),
        std::to_string(static_cast<int>(l.state)),
        std::to_string(to_nanoseconds(l.expires)),
        std::to_string(to_nanoseconds(l.updated)),
        l.uuid ? std::optional(l.uuid->to_string()) : std::nullopt,
        std::to_string(static_cast<int>(l.phase)),
        l.hostname,
        l.boot_file,
        displaced ? std::optional(displaced->mac.to_string(':')) : std::nullopt,
        displaced ? std::optional(std::to_string(to_nanoseconds(displaced->updated))) : std::nullopt,
        l.circuit_id.empty() ? std::nullopt : std::optional(to_hex(l.circuit_id)),
        l.remote_id.empty() ? std::nullopt : std::optional(to_hex(l.remote_id)),
        l.relay_address.is_unspecified() ? std::nullopt : std::optional(l.relay_address.to_string())};
    for (std::size_t column = 0; column < kPutColumns; ++column)
      append_array_element(arrays[column], i == 0, fields[column]);
  }
  for (std::string& array : arrays) array += '}';
  std::array<const char*, kPutColumns> values{};
  for (std::size_t column = 0; column < kPutColumns; ++column) values[column] = arrays[column].c_str();
  for (int attempt = 0;; ++attempt) {
    std::vector<Outcome> outcomes(batch.size(), Outcome::Refused);
    std::size_t answered_leases = 0;
    if (PQenterPipelineMode(conn_) != 1) return db_error("pipeline");
    bool sent = PQsendQueryParams(conn_, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
    sent = sent && PQsendQueryParams(conn_, kPutBatch, static_cast<int>(kPutColumns), nullptr, values.data(), nullptr,
                                     nullptr, 0) == 1;
    sent = sent && PQsendQueryParams(conn_, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
    sent = sent && PQpipelineSync(conn_) == 1;
    std::string failed_state;
    std::string failure_text;
    // The whole batch answers within the statement timeout plus a second, or the database
    // counts as unreachable (the connection is then dropped, whatever it was doing).
    const auto deadline = std::chrono::steady_clock::now() + reply_limit();
    bool answered = true;
    const auto next_result = [&]() -> PGresult* {
      answered = answered && await_result(conn_, deadline);
      return answered ? PQgetResult(conn_) : nullptr;
    };
    // Results: one per query (each followed by a null), then the sync marker. The SELECT
    // answers a row per lease: its position in the batch (1-based) and netbootd_put's verdict.
    constexpr std::size_t kQueries = 3;
    for (std::size_t query = 0; sent && answered && query < kQueries; ++query) {
      for (PGresult* raw = next_result(); raw != nullptr; raw = next_result()) {
        QueryResult result(raw);
        const auto status = PQresultStatus(raw);
        if (status == PGRES_TUPLES_OK && query == 1) {
          for (int row = 0; row < PQntuples(raw); ++row) {
            const long position = std::strtol(PQgetvalue(raw, row, 0), nullptr, 10);
            if (position < 1 || static_cast<std::size_t>(position) > batch.size()) continue;
            outcomes[static_cast<std::size_t>(position) - 1] =
                PQgetvalue(raw, row, 1)[0] == 't' ? Outcome::Written : Outcome::Refused;
            ++answered_leases;
          }
        } else if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && failed_state.empty()) {
          failed_state = status == PGRES_PIPELINE_ABORTED ? "aborted" : result.sqlstate();
          failure_text = first_line(PQresultErrorMessage(raw));
        }
      }
      if (PQstatus(conn_) != CONNECTION_OK) sent = false;
    }
    if (sent && answered) {
      QueryResult sync(next_result());  // PGRES_PIPELINE_SYNC
      if (PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) sent = false;
    }
    if (!answered) {
      return fail(Errc::Io, fmt::format("lease database {}: writing leases: no answer within {} ms", shown_uri_,
                                        reply_limit().count()));
    }
    const bool exited = PQexitPipelineMode(conn_) == 1;
    if (sent && exited && failed_state.empty() && answered_leases == batch.size()) return outcomes;
    auto failure = fail(Errc::Io, fmt::format("lease database {}: writing leases: {}", shown_uri_,
                                              failure_text.empty() ? first_line(PQerrorMessage(conn_)) : failure_text));
    if (!sent || !exited) return failure;  // the connection is unusable: the caller drops it
    (void)exec(conn_, "ROLLBACK");
    // Deadlock or serialization failure between two servers' batches: the database aborted
    // one of them; it is retried whole.
    const bool retryable = failed_state == "40P01" || failed_state == "40001";
    if (!retryable || attempt + 1 >= kDeadlockRetries) return failure;
  }
}

void PgLeaseStore::refresh_after_refusal(const Lease& refused) {
  auto rows = read_rows(conn_, std::string(kSelectColumns) + "WHERE mac = $1 OR (address = $2 AND address <> '0.0.0.0') ORDER BY id",
                        {refused.mac.to_string(':'), refused.address.to_string()}, reply_limit());
  if (rows && !rows->empty()) options_.post([this, leases = std::move(*rows)] { apply_remote(leases); });
}

void PgLeaseStore::apply_remote(const std::vector<Lease>& leases) {
  for (const Lease& lease : leases) {
    const Lease* current = lease.state == LeaseState::Declined ? index_.find_by_address(lease.address)
                                                                : index_.find_by_mac(lease.mac);
    if (current != nullptr && *current == lease) continue;
    // A commit of ours for this MAC still in flight is newer than what the database said.
    if (lease.state != LeaseState::Declined && unconfirmed_.contains(lease.mac)) continue;
    remote_updates_.fetch_add(1, std::memory_order_relaxed);
    displaced_by_hold_.erase(lease.address);
    for (const Lease& old : index_.apply(lease)) notify_removed(old);
    notify_added(lease);
  }
}

void PgLeaseStore::run_writer() {
  std::vector<Pending> batch;
  auto next_attempt = std::chrono::steady_clock::now();
  for (;;) {
    batch.clear();
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      if (conn_ == nullptr) {
        // Unreachable: wake for new work (answered at once) or for the next reconnect attempt.
        wake_.wait_until(lock, next_attempt, [this] { return stopping_ || !queue_.empty(); });
      } else {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      }
      stopping = stopping_;
      if (conn_ != nullptr && stopping_ && queue_.empty()) return;
      if (conn_ != nullptr && !stopping_ && queue_.size() < kFullBatch) {
        lock.unlock();
        std::this_thread::sleep_for(kGroupWindow);
        lock.lock();
      }
      batch.swap(queue_);
    }
    if (conn_ == nullptr) {
      settle_unreachable(batch);
      batch.clear();
      if (stopping) return;
      if (std::chrono::steady_clock::now() < next_attempt) continue;
      next_attempt = std::chrono::steady_clock::now() + options_.retry;
      if (!connect_writer()) continue;
      set_reachable(true, "");
      // Renewals answered from memory meanwhile are written first.
      for (auto& [mac, pending] : retained_) batch.push_back(Pending{pending.lease, nullptr, false, pending.displaced});
      retained_.clear();
      if (batch.empty()) continue;
    }
    if (batch.empty()) continue;
    // At most kFullBatch leases per transaction (one pipeline); the rest of a burst follows.
    if (batch.size() > kFullBatch) {
      std::lock_guard lock(mutex_);
      std::vector<Pending> rest(std::make_move_iterator(batch.begin() + kFullBatch),
                                std::make_move_iterator(batch.end()));
      batch.resize(kFullBatch);
      rest.insert(rest.end(), std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
      queue_.swap(rest);
    }
    auto written = write_batch(batch);
    commits_.fetch_add(batch.size(), std::memory_order_relaxed);
    batches_.fetch_add(1, std::memory_order_relaxed);
    if (!written) {
      // Any failed write (connection lost, statement timeout) makes the database unreachable
      // until a fresh connection works: renewals go on from memory, new addresses stop.
      set_reachable(false, written.error().detail);
      PQfinish(conn_);
      conn_ = nullptr;
      next_attempt = std::chrono::steady_clock::now() + options_.retry;
      settle_unreachable(batch);
      continue;
    }
    std::vector<std::pair<Completion, Result<void>>> completions;
    completions.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if ((*written)[i] == Outcome::Written) {
        completions.emplace_back(std::move(batch[i].done), Result<void>{});
        continue;
      }
      conflicts_.fetch_add(1, std::memory_order_relaxed);
      refresh_after_refusal(batch[i].lease);
      completions.emplace_back(
          std::move(batch[i].done),
          fail(Errc::Busy, fmt::format("lease database {}: refused: {} or {} is another server's lease", shown_uri_,
                                       batch[i].lease.address.to_string(), batch[i].lease.mac.to_string())));
    }
    options_.post([completions = std::move(completions)] {
      for (const auto& [done, result] : completions)
        if (done) done(result);
    });
  }
}

void PgLeaseStore::run_listener() {
  PGconn* conn = std::exchange(listen_conn_, nullptr);
  bool resync = false;
  const auto stopped = [this](int timeout_ms, int fd) {
    pollfd fds[2] = {{stop_pipe_[0], POLLIN, 0}, {fd, POLLIN, 0}};
    ::poll(fds, fd >= 0 ? 2 : 1, timeout_ms);
    return (fds[0].revents & POLLIN) != 0;
  };
  for (;;) {
    if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
      if (conn != nullptr) PQfinish(conn);
      conn = connect(options_.uri, options_.statement_timeout);
      if (PQstatus(conn) != CONNECTION_OK || !exec(conn, "LISTEN netbootd_leases")) {
        PQfinish(conn);
        conn = nullptr;
        if (stopped(static_cast<int>(options_.retry.count()), -1)) return;
        continue;
      }
      resync = true;
    }
    if (resync) {
      // Writes made while we were not listening: read the whole table once.
      auto rows = read_rows(conn, std::string(kSelectColumns) + "ORDER BY id", {}, kLoadLimit, stop_pipe_[0]);
      if (!rows) {
        PQfinish(conn);  // retried, whole, on the next connection
        conn = nullptr;
        // A read that close() interrupted ends here: reconnecting would find the stop pipe
        // still readable, fail the read at once and reconnect again, forever.
        if (stopped(0, -1)) return;
        continue;
      }
      options_.post([this, leases = std::move(*rows)] { apply_remote(leases); });
      resync = false;
    }
    if (stopped(1000, PQsocket(conn))) break;
    if (PQconsumeInput(conn) == 0) {
      PQfinish(conn);
      conn = nullptr;
      continue;
    }
    std::string ids;
    const int own = writer_backend_pid_.load(std::memory_order_relaxed);
    while (PGnotify* note = PQnotifies(conn)) {
      if (note->be_pid != own) {
        ids += ids.empty() ? "{" : ",";
        ids += note->extra;
      }
      PQfreemem(note);
    }
    if (ids.empty()) continue;
    ids += "}";
    auto rows = read_rows(conn, std::string(kSelectColumns) + "WHERE id = ANY($1::bigint[]) ORDER BY id", {ids},
                          reply_limit(), stop_pipe_[0]);
    if (!rows) {
      // Those rows are read again with the whole table once a new connection listens.
      PQfinish(conn);
      conn = nullptr;
      if (stopped(0, -1)) return;  // interrupted by close(), as above
      continue;
    }
    if (!rows->empty()) options_.post([this, leases = std::move(*rows)] { apply_remote(leases); });
  }
  if (conn != nullptr) PQfinish(conn);
}

void PgLeaseStore::close() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (stop_pipe_[1] >= 0) {
    const char byte = 0;
    (void)!::write(stop_pipe_[1], &byte, 1);
  }
  if (writer_.joinable()) writer_.join();
  if (listener_.joinable()) listener_.join();
  for (int& fd : stop_pipe_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
  if (listen_conn_ != nullptr) PQfinish(listen_conn_);  // open() failed before the listener ran
  listen_conn_ = nullptr;
}

Result<std::vector<Lease>> read_pg_leases(const std::string& uri) {
  constexpr std::chrono::milliseconds kReadLimit{10'000};
  const std::string shown = redact_database_uri(uri);
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(connect(uri, kReadLimit), &PQfinish);
  const auto failed = [&](std::string_view what) {
    return fail(Errc::Io, fmt::format("lease database {}: {}: {}", shown, what, first_line(PQerrorMessage(conn.get()))));
  };
  if (conn == nullptr) return fail(Errc::Io, fmt::format("lease database {}: out of memory", shown));
  if (PQstatus(conn.get()) != CONNECTION_OK) return failed("cannot connect");
  if (!exec(conn.get(), "BEGIN TRANSACTION READ ONLY")) return failed("begin");
  QueryResult exists(PQexec(conn.get(), "SELECT to_regclass('netbootd_schema') IS NOT NULL"));
  if (!exists.ok()) return failed("reading the schema");
  if (PQgetvalue(exists.get(), 0, 0)[0] != 't')
    return fail(Errc::Io, fmt::format("lease database {}: no netbootd_schema table: netbootd never started on it", shown));
  QueryResult version(PQexec(conn.get(), "SELECT max(version) FROM netbootd_schema"));
  if (!version.ok() || PQntuples(version.get()) != 1 || PQgetisnull(version.get(), 0, 0) != 0)
    return failed("reading the schema version");
  const int found = std::atoi(PQgetvalue(version.get(), 0, 0));
  if (found > PgLeaseStore::kSchemaVersion)
    return fail(Errc::Io, fmt::format("lease database {}: schema version {} is newer than this netbootd understands ({})",
                                      shown, found, PgLeaseStore::kSchemaVersion));
  // Schema 1 has no relay columns: read as NULL (the daemon adds them at its next start).
  const std::string select =
      found >= 2 ? std::string(kSelectColumns)
                 : "SELECT mac, address, state, expires, updated, uuid, phase, hostname, boot_file, NULL, NULL, NULL "
                   "FROM netbootd_leases ";
  auto leases = read_rows(conn.get(), select + "ORDER BY id", {}, kReadLimit);
  if (!leases) return fail(Errc::Io, fmt::format("lease database {}: {}", shown, leases.error().detail));
  return leases;
}

PgLeaseStore::Stats PgLeaseStore::stats() const {
  return Stats{commits_.load(std::memory_order_relaxed), batches_.load(std::memory_order_relaxed),
               conflicts_.load(std::memory_order_relaxed), from_memory_.load(std::memory_order_relaxed),
               remote_updates_.load(std::memory_order_relaxed)};
}

}  // namespace netboot::lease
