#pragma once
// `netbootd leases`: the leases of a lease file as an aligned table or as JSON. Pure: the
// leases and the time in, text out.
#include <span>
#include <string>

#include "lease/lease.hpp"

namespace netboot::lease {

/// One line per lease, by address, under a header: MAC, IP, STATE, EXPIRES (UTC, ISO 8601),
/// PHASE, UUID, RELAY (the giaddr it came through), CIRCUIT-ID, REMOTE-ID (option 82, as
/// printable_id shows them: bytes a relay or a forger chose); "-" when none. A bound lease
/// past its expiry reads "bound (expired)". Columns are as wide as their widest cell, two
/// spaces apart.
[[nodiscard]] std::string format_lease_table(std::span<const Lease> leases, WallTime now);

/// {"leases": [{"mac", "ip", "state", "expired", "expires" (ISO 8601 UTC), "expires_unix",
/// "phase", "uuid", "relay", "circuit_id", "remote_id" (each null when none; the ids as
/// printable_id shows them), "hostname", "boot_file"}, ...]}, by address, then a newline.
[[nodiscard]] std::string format_lease_json(std::span<const Lease> leases, WallTime now);

}  // namespace netboot::lease
