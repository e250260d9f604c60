#include "lease/pool_set.hpp"

namespace netboot::lease {

PoolSet::PoolSet(std::vector<PoolSettings> subnets, const LeaseStore& store) : store_(store) {
  allocators_.reserve(subnets.size());
  for (std::size_t id = 0; id < subnets.size(); ++id) {
    auto& settings = subnets[id];
    std::vector<AddressPool::Range> ranges = settings.ranges;
    if (ranges.empty() && settings.pool_count > 0) ranges.push_back({settings.pool_start, settings.pool_count});
    for (const auto& range : ranges)
      if (range.count > 0)
        pools_.add(range.start, range.start.plus(range.count - 1), static_cast<std::uint32_t>(id));
    allocators_.push_back(
        std::make_unique<AddressAllocator>(std::move(settings), store, AddressAllocator::Unobserved{}));
  }
  pools_.finish();
  load_all();
  store_.subscribe(*this);
}

PoolSet::~PoolSet() { store_.unsubscribe(*this); }

void PoolSet::load_all() {
  for (const Lease& lease : store_.all()) on_lease_added(lease);
}

void PoolSet::replace_reservations(const std::vector<std::map<MacAddress, Ipv4Address>>& reservations) {
  for (std::size_t id = 0; id < allocators_.size(); ++id)
    allocators_[id]->reset_reservations(id < reservations.size() ? reservations[id] : std::map<MacAddress, Ipv4Address>{});
  load_all();
}

// Only a pool address matters to an allocator (its free set and reuse queues); a reservation
// outside the pool is found through the store, never through these callbacks.
void PoolSet::on_lease_removed(const Lease& lease) {
  if (const auto id = pools_.find(lease.address)) allocators_[*id]->lease_removed(lease);
}

void PoolSet::on_lease_added(const Lease& lease) {
  if (const auto id = pools_.find(lease.address)) allocators_[*id]->lease_added(lease);
}

}  // namespace netboot::lease
