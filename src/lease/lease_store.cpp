#include "lease/lease_store.hpp"

#include <algorithm>

namespace netboot::lease {

void LeaseStore::subscribe(LeaseObserver& observer) const {
  if (std::find(observers_.begin(), observers_.end(), &observer) == observers_.end()) {
    observers_.push_back(&observer);
  }
}

void LeaseStore::unsubscribe(LeaseObserver& observer) const { std::erase(observers_, &observer); }

void LeaseStore::notify_removed(const Lease& lease) const {
  for (LeaseObserver* observer : observers_) observer->on_lease_removed(lease);
}

void LeaseStore::notify_added(const Lease& lease) const {
  for (LeaseObserver* observer : observers_) observer->on_lease_added(lease);
}

}  // namespace netboot::lease
