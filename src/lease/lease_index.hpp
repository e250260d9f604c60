#pragma once
// The in-memory bindings shared by every LeaseStore: O(1) lookups by MAC and by address,
// and the one place where the store invariants (lease_store.hpp, commit()) are enforced,
// so the memory store, the SQLite store and a reload all agree on them.
#include <cstddef>
#include <unordered_map>
#include <vector>

#include "lease/lease.hpp"

namespace netboot::lease {

class LeaseIndex {
 public:
  /// Inserts `lease` and returns the records it displaced (the MAC's previous record, the
  /// previous holder of the address), in that order; a record is never listed twice.
  std::vector<Lease> apply(const Lease& lease);

  [[nodiscard]] const Lease* find_by_mac(const MacAddress& mac) const;
  [[nodiscard]] const Lease* find_by_address(Ipv4Address address) const;
  [[nodiscard]] std::vector<Lease> all() const;
  [[nodiscard]] std::size_t size() const { return by_mac_.size() + declined_.size(); }
  void reserve(std::size_t count);

 private:
  void erase_record(const Lease& lease);

  std::unordered_map<MacAddress, Lease> by_mac_;            // every record that is not Declined
  std::unordered_map<Ipv4Address, MacAddress> holder_;      // address -> by_mac_ key (not 0.0.0.0)
  std::unordered_map<Ipv4Address, Lease> declined_;         // Declined records, by address
};

}  // namespace netboot::lease
