#include "http/access.hpp"

namespace netboot::http {

Access decide_access(bool check_ip, const lease::LeaseStore* leases, Ipv4Address client, lease::WallTime now) {
  if (!check_ip) return Access::Allowed;
  if (leases == nullptr) return Access::NoLease;
  const auto lease = leases->find_by_address(client);
  if (lease && lease->state == lease::LeaseState::Bound && lease->expires > now) return Access::Allowed;
  return Access::NoLease;
}

}  // namespace netboot::http
