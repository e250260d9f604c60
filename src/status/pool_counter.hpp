#pragma once
// The pool's leases by state, kept up to date from the lease store's commits (a
// lease::LeaseObserver), so a scrape reads counters instead of copying every lease. Pure:
// the time is passed in. Bound leases are split into unexpired and expired at the last
// time asked, each side an ordered set of expiry times, so moving the boundary costs only
// the leases that crossed it (O(log n) per lease, once).
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "core/ipv4_address.hpp"
#include "lease/lease_store.hpp"
#include "status/telemetry.hpp"

namespace netboot::status {

class PoolCounter final : public lease::LeaseObserver {
 public:
  /// Counts the leases of [first, first + size) that `leases` holds now; call subscribe()
  /// on the store right after (on the store's thread, so that no commit falls in between).
  PoolCounter(Ipv4Address first, std::uint32_t size, const std::vector<lease::Lease>& leases);

  void on_lease_removed(const lease::Lease& lease) override;
  void on_lease_added(const lease::Lease& lease) override;

  /// What count_pool() would give over the store's leases at `now`.
  [[nodiscard]] PoolUsage usage(std::string subnet, std::uint64_t reserved, WallTime now);
  /// Changes whenever a lease of any address enters or leaves the store.
  [[nodiscard]] std::uint64_t version() const noexcept { return version_; }
  /// The earliest expiry of a pool lease still bound at the last usage() call: until then
  /// the counts cannot change without a commit.
  [[nodiscard]] std::optional<WallTime> next_expiry() const;

 private:
  [[nodiscard]] bool in_pool(Ipv4Address address) const noexcept;
  void count(const lease::Lease& lease, int delta);
  void move_boundary(WallTime now);

  std::uint32_t start_;
  std::uint32_t size_;
  std::uint64_t version_ = 0;
  std::uint64_t offered_ = 0;
  std::uint64_t released_ = 0;
  std::uint64_t declined_ = 0;
  WallTime boundary_{};                    // the `now` of the last usage()
  std::multiset<WallTime> unexpired_;      // bound, expiring after boundary_
  std::multiset<WallTime> expired_;        // bound, expired at boundary_
};

}  // namespace netboot::status
