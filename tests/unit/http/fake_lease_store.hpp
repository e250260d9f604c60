#pragma once
// An in-memory LeaseStore for tests of readers (check_ip): leases are set directly.
#include <map>
#include <optional>
#include <vector>

#include "lease/lease_store.hpp"

namespace netboot::test {

class FakeLeaseStore final : public lease::LeaseStore {
 public:
  void put(const lease::Lease& lease) { by_address_[lease.address] = lease; }

  [[nodiscard]] std::optional<lease::Lease> find_by_mac(const MacAddress& mac) const override {
    for (const auto& [address, lease] : by_address_)
      if (lease.mac == mac && lease.state != lease::LeaseState::Declined) return lease;
    return std::nullopt;
  }
  [[nodiscard]] std::optional<lease::Lease> find_by_address(Ipv4Address address) const override {
    ++lookups;
    const auto it = by_address_.find(address);
    if (it == by_address_.end()) return std::nullopt;
    return it->second;
  }
  void commit(const lease::Lease& lease, Completion on_durable) override {
    put(lease);
    if (on_durable) on_durable({});
  }
  [[nodiscard]] std::vector<lease::Lease> all() const override {
    std::vector<lease::Lease> out;
    for (const auto& [address, lease] : by_address_) out.push_back(lease);
    return out;
  }

  mutable int lookups = 0;

 private:
  std::map<Ipv4Address, lease::Lease> by_address_;
};

}  // namespace netboot::test
