#include "lease/lease_listing.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/text.hpp"

namespace netboot::lease {
namespace {

std::vector<const Lease*> by_address(std::span<const Lease> leases) {
  std::vector<const Lease*> sorted;
  sorted.reserve(leases.size());
  for (const Lease& lease : leases) sorted.push_back(&lease);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Lease* a, const Lease* b) {
    return a->address != b->address ? a->address.to_host_order() < b->address.to_host_order() : a->mac < b->mac;
  });
  return sorted;
}

std::string iso_utc(WallTime t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::time_point_cast<std::chrono::seconds>(t));
}

bool expired(const Lease& lease, WallTime now) { return lease.state == LeaseState::Bound && lease.expires <= now; }

// The relay's address and option 82's ids: absent for a lease that did not come through a relay.
std::optional<std::string> relay_text(const Lease& lease) {
  if (lease.relay_address.is_unspecified()) return std::nullopt;
  return lease.relay_address.to_string();
}
std::optional<std::string> id_text(const std::string& id) {
  if (id.empty()) return std::nullopt;
  return printable_id(id);
}
nlohmann::json or_null(const std::optional<std::string>& text) {
  return text ? nlohmann::json(*text) : nlohmann::json(nullptr);
}

}  // namespace

std::string format_lease_table(std::span<const Lease> leases, WallTime now) {
  using Row = std::array<std::string, 9>;
  std::vector<Row> rows{{"MAC", "IP", "STATE", "EXPIRES", "PHASE", "UUID", "RELAY", "CIRCUIT-ID", "REMOTE-ID"}};
  for (const Lease* lease : by_address(leases)) {
    std::string state(to_string(lease->state));
    if (expired(*lease, now)) state += " (expired)";
    rows.push_back({lease->mac.to_string(':'), lease->address.to_string(), std::move(state), iso_utc(lease->expires),
                    std::string(to_string(lease->phase)), lease->uuid ? lease->uuid->to_string() : "-",
                    relay_text(*lease).value_or("-"), id_text(lease->circuit_id).value_or("-"),
                    id_text(lease->remote_id).value_or("-")});
  }
  std::array<std::size_t, 9> width{};
  for (const Row& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  std::string out;
  for (const Row& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(width[i] - row[i].size() + 2, ' ');
    }
    out += line + '\n';
  }
  return out;
}

std::string format_lease_json(std::span<const Lease> leases, WallTime now) {
  auto list = nlohmann::json::array();
  for (const Lease* lease : by_address(leases)) {
    list.push_back({
        {"mac", lease->mac.to_string(':')},
        {"ip", lease->address.to_string()},
        {"state", to_string(lease->state)},
        {"expired", expired(*lease, now)},
        {"expires", iso_utc(lease->expires)},
        {"expires_unix", std::chrono::duration_cast<std::chrono::seconds>(lease->expires.time_since_epoch()).count()},
        {"phase", to_string(lease->phase)},
        {"uuid", lease->uuid ? nlohmann::json(lease->uuid->to_string()) : nlohmann::json(nullptr)},
        {"relay", or_null(relay_text(*lease))},
        {"circuit_id", or_null(id_text(lease->circuit_id))},
        {"remote_id", or_null(id_text(lease->remote_id))},
        {"hostname", lease->hostname},
        {"boot_file", lease->boot_file},
    });
  }
  // Invalid UTF-8 (a hostname from an authorization server) is replaced, never thrown over.
  return nlohmann::json{{"leases", std::move(list)}}.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
         '\n';
}

}  // namespace netboot::lease
