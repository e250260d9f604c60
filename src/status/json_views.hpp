#pragma once
// The JSON documents of /api/v1/... (nlohmann-json), pure: values in, documents out. Text a
// client chose (file names) is kept as sent; to_json_text() replaces invalid UTF-8 so the
// document stays valid whatever a client sent.
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lease/lease.hpp"
#include "status/boot_activity.hpp"
#include "status/list_window.hpp"
#include "status/telemetry.hpp"

namespace netboot::status {

/// RFC 3339 UTC, seconds: "2026-12-03T13:40:05Z".
[[nodiscard]] std::string format_time(WallTime time);

/// /api/v1/leases: {"count", "offset", "limit", "leases": [{mac, ip, state, expires, phase, uuid,
/// hostname, boot_file}]}: `count` leases in all, those of `window` listed, in the order given.
[[nodiscard]] nlohmann::json leases_json(const std::vector<lease::Lease>& leases, WallTime now,
                                         ListWindow window = {});
/// /api/v1/transfers: {"live": [{client, file, bytes, size, rate_bytes_per_second, eta_seconds, ...}],
/// "recent": [...]}.
[[nodiscard]] nlohmann::json transfers_json(const std::vector<LiveTransfer>& live,
                                            const std::deque<TransferRecord>& recent);
/// /api/v1/machines: {"machines": [...]} in boot order, each with its current transfer (a
/// live transfer to its address) and its recent ones, those of `window` listed ("count": the
/// machines in the table, "offset", "limit"); "pools" and "refusals" for the page.
[[nodiscard]] nlohmann::json machines_json(const BootActivity& activity, const std::vector<LiveTransfer>& live,
                                           const std::optional<PoolUsage>& pool, ListWindow window = {});
/// One live transfer, with its rate and ETA (null while unknown).
[[nodiscard]] nlohmann::json live_transfer_json(const LiveTransfer& transfer);

/// The document as text; invalid UTF-8 becomes U+FFFD instead of an exception.
[[nodiscard]] std::string to_json_text(const nlohmann::json& document);

}  // namespace netboot::status
