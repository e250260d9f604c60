#include "lease/address_allocator.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace netboot::lease {

std::string_view to_string(AllocationSource source) noexcept {
  switch (source) {
    case AllocationSource::Reservation: return "reservation";
    case AllocationSource::Existing: return "existing";
    case AllocationSource::Requested: return "requested";
    case AllocationSource::Free: return "free";
    case AllocationSource::Reclaimed: return "reclaimed";
    case AllocationSource::OfferLapsed: return "offer lapsed";
    case AllocationSource::Reused: return "reused";
  }
  return "unknown";
}

AddressAllocator::AddressAllocator(PoolSettings settings, const LeaseStore& store)
    : settings_(std::move(settings)), store_(store), pool_(make_pool()) {
  rebuild();
  store_.subscribe(*this);
}

AddressAllocator::AddressAllocator(PoolSettings settings, const LeaseStore& store, Unobserved)
    : settings_(std::move(settings)), store_(store), observing_(false), pool_(make_pool()) {
  rebuild(false);
}

AddressPool AddressAllocator::make_pool() const {
  if (!settings_.ranges.empty()) return AddressPool(settings_.ranges);
  return AddressPool(settings_.pool_start, settings_.pool_count);
}

void AddressAllocator::reset_reservations(std::map<MacAddress, Ipv4Address> reservations) {
  settings_.reservations = std::move(reservations);
  rebuild(false);
}

void AddressAllocator::rebuild(bool read_store) {
  pool_ = make_pool();
  reserved_.clear();
  offered_.clear();
  lapsed_.clear();
  declined_.clear();
  for (const auto& [mac, address] : settings_.reservations) {
    reserved_.insert(address);
    pool_.take(address);
  }
  for (const Ipv4Address address : settings_.unusable) pool_.take(address);
  if (read_store)
    for (const Lease& lease : store_.all()) on_lease_added(lease);
}

void AddressAllocator::replace_reservations(std::map<MacAddress, Ipv4Address> reservations) {
  settings_.reservations = std::move(reservations);
  rebuild(observing_);
}

AddressAllocator::~AddressAllocator() {
  if (observing_) store_.unsubscribe(*this);
}

bool AddressAllocator::dynamic(Ipv4Address address) const {
  return pool_.contains(address) && !reserved_.contains(address) && !unusable(address);
}

AddressAllocator::Queue& AddressAllocator::queue_for(const Lease& lease) {
  switch (lease.state) {
    case LeaseState::Offered: return offered_;
    case LeaseState::Declined: return declined_;
    case LeaseState::Bound:
    case LeaseState::Released: break;
  }
  return lapsed_;
}

WallTime AddressAllocator::lapsed_since(const Lease& lease) {
  switch (lease.state) {
    case LeaseState::Released: return std::min(lease.updated, lease.expires);  // released before its end
    case LeaseState::Declined:                                                 // probation end
    case LeaseState::Offered:
    case LeaseState::Bound: return lease.expires;
  }
  return lease.expires;
}

void AddressAllocator::on_lease_removed(const Lease& lease) {
  if (!dynamic(lease.address)) return;
  queue_for(lease).erase({lapsed_since(lease), lease.address});
  pool_.put_back(lease.address);
}

void AddressAllocator::on_lease_added(const Lease& lease) {
  if (!dynamic(lease.address)) return;
  queue_for(lease).insert({lapsed_since(lease), lease.address});
  pool_.take(lease.address);
}

std::optional<Lease> AddressAllocator::holder(Ipv4Address address) const { return store_.find_by_address(address); }

std::optional<std::string> AddressAllocator::known_wrong_for(const MacAddress& mac, Ipv4Address address) const {
  if (unusable(address)) return fmt::format("{} is never leased", address.to_string());
  if (reserved_.contains(address)) {
    const auto own = settings_.reservations.find(mac);
    if (own == settings_.reservations.end() || own->second != address)
      return fmt::format("{} is reserved for another client", address.to_string());
  }
  if (const auto held = holder(address); held && held->mac != mac)
    return fmt::format("{} is leased to another client", address.to_string());
  return std::nullopt;
}

Result<Allocation> AddressAllocator::allocate(const MacAddress& mac, std::optional<Ipv4Address> requested,
                                              WallTime now) const {
  if (const auto reserved = settings_.reservations.find(mac);
      reserved != settings_.reservations.end() && !unusable(reserved->second)) {
    Allocation allocation{reserved->second, AllocationSource::Reservation, holder(reserved->second)};
    if (allocation.previous && allocation.previous->mac == mac &&
        allocation.previous->state != LeaseState::Declined) {
      allocation.previous.reset();  // its own lease: nothing is taken from anyone
    }
    return allocation;
  }
  if (pool_.size() == 0) {
    return fail(Errc::NotFound, fmt::format("no [static_dhcp] reservation for {} and no pool (pool_count = 0)",
                                            mac.to_string()));
  }
  if (const auto existing = store_.find_by_mac(mac);
      existing && existing->state != LeaseState::Declined && dynamic(existing->address)) {
    return Allocation{existing->address, AllocationSource::Existing, std::nullopt};
  }
  if (requested && dynamic(*requested)) {
    if (pool_.is_free(*requested)) return Allocation{*requested, AllocationSource::Requested, std::nullopt};
    if (auto held = holder(*requested); held && held->state == LeaseState::Declined && held->expires <= now) {
      return Allocation{*requested, AllocationSource::Requested, std::move(held)};
    }
  }
  if (const auto free = pool_.first_free()) return Allocation{*free, AllocationSource::Free, std::nullopt};
  // An offer the client never took (it chose another server, or its MAC was random) says
  // nothing about the address: it is free again once the hold ends, not a lease_time later.
  if (!offered_.empty() && offered_.begin()->first <= now) {
    const Ipv4Address address = offered_.begin()->second;
    return Allocation{address, AllocationSource::OfferLapsed, holder(address)};
  }
  if (!declined_.empty() && declined_.begin()->first <= now) {
    const Ipv4Address address = declined_.begin()->second;
    return Allocation{address, AllocationSource::Reclaimed, holder(address)};
  }
  if (!lapsed_.empty() && lapsed_.begin()->first + settings_.lease_time < now) {
    const Ipv4Address address = lapsed_.begin()->second;
    return Allocation{address, AllocationSource::Reused, holder(address)};
  }
  return fail(Errc::Busy, fmt::format("address pool exhausted: all {} addresses from {} are held and none has "
                                      "been expired for longer than lease_time ({} s)",
                                      pool_.size(), pool_.start().to_string(), settings_.lease_time.count()));
}

}  // namespace netboot::lease
