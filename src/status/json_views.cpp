#include "status/json_views.hpp"

#include <algorithm>
#include <ctime>
#include <utility>

#include <fmt/format.h>

namespace netboot::status {

std::string format_time(WallTime time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec);
}

namespace {

nlohmann::json optional_text(const std::optional<std::string>& text) {
  return text ? nlohmann::json(*text) : nlohmann::json(nullptr);
}

nlohmann::json record_json(const TransferRecord& record) {
  return {{"client", record.client.to_string()},
          {"file", record.file},
          {"bytes", record.bytes},
          {"size", record.size ? nlohmann::json(*record.size) : nlohmann::json(nullptr)},
          {"started", format_time(record.started)},
          {"seconds", record.seconds},
          {"outcome", record.outcome}};
}

nlohmann::json window_json(ListWindow window) {
  return window.limit == ListWindow{}.limit ? nlohmann::json(nullptr) : nlohmann::json(window.limit);
}

// The [offset, offset + limit) part of [0, size).
std::pair<std::size_t, std::size_t> bounds_of(ListWindow window, std::size_t size) {
  const std::size_t begin = std::min(window.offset, size);
  return {begin, begin + std::min(window.limit, size - begin)};
}

}  // namespace

nlohmann::json leases_json(const std::vector<lease::Lease>& leases, WallTime now, ListWindow window) {
  auto list = nlohmann::json::array();
  const auto [begin, end] = bounds_of(window, leases.size());
  for (std::size_t i = begin; i < end; ++i) {
    const auto& lease = leases[i];
    const bool expired = lease.state == lease::LeaseState::Bound && lease.expires <= now;
    list.push_back({{"mac", lease.mac.to_string()},
                    {"ip", lease.address.to_string()},
                    {"state", expired ? std::string("expired") : std::string(lease::to_string(lease.state))},
                    {"expires", format_time(lease.expires)},
                    {"updated", format_time(lease.updated)},
                    {"phase", lease::to_string(lease.phase)},
                    {"uuid", optional_text(lease.uuid ? std::optional(lease.uuid->to_string()) : std::nullopt)},
                    {"hostname", lease.hostname},
                    {"boot_file", lease.boot_file}});
  }
  return {{"count", leases.size()},
          {"offset", window.offset},
          {"limit", window_json(window)},
          {"leases", std::move(list)}};
}

nlohmann::json live_transfer_json(const LiveTransfer& t) {
  const double rate = t.seconds > 0 ? static_cast<double>(t.bytes) / t.seconds : 0.0;
  nlohmann::json eta = nullptr;
  if (t.size && rate > 0) eta = static_cast<double>(*t.size > t.bytes ? *t.size - t.bytes : 0) / rate;
  nlohmann::json progress = nullptr;
  if (t.size) progress = *t.size == 0 ? 1.0 : std::min(1.0, static_cast<double>(t.bytes) / static_cast<double>(*t.size));
  return {{"client", t.client.to_string()},
          {"client_port", t.client_port},
          {"file", t.file},
          {"bytes", t.bytes},
          {"size", t.size ? nlohmann::json(*t.size) : nlohmann::json(nullptr)},
          {"progress", progress},
          {"started", format_time(t.started)},
          {"seconds", t.seconds},
          {"rate_bytes_per_second", rate},
          {"eta_seconds", eta}};
}

nlohmann::json transfers_json(const std::vector<LiveTransfer>& live, const std::deque<TransferRecord>& recent) {
  auto live_list = nlohmann::json::array();
  for (const auto& t : live) live_list.push_back(live_transfer_json(t));
  auto recent_list = nlohmann::json::array();
  for (auto it = recent.rbegin(); it != recent.rend(); ++it) recent_list.push_back(record_json(*it));  // newest first
  return {{"live", std::move(live_list)}, {"recent", std::move(recent_list)}};
}

nlohmann::json machines_json(const BootActivity& activity, const std::vector<LiveTransfer>& live,
                             const std::optional<PoolUsage>& pool, ListWindow window) {
  auto list = nlohmann::json::array();
  const auto machines = activity.machines_in_boot_order();
  const auto [begin, end] = bounds_of(window, machines.size());
  for (std::size_t i = begin; i < end; ++i) {
    const Machine* m = machines[i];
    nlohmann::json current = nullptr;
    if (m->address) {
      for (const auto& t : live)
        if (t.client == *m->address) current = live_transfer_json(t);
    }
    auto transfers = nlohmann::json::array();
    for (const auto& record : m->transfers) transfers.push_back(record_json(record));
    list.push_back({{"mac", m->mac.to_string()},
                    {"uuid", optional_text(m->uuid ? std::optional(m->uuid->to_string()) : std::nullopt)},
                    {"arch", m->arch ? nlohmann::json(*m->arch) : nlohmann::json(nullptr)},
                    {"client_type", to_string(m->client_type)},
                    {"phase", lease::to_string(m->phase)},
                    {"step", to_string(m->step)},
                    {"address", m->address ? nlohmann::json(m->address->to_string()) : nlohmann::json(nullptr)},
                    {"boot_file", m->boot_file},
                    {"first_seen", format_time(m->first_seen)},
                    {"last_seen", format_time(m->last_seen)},
                    {"current_transfer", std::move(current)},
                    {"transfers", std::move(transfers)}});
  }
  auto pools = nlohmann::json::array();
  if (pool) {
    pools.push_back({{"subnet", pool->subnet},
                     {"first", pool->first.to_string()},
                     {"size", pool->size},
                     {"offered", pool->offered},
                     {"bound", pool->bound},
                     {"expired", pool->expired},
                     {"released", pool->released},
                     {"declined", pool->declined},
                     {"reserved", pool->reserved}});
  }
  auto refusals = nlohmann::json::array();
  const auto& recent = activity.refusals();
  for (auto it = recent.rbegin(); it != recent.rend(); ++it)
    refusals.push_back({{"at", format_time(it->at)}, {"service", it->service}, {"client", it->client},
                        {"reason", it->reason}});
  return {{"count", machines.size()},
          {"offset", window.offset},
          {"limit", window_json(window)},
          {"machines", std::move(list)},
          {"machine_limit", activity.limits().max_machines},
          {"pools", std::move(pools)},
          {"refusals", std::move(refusals)}};
}

std::string to_json_text(const nlohmann::json& document) {
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace netboot::status
