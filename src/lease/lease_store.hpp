#pragma once
// The narrow seam between the services and lease persistence. DHCP writes through it;
// TFTP (per-client boot file) and HTTP (check_ip) only read through a const reference.
#include <functional>
#include <optional>
#include <vector>

#include "core/result.hpp"
#include "lease/lease.hpp"

namespace netboot::lease {

/// How a store hands work back to the thread that owns it (asio::post on the event loop;
/// a queue that tests drain). Must be callable from any thread.
using Post = std::function<void(std::function<void()>)>;

/// Told synchronously, inside commit(), of every record that leaves or enters a store, so a
/// structure derived from the bindings (the allocator's free-address set) follows the store
/// without polling and can never disagree with it. A replaced record is removed, then the new
/// one added. Runs on the committing thread; must not call commit().
class LeaseObserver {
 public:
  virtual void on_lease_removed(const Lease& lease) = 0;
  virtual void on_lease_added(const Lease& lease) = 0;

 protected:
  LeaseObserver() = default;
  LeaseObserver(const LeaseObserver&) = default;
  LeaseObserver& operator=(const LeaseObserver&) = default;
  ~LeaseObserver() = default;
};

class LeaseStore {
 public:
  LeaseStore() = default;
  LeaseStore(const LeaseStore&) = delete;
  LeaseStore& operator=(const LeaseStore&) = delete;
  virtual ~LeaseStore() = default;

  /// The client's current record. Never a Declined one: those belong to their address.
  [[nodiscard]] virtual std::optional<Lease> find_by_mac(const MacAddress& mac) const = 0;
  /// The record holding `address`, Declined ones (on probation) included.
  [[nodiscard]] virtual std::optional<Lease> find_by_address(Ipv4Address address) const = 0;

  /// Inserts or replaces the lease for `lease.mac` (and frees any address that MAC held).
  /// The in-memory view changes at once, so the next lookup sees it. `on_durable` is
  /// called once the change is on disk (group commit: many commits share one fsync);
  /// a DHCPACK is sent only from there. It runs on the thread that owns the store's
  /// event loop (see the store's constructor), never re-entrantly from commit().
  ///
  /// Invariants every store keeps: an address has at most one record (committing a lease
  /// for an address another MAC held replaces that MAC's record: pool reuse), and a MAC has
  /// at most one record that is not Declined. A Declined record is keyed by its address
  /// only, so the client's next lease does not cancel the probation; committing a Declined
  /// lease removes only the record at that address. 0.0.0.0 is "no address" and is never
  /// unique (a record that only remembers a MAC's boot phase).
  using Completion = std::function<void(Result<void>)>;
  virtual void commit(const Lease& lease, Completion on_durable) = 0;

  /// Like commit(), with the same invariants and notifications, but the change need not
  /// survive a restart: an OFFER's address must count as taken at once, yet RFC 2131 §4.3.1
  /// asks for no durable record of it (Kea and dnsmasq keep none). A store with a file may
  /// keep it in memory only; its file then keeps what it had until a later commit replaces
  /// it, so after a restart the client's earlier record (if any) is back instead of the
  /// offer. The default commits.
  virtual void hold(const Lease& lease) { commit(lease, nullptr); }

  /// Every lease, for start-up logging, the HTTP check and tests.
  [[nodiscard]] virtual std::vector<Lease> all() const = 0;

  /// Registers an observer (not owned; unsubscribe before it dies). Const because observing
  /// changes no lease: a reader holding `const LeaseStore&` (the allocator) may subscribe.
  /// Implementations call notify_removed/notify_added from commit().
  void subscribe(LeaseObserver& observer) const;
  void unsubscribe(LeaseObserver& observer) const;

 protected:
  void notify_removed(const Lease& lease) const;
  void notify_added(const Lease& lease) const;

 private:
  mutable std::vector<LeaseObserver*> observers_;
};

}  // namespace netboot::lease
