#include "status/pool_counter.hpp"

namespace netboot::status {

PoolCounter::PoolCounter(Ipv4Address first, std::uint32_t size, const std::vector<lease::Lease>& leases)
    : start_(first.to_host_order()), size_(size) {
  for (const auto& lease : leases) on_lease_added(lease);
}

bool PoolCounter::in_pool(Ipv4Address address) const noexcept {
  const std::uint32_t at = address.to_host_order();
  return at >= start_ && at - start_ < size_;
}

void PoolCounter::count(const lease::Lease& lease, int delta) {
  ++version_;
  if (!in_pool(lease.address)) return;
  const auto add = [delta](std::uint64_t& n) { n = delta > 0 ? n + 1 : (n > 0 ? n - 1 : 0); };
  switch (lease.state) {
    case lease::LeaseState::Offered: add(offered_); break;
    case lease::LeaseState::Released: add(released_); break;
    case lease::LeaseState::Declined: add(declined_); break;
    case lease::LeaseState::Bound: {
      auto& side = lease.expires > boundary_ ? unexpired_ : expired_;
      if (delta > 0) side.insert(lease.expires);
      else if (const auto it = side.find(lease.expires); it != side.end()) side.erase(it);
      break;
    }
  }
}

void PoolCounter::on_lease_removed(const lease::Lease& lease) { count(lease, -1); }
void PoolCounter::on_lease_added(const lease::Lease& lease) { count(lease, +1); }

void PoolCounter::move_boundary(WallTime now) {
  while (!unexpired_.empty() && *unexpired_.begin() <= now) {
    expired_.insert(expired_.end(), *unexpired_.begin());
    unexpired_.erase(unexpired_.begin());
  }
  while (!expired_.empty() && *std::prev(expired_.end()) > now) {  // the clock was set back
    unexpired_.insert(unexpired_.begin(), *std::prev(expired_.end()));
    expired_.erase(std::prev(expired_.end()));
  }
  boundary_ = now;
}

PoolUsage PoolCounter::usage(std::string subnet, std::uint64_t reserved, WallTime now) {
  move_boundary(now);
  PoolUsage usage;
  usage.subnet = std::move(subnet);
  usage.first = Ipv4Address::from_host_order(start_);
  usage.size = size_;
  usage.reserved = reserved;
  usage.offered = offered_;
  usage.bound = unexpired_.size();
  usage.expired = expired_.size();
  usage.released = released_;
  usage.declined = declined_;
  return usage;
}

std::optional<WallTime> PoolCounter::next_expiry() const {
  if (unexpired_.empty()) return std::nullopt;
  return *unexpired_.begin();
}

}  // namespace netboot::status
