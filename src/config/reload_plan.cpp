#include "config/reload_plan.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "core/database_uri.hpp"
#include "core/text.hpp"

namespace netboot::config {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

constexpr std::string_view kReloadableSections[] = {"mac", "uuid", "static_dhcp", "bootfile",
                                                    "filters", "buggy_clients", "http"};

bool reloadable_section(std::string_view section) {
  const std::string name = lower(section);
  return std::find(std::begin(kReloadableSections), std::end(kReloadableSections), name) !=
         std::end(kReloadableSections);
}

struct Value {
  std::string section;  // as written, for messages
  std::string key;
  std::string text;
};
// (section, key), lower-cased -> the last value given (inih's and ConfigParser's rule).
using Flat = std::map<std::pair<std::string, std::string>, Value>;

Flat flatten(const IniFile& ini) {
  Flat flat;
  for (const auto& section : ini.sections)
    for (const auto& entry : section.entries)
      flat[{lower(section.name), lower(entry.key)}] = Value{section.name, entry.key, entry.value};
  return flat;
}

/// A value as a log line may show it: a database URI without its password, control bytes
/// escaped, long values cut (a value from the file may be anything).
std::string in_quotes(std::string_view text) { return "'" + printable(redact_database_uri(text)) + "'"; }

std::size_t entries_in(const Flat& flat, const std::string& section) {
  return static_cast<std::size_t>(std::count_if(flat.begin(), flat.end(), [&](const auto& item) {
    return item.first.first == section && reloadable(section, item.first.second);
  }));
}

}  // namespace

bool reloadable(std::string_view section, std::string_view key) {
  const std::string s = lower(section);
  const std::string k = lower(key);
  if (s == "bootp" || s == "bootpd") return k == "boot_file";
  // The access checker's timeout is fixed when it is built (and bounds how long an exchange
  // may stay parked): a restart.
  if (s == "http") return k != "timeout";
  // Boot profiles and their assignment (issue 20); [boot_api] needs a restart (its client is
  // built at start, and its timeout bounds how long an exchange may stay parked).
  if (s == "hosts" || (s.size() > 8 && s.starts_with("profile") && (s[7] == ' ' || s[7] == '\t'))) return true;
  return reloadable_section(s);
}

ReloadPlan plan_reload(const IniFile& startup, const IniFile& applied, const Config& running,
                       const IniFile& next_ini, const Config& next) {
  ReloadPlan plan{running, {}, {}};
  plan.config.access_lists = next.access_lists;
  plan.config.http_access = next.http_access;
  plan.config.http_access.timeout = running.http_access.timeout;
  plan.config.dhcp.boot_files = next.dhcp.boot_files;
  plan.config.dhcp.static_leases = next.dhcp.static_leases;
  // [subnet] sections need a restart; the [static_dhcp] entries and [bootfile] they take are reloaded.
  auto& subnets = plan.config.dhcp.subnets;
  for (std::size_t i = 0; i < subnets.size() && i < next.dhcp.subnets.size(); ++i) {
    if (subnets[i].name != next.dhcp.subnets[i].name) continue;
    subnets[i].reservations = next.dhcp.subnets[i].reservations;
    subnets[i].boot_files = next.dhcp.subnets[i].boot_files;
  }
  plan.config.dhcp.buggy_clients = next.dhcp.buggy_clients;
  plan.config.tftp.filters = next.tftp.filters;
  plan.config.boot = next.boot;
  plan.config.boot.api = running.boot.api;
  if (plan.config.boot.api.enabled()) plan.config.boot.fallback.reset();  // cannot both be: see load_boot_profiles

  const Flat before = flatten(applied);
  const Flat after = flatten(next_ini);
  // Changes, per reloadable section (and [bootp] boot_file), against the last applied file.
  std::map<std::string, std::string> changed;  // lower-cased section -> how it is written
  auto note = [&](const Flat::key_type& key, const Value& value) {
    if (reloadable(key.first, key.second)) changed.emplace(key.first, value.section);
  };
  for (const auto& [key, value] : after) {
    const auto old = before.find(key);
    if (old == before.end() || old->second.text != value.text) note(key, value);
  }
  for (const auto& [key, value] : before)
    if (!after.contains(key)) note(key, value);
  for (const auto& [section, written] : changed) {
    if (section == "bootp" || section == "bootpd") {
      plan.changes.push_back(fmt::format("[{}] boot_file changed", written));
    } else {
      plan.changes.push_back(fmt::format("[{}] changed ({} -> {} entries)", written, entries_in(before, section),
                                         entries_in(after, section)));
    }
  }

  // Keys that need a restart, against the file the services were built from.
  const Flat started = flatten(startup);
  for (const auto& [key, value] : after) {
    if (reloadable(key.first, key.second)) continue;
    const auto old = started.find(key);
    if (old == started.end()) {
      plan.needs_restart.push_back(fmt::format("[{}] {} needs a restart: keeping its default (the file now says {})",
                                               value.section, value.key, in_quotes(value.text)));
    } else if (old->second.text != value.text) {
      plan.needs_restart.push_back(fmt::format("[{}] {} needs a restart: keeping {} (the file now says {})",
                                               value.section, value.key, in_quotes(old->second.text),
                                               in_quotes(value.text)));
    }
  }
  for (const auto& [key, value] : started) {
    if (reloadable(key.first, key.second) || after.contains(key)) continue;
    plan.needs_restart.push_back(fmt::format("[{}] {} needs a restart: keeping {} (the file no longer sets it)",
                                             value.section, value.key, in_quotes(value.text)));
  }
  return plan;
}

}  // namespace netboot::config
