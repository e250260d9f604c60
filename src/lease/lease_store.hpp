#pragma once
// The narrow seam between the services and lease persistence. DHCP writes through it;
// TFTP (per-client boot file) and HTTP (check_ip) only read through a const reference.
#include <functional>
#include <optional>
#include <vector>

#include "core/result.hpp"
#include "lease/lease.hpp"

namespace netboot::lease {

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;

  [[nodiscard]] virtual std::optional<Lease> find_by_mac(const MacAddress& mac) const = 0;
  [[nodiscard]] virtual std::optional<Lease> find_by_address(Ipv4Address address) const = 0;

  /// Inserts or replaces the lease for `lease.mac` (and frees any address that MAC held).
  /// The in-memory view changes at once, so the next lookup sees it. `on_durable` is
  /// called once the change is on disk (group commit: many commits share one fsync);
  /// a DHCPACK is sent only from there. It runs on the thread that owns the store's
  /// event loop (see the store's constructor), never re-entrantly from commit().
  using Completion = std::function<void(Result<void>)>;
  virtual void commit(const Lease& lease, Completion on_durable) = 0;

  /// Every lease, for start-up logging, the HTTP check and tests.
  [[nodiscard]] virtual std::vector<Lease> all() const = 0;
};

}  // namespace netboot::lease
