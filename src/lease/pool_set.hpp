#pragma once
// Every subnet's allocator, and the one LeaseObserver of the store that feeds them: each
// lease that enters or leaves the store is routed by its address (an interval index over
// the pools, O(log n)) to the allocator whose pool holds it. With one allocator subscribed
// per subnet, 1,000 subnets would cost 1,000 callbacks per commit and 1,000 scans of the
// store at start; this costs one lookup per commit and one scan.
#include <cstddef>
#include <map>
#include <memory>
#include <vector>

#include "core/interval_index.hpp"
#include "lease/address_allocator.hpp"

namespace netboot::lease {

class PoolSet final : private LeaseObserver {
 public:
  /// One allocator per entry of `subnets` (index = subnet id; [bootp] is 0). Reads the store
  /// once and follows it from then on. `store` must outlive the set.
  PoolSet(std::vector<PoolSettings> subnets, const LeaseStore& store);
  PoolSet(const PoolSet&) = delete;
  PoolSet& operator=(const PoolSet&) = delete;
  ~PoolSet();

  [[nodiscard]] std::size_t size() const { return allocators_.size(); }
  [[nodiscard]] const AddressAllocator& for_subnet(std::size_t id) const { return *allocators_.at(id); }
  /// A reload's [static_dhcp], per subnet (index = subnet id): every allocator as if built with
  /// them; one pass over the store.
  void replace_reservations(const std::vector<std::map<MacAddress, Ipv4Address>>& reservations);

  /// Comparisons made routing leases to allocators (instrumentation only).
  [[nodiscard]] std::uint64_t routing_comparisons() const { return pools_.comparisons(); }

 private:
  void on_lease_removed(const Lease& lease) override;
  void on_lease_added(const Lease& lease) override;
  void load_all();

  const LeaseStore& store_;
  std::vector<std::unique_ptr<AddressAllocator>> allocators_;
  IntervalIndex pools_;  // every pool range -> its allocator
};

}  // namespace netboot::lease
