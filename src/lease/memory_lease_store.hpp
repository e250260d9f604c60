#pragma once
// A LeaseStore that keeps nothing on disk: for tests and for running without a lease file.
#include <vector>

#include "lease/lease_index.hpp"
#include "lease/lease_store.hpp"

namespace netboot::lease {

class MemoryLeaseStore final : public LeaseStore {
 public:
  /// `post` delivers completions (never re-entrantly from commit()); `initial` is applied in
  /// order with the usual invariants, without notifications or completions.
  explicit MemoryLeaseStore(Post post, const std::vector<Lease>& initial = {});

  [[nodiscard]] std::optional<Lease> find_by_mac(const MacAddress& mac) const override;
  [[nodiscard]] std::optional<Lease> find_by_address(Ipv4Address address) const override;
  void commit(const Lease& lease, Completion on_durable) override;
  [[nodiscard]] std::vector<Lease> all() const override;
  [[nodiscard]] std::size_t size() const { return index_.size(); }

 private:
  Post post_;
  LeaseIndex index_;
};

}  // namespace netboot::lease
