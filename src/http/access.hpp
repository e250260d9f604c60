#pragma once
// check_ip (pybootd's [httpd] check_ip, its is_managed_ip): only clients that hold a lease
// from this server may download.
#include "core/ipv4_address.hpp"
#include "lease/lease.hpp"
#include "lease/lease_store.hpp"

namespace netboot::http {

enum class Access { Allowed, NoLease };

/// Allowed when check_ip is off, or when `client` holds a Bound lease that has not expired at
/// `now`. With check_ip on and no store (no DHCP service), nobody holds a lease: NoLease.
[[nodiscard]] Access decide_access(bool check_ip, const lease::LeaseStore* leases, Ipv4Address client,
                                   lease::WallTime now);

}  // namespace netboot::http
