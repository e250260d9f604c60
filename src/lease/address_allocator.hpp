#pragma once
// Which address a client gets (reservation, held address, requested, first free, reuse; see
// allocate()) over an AddressPool.
//
// Consistency with the store: the allocator subscribes to the store it reads (LeaseObserver)
// and updates its free set and its reuse queues inside every commit(), synchronously, on the
// loop thread. So the DHCP step simply calls allocate() (a pure decision: nothing changes) and
// then store.commit(); the next allocate() already sees that address as taken. There is no
// second copy of the bindings to keep in step by hand, and the store stays ignorant of pools.
// A DISCOVER's Offered lease goes through store.hold() (in memory, never written), which
// notifies the allocator like a commit: the offered address counts as taken at once.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "core/lease_defaults.hpp"
#include "core/result.hpp"
#include "lease/address_pool.hpp"
#include "lease/lease_store.hpp"

namespace netboot::lease {

enum class AllocationSource : std::uint8_t {
  Reservation,  // [static_dhcp]
  Existing,     // the address this MAC already holds (any state but Declined)
  Requested,    // the client's requested address (option 50), free and in the pool
  Free,         // the lowest free pool address
  Reclaimed,    // an address whose DECLINE probation has ended
  OfferLapsed,  // pool full: another MAC's offer that was never requested and whose hold ended
  Reused,       // pool full: another MAC's lease, expired (or released) for longer than lease_time
};
std::string_view to_string(AllocationSource source) noexcept;

struct Allocation {
  Ipv4Address address;
  AllocationSource source = AllocationSource::Free;
  /// The record that holds the address now and that committing the new lease will replace
  /// (Reused, Reclaimed, or a Reservation held by another MAC): the caller logs it.
  std::optional<Lease> previous;
};

struct PoolSettings {
  Ipv4Address pool_start;                            // [bootp] pool_start
  std::uint32_t pool_count = 0;                      // [bootp] pool_count; 0 = reservations only
  std::map<MacAddress, Ipv4Address> reservations;    // [static_dhcp]
  std::chrono::seconds lease_time = kDefaultLeaseTime;  // [bootp] lease_time
  /// Never handed out, not even to a reservation: the subnet's network and broadcast
  /// addresses, the server's own addresses, the gateway (config::unusable_addresses).
  std::set<Ipv4Address> unusable;
  std::vector<AddressPool::Range> ranges;            // a [subnet] pool; when given, pool_start/count are unused
};

class AddressAllocator final : private LeaseObserver {
 public:
  /// Reads every lease in `store` and follows its commits from then on. `store` must outlive
  /// the allocator.
  AddressAllocator(PoolSettings settings, const LeaseStore& store);
  /// For PoolSet, the one observer of the store for every subnet's allocator: this one neither
  /// subscribes nor reads the store; PoolSet hands it the leases of its pool (lease_added /
  /// lease_removed), so 1,000 subnets cost one callback per commit, not 1,000.
  struct Unobserved {};
  AddressAllocator(PoolSettings settings, const LeaseStore& store, Unobserved);
  AddressAllocator(const AddressAllocator&) = delete;
  AddressAllocator& operator=(const AddressAllocator&) = delete;
  ~AddressAllocator();

  /// Decides the address for `mac`, in this order: reservation; the address it holds (if in the
  /// pool and not reserved for another MAC); `requested` if free and in the pool; the lowest
  /// free pool address; the offer whose hold ended the longest ago (an OFFER never requested
  /// keeps its address only for the hold); an address whose decline probation ended; the lease
  /// lapsed the longest, if lapsed for longer than lease_time. Never the address another MAC
  /// holds otherwise, never one reserved for another MAC, never an unusable one (a reservation
  /// on one is not honoured). Fails with Errc::NotFound when pool_count is 0 and `mac` has no
  /// usable reservation, with Errc::Busy when the pool is exhausted. O(log n); changes nothing.
  [[nodiscard]] Result<Allocation> allocate(const MacAddress& mac, std::optional<Ipv4Address> requested,
                                            WallTime now) const;

  /// Why `address` is known to be wrong for `mac` whatever its history: unusable, reserved for
  /// another MAC, or recorded for another MAC (a Declined record included). nullopt when nothing
  /// is known against it. A REQUEST from a client we have no record of is NAKed only then
  /// (RFC 2131 §4.3.2); otherwise it may be another server's client.
  [[nodiscard]] std::optional<std::string> known_wrong_for(const MacAddress& mac, Ipv4Address address) const;

  /// A reload's [static_dhcp]: the same state as an allocator built with these reservations
  /// over the same store. A reservation removed frees nothing a lease holds (the address, if in
  /// the pool, becomes a dynamic one held by that lease); one added for an address another MAC
  /// holds is honoured at once, as at start (allocate(): the reserved MAC takes it over at its
  /// next request and the holder is refused it at its next one). O(leases).
  void replace_reservations(std::map<MacAddress, Ipv4Address> reservations);

  /// PoolSet's routing of the store's changes (an Unobserved allocator's only input).
  void lease_added(const Lease& lease) { on_lease_added(lease); }
  void lease_removed(const Lease& lease) { on_lease_removed(lease); }
  /// PoolSet's reload: the reservations replaced, the pool emptied of leases (reloaded by
  /// the caller through lease_added).
  void reset_reservations(std::map<MacAddress, Ipv4Address> reservations);

  [[nodiscard]] const AddressPool& pool() const { return pool_; }
  [[nodiscard]] const PoolSettings& settings() const { return settings_; }

 private:
  using Queue = std::set<std::pair<WallTime, Ipv4Address>>;

  void rebuild(bool read_store = true);  // reserved_, pool_ and the queues from settings_ (and the store)
  [[nodiscard]] AddressPool make_pool() const;
  void on_lease_removed(const Lease& lease) override;
  void on_lease_added(const Lease& lease) override;
  /// Pool addresses neither reserved nor unusable: the only ones handed out dynamically.
  [[nodiscard]] bool dynamic(Ipv4Address address) const;
  [[nodiscard]] bool unusable(Ipv4Address address) const { return settings_.unusable.contains(address); }
  [[nodiscard]] Queue& queue_for(const Lease& lease);
  [[nodiscard]] static WallTime lapsed_since(const Lease& lease);
  [[nodiscard]] std::optional<Lease> holder(Ipv4Address address) const;

  PoolSettings settings_;
  const LeaseStore& store_;
  bool observing_ = true;
  AddressPool pool_;
  std::set<Ipv4Address> reserved_;  // every reserved address
  Queue offered_;                   // Offered records on dynamic addresses, by end of the hold
  Queue lapsed_;                    // Bound and Released records on dynamic addresses, by lapse time
  Queue declined_;                  // Declined records on dynamic addresses, by probation end
};

}  // namespace netboot::lease
