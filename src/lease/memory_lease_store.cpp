#include "lease/memory_lease_store.hpp"

#include <utility>

namespace netboot::lease {

MemoryLeaseStore::MemoryLeaseStore(Post post, const std::vector<Lease>& initial) : post_(std::move(post)) {
  index_.reserve(initial.size());
  for (const Lease& lease : initial) index_.apply(lease);
}

std::optional<Lease> MemoryLeaseStore::find_by_mac(const MacAddress& mac) const {
  const Lease* lease = index_.find_by_mac(mac);
  return lease == nullptr ? std::nullopt : std::optional<Lease>(*lease);
}

std::optional<Lease> MemoryLeaseStore::find_by_address(Ipv4Address address) const {
  const Lease* lease = index_.find_by_address(address);
  return lease == nullptr ? std::nullopt : std::optional<Lease>(*lease);
}

void MemoryLeaseStore::commit(const Lease& lease, Completion on_durable) {
  for (const Lease& old : index_.apply(lease)) notify_removed(old);
  notify_added(lease);
  if (on_durable) {
    post_([done = std::move(on_durable)] { done(Result<void>{}); });
  }
}

std::vector<Lease> MemoryLeaseStore::all() const { return index_.all(); }

}  // namespace netboot::lease
