#pragma once
// `netbootd leases`: the leases of a lease file as an aligned table or as JSON. Pure: the
// leases and the time in, text out.
#include <span>
#include <string>

#include "lease/lease.hpp"

namespace netboot::lease {

/// One line per lease, by address, under a header: MAC, IP, STATE, EXPIRES (UTC, ISO 8601),
/// PHASE, UUID ("-" when none). A bound lease past its expiry reads "bound (expired)".
/// Columns are as wide as their widest cell, two spaces apart.
[[nodiscard]] std::string format_lease_table(std::span<const Lease> leases, WallTime now);

/// {"leases": [{"mac", "ip", "state", "expired", "expires" (ISO 8601 UTC), "expires_unix",
/// "phase", "uuid" (null when none), "hostname", "boot_file"}, ...]}, by address, then a newline.
[[nodiscard]] std::string format_lease_json(std::span<const Lease> leases, WallTime now);

}  // namespace netboot::lease
