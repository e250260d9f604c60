#include "lease/lease_index.hpp"

namespace netboot::lease {

std::vector<Lease> LeaseIndex::apply(const Lease& lease) {
  std::vector<Lease> removed;
  const bool declined = lease.state == LeaseState::Declined;
  if (!declined) {
    if (const auto it = by_mac_.find(lease.mac); it != by_mac_.end()) removed.push_back(it->second);
  }
  if (!lease.address.is_unspecified()) {
    const Lease* holder = find_by_address(lease.address);
    // Skip the MAC's own record, already listed above.
    if (holder != nullptr && (removed.empty() || !(removed.front() == *holder))) removed.push_back(*holder);
  }
  for (const Lease& old : removed) erase_record(old);

  if (declined) {
    declined_.insert_or_assign(lease.address, lease);
  } else {
    by_mac_.insert_or_assign(lease.mac, lease);
    if (!lease.address.is_unspecified()) holder_.insert_or_assign(lease.address, lease.mac);
  }
  return removed;
}

void LeaseIndex::erase_record(const Lease& lease) {
  if (lease.state == LeaseState::Declined) {
    declined_.erase(lease.address);
    return;
  }
  by_mac_.erase(lease.mac);
  if (!lease.address.is_unspecified()) holder_.erase(lease.address);
}

const Lease* LeaseIndex::find_by_mac(const MacAddress& mac) const {
  const auto it = by_mac_.find(mac);
  return it == by_mac_.end() ? nullptr : &it->second;
}

const Lease* LeaseIndex::find_by_address(Ipv4Address address) const {
  if (address.is_unspecified()) return nullptr;
  if (const auto it = holder_.find(address); it != holder_.end()) return find_by_mac(it->second);
  const auto it = declined_.find(address);
  return it == declined_.end() ? nullptr : &it->second;
}

std::vector<Lease> LeaseIndex::all() const {
  std::vector<Lease> out;
  out.reserve(size());
  for (const auto& [mac, lease] : by_mac_) out.push_back(lease);
  for (const auto& [address, lease] : declined_) out.push_back(lease);
  return out;
}

void LeaseIndex::reserve(std::size_t count) {
  by_mac_.reserve(count);
  holder_.reserve(count);
}

}  // namespace netboot::lease
