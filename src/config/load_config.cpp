#include "config/load_config.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "core/database_uri.hpp"
#include "config/near_miss.hpp"
#include "config/unusable_addresses.hpp"
#include "core/text.hpp"
#include "core/text_template.hpp"
#include "core/url_text.hpp"

namespace netboot::config {
namespace {

namespace fs = std::filesystem;

// The section names of pybootd's README, and the names later pybootd releases use.
struct SectionAlias {
  std::string_view canonical;
  std::string_view alias;
};
constexpr SectionAlias kSectionAliases[] = {{"bootp", "bootpd"}, {"tftp", "tftpd"}};
constexpr std::string_view kKnownSections[] = {"logger", "bootp", "tftp",   "mac",         "uuid",          "http",
                                               "filters", "httpd", "bootfile", "static_dhcp", "buggy_clients",
                                               "netbootd", "status", "hosts", "boot_api"};

// The keys each section knows; an unknown key close to one of these is a typo (an error),
// anything else a warning. Sections keyed by data ([bootfile], [mac], ...) have no list.
constexpr std::string_view kLoggerKeys[] = {"type", "level", "file"};
constexpr std::string_view kBootpKeys[] = {"address",   "port",      "interface", "access",      "allow_simple_dhcp",
                                           "boot_file", "domain",    "servername", "server_name", "dns",
                                           "gateway",   "set_gateway", "netmask",  "lease_time",  "pool_start",
                                           "pool_count", "notify",   "timeout",    "lease_file", "proxy",
                                           "pxe_port",  "trusted_relays"};
constexpr std::string_view kHttpKeys[] = {"location", "pxe", "dhcp", "timeout", "always_check", "query_form"};
constexpr std::string_view kTftpKeys[] = {"address",  "port",          "blocksize",     "timeout",
                                          "retries",  "retry",         "root",          "writable",
                                          "max_transfers", "max_transfers_per_client", "max_windowsize",
                                          "allow_filesystem_root", "remote_redirects", "remote_memory_mb",
                                          "remote_min_rate", "remote_deadline", "max_timeout",
                                          "max_transfer_memory"};
constexpr std::string_view kHttpdKeys[] = {"enable",   "enabled",         "address",              "port", "root",
                                           "check_ip", "max_connections", "allow_filesystem_root",
                                           "max_connections_per_client", "min_send_rate"};
constexpr std::string_view kProcessKeys[] = {"user", "group"};
constexpr std::string_view kProfileKeys[] = {"kernel", "initrd", "cmdline"};
constexpr std::string_view kBootApiKeys[] = {"url", "timeout", "cache", "max_answer_bytes"};
// 224.0.0.0: multicast, then reserved (240/4) and broadcast, to the end of the address space.
constexpr std::uint32_t kFirstMulticast = 0xE0000000u;
constexpr std::string_view kSubnetKeys[] = {"network", "pool", "pool_start", "pool_count", "gateway", "set_gateway",
                                            "netmask", "dns", "domain", "lease_time", "next_server", "boot_file",
                                            "relay", "interface"};
constexpr std::string_view kStatusKeys[] = {"enable", "enabled", "address", "port", "max_connections", "hostnames"};

// Every name a section may be written as, aliases included, for "did you mean".
constexpr std::string_view kSectionSpellings[] = {"logger",  "bootp",    "bootpd",      "tftp",          "tftpd",
                                                  "mac",     "uuid",     "http",        "filters",       "httpd",
                                                  "bootfile", "static_dhcp", "buggy_clients", "netbootd",
                                                  "status", "hosts", "boot_api"};

// "[subnet NAME]": one more network served (docs/configuration.md). inih keeps the space.
constexpr std::string_view kSubnetPrefix = "subnet";
bool is_subnet_section(std::string_view name) {
  return name.size() >= kSubnetPrefix.size() && iequals(name.substr(0, kSubnetPrefix.size()), kSubnetPrefix) &&
         (name.size() == kSubnetPrefix.size() || name[kSubnetPrefix.size()] == ' ' || name[kSubnetPrefix.size()] == '\t');
}

std::string canonical_section(std::string_view name) {
  for (const auto& [canonical, alias] : kSectionAliases)
    if (iequals(name, alias)) return std::string(canonical);
  return to_lower(name);
}

// The sections where every key is a list entry (a MAC, a UUID, an architecture, a pattern).
constexpr std::string_view kListSections[] = {"mac", "uuid", "static_dhcp", "buggy_clients", "bootfile", "filters", "hosts"};

// "[profile debian12]": the profile's name, or nullopt for any other section.
std::optional<std::string_view> profile_section_name(std::string_view section) {
  if (section.size() < 8 || !iequals(section.substr(0, 7), "profile") || (section[7] != ' ' && section[7] != '\t'))
    return std::nullopt;
  return trim(section.substr(8));
}

// Python's ConfigParser (pybootd's reader) makes the keys of a [DEFAULT] section (that exact
// name) visible in every other section that does not set them, and [DEFAULT] itself is no
// section. The same here, before anything else reads the file. In the list sections
// ConfigParser would have made them entries (pybootd then failed on the MAC or UUID, or
// kept a boot file or filter nobody asks for): there they are ignored, with a warning.
IniFile apply_default_section(const IniFile& ini, std::vector<std::string>& warnings) {
  IniFile out{ini.path, {}};
  std::vector<IniEntry> defaults;
  for (const auto& s : ini.sections) {
    if (s.name != "DEFAULT") {
      out.sections.push_back(s);
      continue;
    }
    for (const auto& e : s.entries) {
      const auto same_key = [&](const IniEntry& d) { return iequals(d.key, e.key); };
      std::erase_if(defaults, same_key);  // the last one wins, as in ConfigParser
      defaults.push_back(e);
      defaults.back().from_default = true;
    }
  }
  if (defaults.empty()) return out;
  std::set<std::string> warned;
  for (auto& s : out.sections) {
    const auto canonical = canonical_section(s.name);
    const bool list = std::find(std::begin(kListSections), std::end(kListSections), canonical) != std::end(kListSections);
    for (const auto& d : defaults) {
      const bool set_here =
          std::any_of(s.entries.begin(), s.entries.end(), [&](const IniEntry& e) { return iequals(e.key, d.key); });
      if (set_here) continue;
      if (list) {
        if (warned.insert(canonical + "\n" + to_lower(d.key)).second)
          warnings.push_back(fmt::format("{}:{}: [DEFAULT] {}: not applied to [{}], whose keys are list entries", ini.path,
                                         d.line, d.key, s.name));
        continue;
      }
      s.entries.push_back(d);
    }
  }
  return out;
}

// Reports the first error; collects warnings. Errors stop loading at once.
class Loader {
 public:
  Loader(const IniFile& ini, const LoadOptions& options, std::span<const NetworkInterface> interfaces)
      : ini_(apply_default_section(ini, warnings_)), options_(options), interfaces_(interfaces) {
    std::error_code ec;
    base_dir_ = fs::absolute(fs::path(ini.path), ec).parent_path();
  }

  Result<LoadedConfig> run();

 private:
  struct Entry {
    const IniEntry* entry;
    std::string section;  // canonical name
    const IniSection* where;
  };

  // A failure message in the house format.
  [[nodiscard]] std::string at(const Entry& e, std::string_view reason) const {
    if (e.entry->from_default)
      return fmt::format("{}:{}: [DEFAULT] {} (as [{}] {}): {}", ini_.path, e.entry->line, e.entry->key, e.where->name,
                         e.entry->key, reason);
    return fmt::format("{}:{}: [{}] {}: {}", ini_.path, e.entry->line, e.where->name, e.entry->key, reason);
  }
  [[nodiscard]] std::string at_section(const IniSection& s, std::string_view reason) const {
    return fmt::format("{}:{}: [{}]: {}", ini_.path, s.line, s.name, reason);
  }
  void warn(std::string message) { warnings_.push_back(std::move(message)); }
  // An unknown key: an error when it is a near miss of a known one, else a warning.
  bool unknown_key(const Entry& e, std::span<const std::string_view> known);
  // A root folder that must exist, and may be "/" only with allow_filesystem_root = yes.
  bool check_root(std::string_view section_name, const fs::path& root, bool defaulted, bool allow_slash);

  [[nodiscard]] const IniSection* section(std::string_view canonical) const;
  [[nodiscard]] std::vector<Entry> entries(std::string_view canonical) const;
  [[nodiscard]] std::optional<Entry> find(std::string_view canonical, std::initializer_list<std::string_view> keys) const;

  bool fail_with(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }

  // Typed readers: return false (and record the error) when the value is bad.
  bool read_bool(const Entry& e, bool& out);
  bool read_address(const Entry& e, Ipv4Address& out);
  bool read_port(const Entry& e, std::uint16_t& out);
  bool read_uint(const Entry& e, std::uint64_t min, std::uint64_t max, std::uint64_t& out);
  bool read_seconds(const Entry& e, double min, double max, double& out);
  fs::path resolve_path(std::string_view value) const;

  bool load_logger();
  bool load_bootp();
  bool read_access_mode(const Entry& e, std::string_view value);
  bool read_default_boot_file(const Entry& e, std::string_view value);
  bool read_servername(std::string_view value);
  bool read_dns(const Entry& e, std::string_view value);
  bool read_netmask(const Entry& e, std::string_view value);
  bool read_notify_targets(const Entry& e, std::string_view value);
  bool read_trusted_relays(const Entry& e, std::string_view value);
  bool check_pool();
  bool check_proxy_keys();
  bool check_pxe_port();
  bool detect_proxy_network();
  bool load_static_dhcp();
  bool load_buggy_clients();
  bool load_boot_files();
  bool check_http_boot_files();
  bool check_one_subnet_per_link();
  bool check_http_boot_file(const Entry& e, std::uint16_t arch, std::string_view value);
  bool load_access_lists();
  bool load_http_access();
  bool load_tftp();
  bool load_httpd();
  bool load_process();
  bool load_status();
  bool load_boot_profiles();
  bool load_profile(const IniSection& s, std::string_view name);
  bool check_boot_value(const Entry& e, std::string_view value, bool location);
  bool load_hosts();
  bool load_boot_api();
  bool detect_network();
  bool load_subnets();
  bool load_subnet(const IniSection& s, SubnetConfig& subnet);
  bool read_pool_ranges(const Entry& e, const SubnetConfig& subnet, std::vector<PoolRange>& out);
  bool check_subnet_overlaps();
  bool place_reservations();
  [[nodiscard]] bool has_subnet_sections() const {
    return std::any_of(ini_.sections.begin(), ini_.sections.end(),
                       [](const IniSection& s) { return is_subnet_section(s.name); });
  }
  bool check_sections();
  bool check_unknown();

  std::vector<std::string> warnings_;  // before ini_: apply_default_section() writes to it
  const IniFile ini_;                   // the file with [DEFAULT] applied
  const LoadOptions& options_;
  std::span<const NetworkInterface> interfaces_;
  fs::path base_dir_;
  Config config_;
  std::string error_;
  bool set_gateway_ = true;
  bool gateway_given_ = false;
  bool dns_auto_ = false;
  std::optional<Entry> pool_start_entry_;
  std::optional<Entry> netmask_entry_;
  std::optional<Entry> interface_entry_;
  std::optional<Entry> pxe_port_entry_;
  bool tftp_root_defaulted_ = false;
  struct StaticLease {
    MacAddress mac;
    Ipv4Address address;
    int line = 0;
  };
  std::vector<StaticLease> static_lines_;
};

bool Loader::unknown_key(const Entry& e, std::span<const std::string_view> known) {
  if (e.entry->from_default) return true;  // a [DEFAULT] key only shows in sections that do not know it
  if (const auto meant = near_miss(e.entry->key, known); !meant.empty())
    return fail_with(at(e, fmt::format("unknown key: did you mean {}?", one_of(meant, "'", "'"))));
  warn(fmt::format("{}:{}: [{}] {}: unknown key, ignored", ini_.path, e.entry->line, e.where->name, e.entry->key));
  return true;
}

// Issue 22: a typo once left TFTP on the working directory, "/" under systemd, and a client
// fetched etc/shadow. A root is never silently the working directory or the whole filesystem.
bool Loader::check_root(std::string_view section_name, const fs::path& root, bool defaulted, bool allow_slash) {
  const auto entry = find(section_name, {"root"});
  const auto report = [&](const std::string& reason) {
    return fail_with(entry ? at(*entry, reason) : fmt::format("{}: [{}] root: {}", ini_.path, section_name, reason));
  };
  std::error_code ec;
  const auto status = fs::status(root, ec);
  if (!fs::exists(status)) {
    if (defaulted)
      return report(fmt::format("not set, and the default {} does not exist: create it and put the boot files "
                                "there, or set root in [tftp] (netbootd never serves its working directory)",
                                root.string()));
    return report(fmt::format("'{}' does not exist", root.string()));
  }
  if (!fs::is_directory(status)) return report(fmt::format("'{}' is not a directory", root.string()));
  const auto real = fs::canonical(root, ec);
  if (!ec && real == real.root_path() && !allow_slash)
    return report(fmt::format("'{}' is the whole filesystem (/): every file of this host would be served; "
                              "set allow_filesystem_root = yes in [{}] if that is really meant",
                              root.string(), section_name));
  return true;
}

const IniSection* Loader::section(std::string_view canonical) const {
  for (const auto& s : ini_.sections)
    if (canonical_section(s.name) == canonical) return &s;
  return nullptr;
}

std::vector<Loader::Entry> Loader::entries(std::string_view canonical) const {
  std::vector<Entry> out;
  for (const auto& s : ini_.sections)
    if (canonical_section(s.name) == canonical)
      for (const auto& e : s.entries) out.push_back({&e, std::string(canonical), &s});
  return out;
}

// The last occurrence wins, as in Python's ConfigParser (duplicates are warned about in check_unknown).
std::optional<Loader::Entry> Loader::find(std::string_view canonical, std::initializer_list<std::string_view> keys) const {
  std::optional<Entry> found;
  for (const auto& e : entries(canonical))
    for (auto key : keys)
      if (iequals(e.entry->key, key)) found = e;
  return found;
}

bool Loader::read_bool(const Entry& e, bool& out) {
  const auto value = parse_bool(e.entry->value);
  if (!value)
    return fail_with(at(e, fmt::format("'{}' is not a boolean (use on/off, true/false, yes/no, enable/disable, "
                                       "enabled/disabled, high/low, ok/ko, 1/0)",
                                       e.entry->value)));
  out = *value;
  return true;
}

bool Loader::read_address(const Entry& e, Ipv4Address& out) {
  const auto value = Ipv4Address::parse(e.entry->value);
  if (!value) return fail_with(at(e, fmt::format("'{}' is not an IPv4 address", e.entry->value)));
  out = *value;
  return true;
}

bool Loader::read_port(const Entry& e, std::uint16_t& out) {
  std::uint64_t value = 0;
  if (!read_uint(e, 0, 65535, value)) return false;  // 0: any free port (tests)
  out = static_cast<std::uint16_t>(value);
  return true;
}

bool Loader::read_uint(const Entry& e, std::uint64_t min, std::uint64_t max, std::uint64_t& out) {
  const auto value = parse_uint(e.entry->value, min, max);
  if (!value) return fail_with(at(e, fmt::format("'{}' is not a whole number from {} to {}", e.entry->value, min, max)));
  out = *value;
  return true;
}

bool Loader::read_seconds(const Entry& e, double min, double max, double& out) {
  const auto value = parse_seconds(e.entry->value);
  if (!value || *value < min || *value > max)
    return fail_with(at(e, fmt::format("'{}' is not a number of seconds from {} to {}", e.entry->value, min, max)));
  out = *value;
  return true;
}

// pybootd resolved relative paths against its own folder; an installed binary has no
// meaningful folder, so netbootd resolves them against the configuration file's folder.
// An empty value resolves to an empty path, never to the folder itself: callers reject it.
fs::path Loader::resolve_path(std::string_view value) const {
  if (value.empty()) return {};
  fs::path path{std::string(value)};
  return path.is_absolute() ? path.lexically_normal() : (base_dir_ / path).lexically_normal();
}

// pybootd's logger_factory: "unix" is syslog, the Windows event log types have no Linux
// equivalent (syslog is the nearest), "none" and anything else it did not know logged
// nothing. An unknown type or level is a warning, not an error: pybootd started with it.
bool Loader::load_logger() {
  if (auto e = find("logger", {"type"})) {
    const auto v = to_lower(trim(e->entry->value));
    const auto where = [&] { return fmt::format("{}:{}: [{}] {}", ini_.path, e->entry->line, e->where->name, e->entry->key); };
    if (v == "stderr") config_.logger.type = LogSink::Stderr;
    else if (v == "stdout") config_.logger.type = LogSink::Stdout;
    else if (v == "file") config_.logger.type = LogSink::File;
    else if (v == "syslog" || v == "unix") config_.logger.type = LogSink::Syslog;
    else if (v == "winlog" || v == "eventlog" || v == "nteventlog") {
      config_.logger.type = LogSink::Syslog;
      warn(fmt::format("{}: '{}' is a Windows event log; logging to syslog instead", where(), e->entry->value));
    } else if (v == "none" || v.empty()) config_.logger.type = LogSink::None;
    else
      warn(fmt::format("{}: '{}' is not a logger type (stderr, stdout, file, syslog, unix or none); logging to stderr",
                       where(), e->entry->value));
  }
  if (auto e = find("logger", {"level"})) {
    const auto v = to_lower(trim(e->entry->value));
    if (v == "critical") config_.logger.level = LogLevel::Critical;
    else if (v == "error") config_.logger.level = LogLevel::Error;
    else if (v == "warning" || v == "warn") config_.logger.level = LogLevel::Warning;
    else if (v == "info") config_.logger.level = LogLevel::Info;
    else if (v == "debug" || v == "all") config_.logger.level = LogLevel::Debug;
    else {
      config_.logger.level = LogLevel::Warning;  // pybootd's choice for a level it does not know
      warn(fmt::format("{}:{}: [{}] {}: '{}' is not a log level (critical, error, warning, info, debug or all); "
                       "using warning",
                       ini_.path, e->entry->line, e->where->name, e->entry->key, e->entry->value));
    }
  }
  if (auto e = find("logger", {"file"})) {
    const auto value = trim(e->entry->value);
    if (value.empty() && config_.logger.type == LogSink::File) return fail_with(at(*e, "empty file"));
    config_.logger.file = resolve_path(value);
  }
  if (config_.logger.type == LogSink::File && config_.logger.file.empty()) {
    const auto type = find("logger", {"type"});
    return fail_with(at(*type, "type = file needs a 'file' key in [logger]"));
  }
  if (options_.debug) config_.logger.level = LogLevel::Debug;
  return true;
}

// [bootp]: one reader per key, looked up by name (pybootd's two spellings of servername share one).
bool Loader::load_bootp() {
  using Reader = bool (*)(Loader& l, const Entry& e, std::string_view value);
  static constexpr std::pair<std::string_view, Reader> kReaders[] = {
      {"access", [](Loader& l, const Entry& e, std::string_view v) { return l.read_access_mode(e, v); }},
      {"address", [](Loader& l, const Entry& e, std::string_view) { return l.read_address(e, l.config_.dhcp.listen_address); }},
      {"port", [](Loader& l, const Entry& e, std::string_view) { return l.read_port(e, l.config_.dhcp.port); }},
      {"interface",
       [](Loader& l, const Entry& e, std::string_view v) {
         l.config_.dhcp.interface = std::string(v);
         l.interface_entry_ = e;
         return true;
       }},
      {"allow_simple_dhcp",
       [](Loader& l, const Entry& e, std::string_view) { return l.read_bool(e, l.config_.dhcp.allow_simple_dhcp); }},
      {"boot_file", [](Loader& l, const Entry& e, std::string_view v) { return l.read_default_boot_file(e, v); }},
      {"domain",
       [](Loader& l, const Entry&, std::string_view v) {
         l.config_.dhcp.domain = std::string(v);
         return true;
       }},
      {"servername", [](Loader& l, const Entry&, std::string_view v) { return l.read_servername(v); }},
      {"server_name", [](Loader& l, const Entry&, std::string_view v) { return l.read_servername(v); }},
      {"dns", [](Loader& l, const Entry& e, std::string_view v) { return l.read_dns(e, v); }},
      {"gateway",
       [](Loader& l, const Entry& e, std::string_view) {
         Ipv4Address gateway;
         const bool ok = l.read_address(e, gateway);
         l.config_.dhcp.gateway = gateway;
         l.gateway_given_ = true;
         return ok;
       }},
      {"set_gateway", [](Loader& l, const Entry& e, std::string_view) { return l.read_bool(e, l.set_gateway_); }},
      {"netmask", [](Loader& l, const Entry& e, std::string_view v) { return l.read_netmask(e, v); }},
      {"lease_time",
       [](Loader& l, const Entry& e, std::string_view) {
         std::uint64_t v = 0;
         const bool ok = l.read_uint(e, 1, std::numeric_limits<std::uint32_t>::max() - 1, v);
         l.config_.dhcp.lease_time = static_cast<std::uint32_t>(v);
         return ok;
       }},
      {"pool_start",
       [](Loader& l, const Entry& e, std::string_view) {
         l.pool_start_entry_ = e;
         return l.read_address(e, l.config_.dhcp.pool_start);
       }},
      {"pool_count",
       [](Loader& l, const Entry& e, std::string_view) {
         std::uint64_t v = 0;
         const bool ok = l.read_uint(e, 0, 1u << 24, v);
         l.config_.dhcp.pool_count = static_cast<std::uint32_t>(v);
         return ok;
       }},
      {"notify", [](Loader& l, const Entry& e, std::string_view v) { return l.read_notify_targets(e, v); }},
      {"trusted_relays", [](Loader& l, const Entry& e, std::string_view v) { return l.read_trusted_relays(e, v); }},
      {"proxy", [](Loader& l, const Entry& e, std::string_view) { return l.read_bool(e, l.config_.dhcp.proxy); }},
      {"pxe_port",
       [](Loader& l, const Entry& e, std::string_view) {
         l.config_.dhcp.pxe_port_given = true;
         l.pxe_port_entry_ = e;
         return l.read_port(e, l.config_.dhcp.pxe_port);
       }},
      {"timeout",
       [](Loader& l, const Entry& e, std::string_view) {
         return l.read_seconds(e, 0.001, 3600, l.config_.http_access.timeout);
       }},
      {"lease_file",
       [](Loader& l, const Entry& e, std::string_view v) {
         if (v.empty()) return l.fail_with(l.at(e, "empty lease_file"));
         // A PostgreSQL connection URI names a shared lease database (PgLeaseStore), not a path.
         l.config_.dhcp.lease_file = is_database_uri(v) ? fs::path(std::string(v)) : l.resolve_path(v);
         return true;
       }},
  };
  for (const auto& e : entries("bootp")) {
    const auto key = to_lower(e.entry->key);
    const auto* reader = std::find_if(std::begin(kReaders), std::end(kReaders),
                                      [&](const auto& entry) { return entry.first == key; });
    const bool ok = reader != std::end(kReaders) ? reader->second(*this, e, trim(e.entry->value))
                                                 : unknown_key(e, kBootpKeys);
    if (!ok) return false;
  }
  if (config_.dhcp.lease_file.empty()) config_.dhcp.lease_file = "/var/lib/netbootd/leases.db";
  return check_pool();
}

bool Loader::read_access_mode(const Entry& e, std::string_view value) {
  auto& access = config_.dhcp.access;
  const auto mode = to_lower(value);
  if (mode.empty() || mode == "none") access = AccessMode::None;
  else if (mode == "mac") access = AccessMode::Mac;
  else if (mode == "uuid") access = AccessMode::Uuid;
  else if (mode == "http") access = AccessMode::Http;
  else return fail_with(at(e, fmt::format("'{}' is not an access mode (mac, uuid or http)", value)));
  if (access != AccessMode::None && section(mode) == nullptr)
    return fail_with(at(e, fmt::format("access = {} needs a [{}] section, and there is none", mode, mode)));
  return true;
}

bool Loader::read_default_boot_file(const Entry& e, std::string_view value) {
  if (value.empty()) return true;
  auto& files = config_.dhcp.boot_files;
  files.fallback = std::string(value);
  files.sources.push_back({fmt::format("[{}] {}", e.where->name, e.entry->key), std::string(value),
                           {ini_.path, e.entry->line}});
  return true;
}

bool Loader::read_servername(std::string_view value) {
  config_.dhcp.servername = std::string(value);
  return true;
}

bool Loader::read_dns(const Entry& e, std::string_view value) {
  auto& dns = config_.dhcp.dns;
  dns.clear();
  dns_auto_ = iequals(value, "auto");
  if (dns_auto_ || value.empty()) return true;
  for (auto part : split(value, ';')) {
    const auto address = Ipv4Address::parse(part);
    if (!address)
      return fail_with(at(e, fmt::format("'{}' is not an IPv4 address (dns is a ';' list of addresses, or auto)", part)));
    dns.push_back(*address);
  }
  return true;
}

bool Loader::read_netmask(const Entry& e, std::string_view value) {
  Ipv4Address mask;
  bool ok = read_address(e, mask);
  if (ok && !mask.prefix_length()) ok = fail_with(at(e, fmt::format("'{}' is not a contiguous netmask", value)));
  config_.dhcp.netmask = mask;
  netmask_entry_ = e;
  return ok;
}

bool Loader::read_notify_targets(const Entry& e, std::string_view value) {
  auto& notify = config_.dhcp.notify;
  notify.clear();
  for (auto part : split(value, ';')) {
    if (part.empty()) continue;
    const auto endpoint = UdpEndpoint::parse(part);
    if (!endpoint) return fail_with(at(e, fmt::format("'{}' is not an a.b.c.d:port notification target", part)));
    notify.push_back(*endpoint);
  }
  return true;
}

// The relay agents believed: the UDP source address of a relayed datagram (dhcrelay sends from
// its server-facing address, which is not giaddr), as addresses or networks. An empty list
// would drop every relayed request: an error, as is anything that cannot be a relay's source.
bool Loader::read_trusted_relays(const Entry& e, std::string_view value) {
  auto& trusted = config_.dhcp.trusted_relays;
  trusted.clear();
  for (auto raw : split(value, ';')) {
    const std::string_view part = trim(raw);
    if (part.empty()) continue;
    const auto slash = part.find('/');
    const auto address = Ipv4Address::parse(trim(part.substr(0, slash)));
    const auto prefix = slash == std::string_view::npos ? std::optional<std::uint64_t>(32)
                                                        : parse_uint(trim(part.substr(slash + 1)), 0, 32);
    if (!address || !prefix)
      return fail_with(at(e, fmt::format("'{}' is not an address or network (a.b.c.d or a.b.c.d/n; trusted_relays "
                                         "is a ';' list of the relays' source addresses)",
                                         part)));
    const std::uint32_t mask = *prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - *prefix);
    if ((address->to_host_order() & ~mask) != 0)
      return fail_with(at(e, fmt::format("'{}' has host bits set: the network is {}/{}", part,
                                         Ipv4Address::from_host_order(address->to_host_order() & mask).to_string(),
                                         *prefix)));
    if (*prefix == 32 && (address->is_unspecified() || address->to_host_order() >= kFirstMulticast))
      return fail_with(at(e, fmt::format("{} is no relay's address (a relay sends from a unicast address)",
                                         address->to_string())));
    if (*prefix != 32 && address->to_host_order() >= kFirstMulticast)
      return fail_with(at(e, fmt::format("'{}' holds only multicast or reserved addresses, never a relay's", part)));
    trusted.push_back(Ipv4Subnet{*address, Ipv4Address::from_host_order(mask)});
  }
  if (trusted.empty())
    return fail_with(at(e, "empty: list the relay agents' source addresses, or remove the key to believe every relay"));
  return true;
}

// The DHCP service needs a pool start, and the pool must end inside the address space.
bool Loader::check_pool() {
  const DhcpConfig& d = config_.dhcp;
  if (d.proxy) return check_proxy_keys();
  if (config_.services.dhcp && !pool_start_entry_) {
    const IniSection* bootp = section("bootp");
    if (bootp == nullptr)
      return fail_with(fmt::format("{}: no [bootp] section: the DHCP service needs at least pool_start "
                                   "(or run only TFTP with -t)",
                                   ini_.path));
    return fail_with(at_section(*bootp, "missing pool_start: the first address to lease"));
  }
  if (static_cast<std::uint64_t>(d.pool_start.to_host_order()) + d.pool_count > (1ull << 32))
    return fail_with(at(*pool_start_entry_, "pool_start + pool_count runs past 255.255.255.255"));
  return true;
}

// proxy = yes: another server gives the addresses. Keys that would give one are errors (the
// operator believes something that will not happen); keys that only shape a lease are ignored.
bool Loader::check_proxy_keys() {
  for (const auto& e : entries("bootp")) {
    const auto key = to_lower(e.entry->key);
    if (key == "pool_start" || key == "pool_count")
      return fail_with(at(e, "has no meaning with proxy = yes (the other DHCP server gives the addresses)"));
    if (key == "lease_time" || key == "dns" || key == "domain" || key == "gateway" || key == "set_gateway" ||
        key == "netmask" || key == "allow_simple_dhcp" || key == "lease_file" || key == "trusted_relays")
      warn(fmt::format("{}:{}: [{}] {}: ignored with proxy = yes (no lease is given)", ini_.path, e.entry->line,
                       e.where->name, e.entry->key));
  }
  return true;
}

// The PXE boot server's UDP port must be none of the other UDP ports in play: one of ours
// (binding it twice fails at start, blaming "another server") or the clients' port 68.
bool Loader::check_pxe_port() {
  const DhcpConfig& d = config_.dhcp;
  if (!config_.services.dhcp || d.pxe_port == 0) return true;
  std::string clash;
  if (d.pxe_port == d.port) clash = "the DHCP port ([bootp] port)";
  else if (d.pxe_port == d.client_port) clash = "the DHCP clients' port";
  else if (config_.services.tftp && d.pxe_port == config_.tftp.port) clash = "the TFTP port ([tftp] port)";
  if (clash.empty()) return true;
  const auto reason = fmt::format("pxe_port {} is also {}: choose another port, or 0 to serve no PXE boot server",
                                  d.pxe_port, clash);
  if (pxe_port_entry_) return fail_with(at(*pxe_port_entry_, reason));
  const IniSection* bootp = section("bootp");
  return fail_with(bootp != nullptr ? at_section(*bootp, "(pxe_port not set, default 4011) " + reason)
                                    : fmt::format("{}: [bootp] {}", ini_.path, reason));
}

// [static_dhcp]: MAC = IP reservations.
bool Loader::load_static_dhcp() {
  std::map<Ipv4Address, const IniEntry*> reserved;
  for (const auto& e : entries("static_dhcp")) {
    if (config_.dhcp.proxy)
      return fail_with(at(e, "has no meaning with proxy = yes (the other DHCP server gives the addresses)"));
    const auto mac = MacAddress::parse(e.entry->key);
    if (!mac) return fail_with(at(e, "not a MAC address (AA-BB-CC-DD-EE-FF or AA:BB:CC:DD:EE:FF)"));
    Ipv4Address address;
    if (!read_address(e, address)) return false;
    if (auto it = reserved.find(address); it != reserved.end())
      return fail_with(at(e, fmt::format("{} is already reserved at line {}", address.to_string(), it->second->line)));
    reserved.emplace(address, e.entry);
    config_.dhcp.static_leases[*mac] = address;
    static_lines_.push_back({*mac, address, e.entry->line});
  }
  return true;
}

// [buggy_clients]: MACs (or prefixes) that only understand broadcast replies.
bool Loader::load_buggy_clients() {
  for (const auto& e : entries("buggy_clients")) {
    const auto prefix = MacPrefix::parse(e.entry->key);
    if (!prefix) return fail_with(at(e, "not a MAC address or prefix (AA-BB-CC-DD-EE-FF or AA-BB-CC/24)"));
    bool enabled = true;
    if (!trim(e.entry->value).empty() && !read_bool(e, enabled)) return false;
    if (enabled) config_.dhcp.buggy_clients.push_back(*prefix);
  }
  return true;
}

bool Loader::load_boot_files() {
  BootFileTable& table = config_.dhcp.boot_files;
  for (const auto& e : entries("bootfile")) {
    std::string_view key = trim(e.entry->key);
    const std::string value(trim(e.entry->value));
    if (!value.empty())
      table.sources.push_back({fmt::format("[{}] {}", e.where->name, e.entry->key), value, {ini_.path, e.entry->line}});
    bool ipxe = false;
    if (istarts_with(key, "ipxe.")) {
      ipxe = true;
      key.remove_prefix(5);
    }
    if (iequals(key, "default")) {
      (ipxe ? table.ipxe_fallback : table.fallback) = value;
      continue;
    }
    const auto arch = parse_uint(key, 0, 65535);
    if (!arch)
      return fail_with(at(e, "not a client architecture: use an RFC 4578 code such as 00000, 7 or 00007, "
                             "'default', or the same prefixed with 'ipxe.'"));
    (ipxe ? table.ipxe_by_arch : table.by_arch)[static_cast<std::uint16_t>(*arch)] = value;
  }
  return true;
}

// [bootfile] keys of HTTP boot architectures (16, ...): a URL as is, or a name that becomes a
// URL on the HTTP service, which must then run here. The file field holds 127 bytes.
bool Loader::check_http_boot_files() {
  if (!config_.services.dhcp) return true;
  for (const auto& e : entries("bootfile")) {
    const auto arch = parse_uint(trim(e.entry->key), 0, 65535);
    if (arch && !check_http_boot_file(e, static_cast<std::uint16_t>(*arch), trim(e.entry->value))) return false;
  }
  return true;
}

// One boot file key's value for an architecture: the rules above when it is an HTTP boot one
// ([bootfile] NNNNN, and a [subnet]'s bootfile.NNNNN, whose URL select-http-boot-url gives too).
bool Loader::check_http_boot_file(const Entry& e, std::uint16_t arch, std::string_view value) {
  if (!config_.services.dhcp || !is_http_boot_arch(arch) || value.empty()) return true;
  if (istarts_with(value, "http://") || istarts_with(value, "https://")) {
    if (value.size() > 127)
      return fail_with(at(e, fmt::format("the URL is {} bytes; a DHCP reply's file field holds 127", value.size())));
    if (std::any_of(value.begin(), value.end(), [](char c) { return c <= ' ' || c == 0x7f; }))
      return fail_with(at(e, "a URL holds no spaces or control characters (percent-encode them)"));
  } else if (value.find("://") != std::string_view::npos) {
    return fail_with(at(e, fmt::format("'{}': UEFI HTTP boot takes http:// or https:// URLs", value)));
  } else if (!config_.services.http) {
    return fail_with(at(e, fmt::format("'{}' is a file name for an HTTP boot client, and the HTTP service is off: "
                                       "set [httpd] enable = yes, or write a full http:// URL",
                                       value)));
  }
  return true;
}

bool Loader::load_access_lists() {
  const auto keep = [&](const Entry& e, bool& allow) {
    if (!read_bool(e, allow)) return false;
    return true;
  };
  for (const auto& e : entries("mac")) {
    const auto prefix = MacPrefix::parse(e.entry->key);
    if (!prefix) return fail_with(at(e, "not a MAC address or prefix (AA-BB-CC-DD-EE-FF, AA:BB:CC:DD:EE:FF or AA-BB-CC/24)"));
    bool allow = true;
    if (!keep(e, allow)) return false;
    config_.access_lists.mac.push_back({*prefix, allow, {ini_.path, e.entry->line}});
  }
  for (const auto& e : entries("uuid")) {
    const auto prefix = UuidPrefix::parse(e.entry->key);
    if (!prefix) return fail_with(at(e, "not a UUID, prefix or uuid/mask (xxxxxxxx-aaaa-bbbb-cccc-yyyyyyyyyyyy, xxxxxxxx-aaaa/48 or uuid/uuidmask)"));
    bool allow = true;
    if (!keep(e, allow)) return false;
    config_.access_lists.uuid.push_back({*prefix, allow, {ini_.path, e.entry->line}});
  }
  return true;
}

bool Loader::load_http_access() {
  HttpAccessConfig& h = config_.http_access;
  for (const auto& e : entries("http")) {
    const auto key = to_lower(e.entry->key);
    const std::string_view value = trim(e.entry->value);
    bool ok = true;
    if (key == "location") {
      if (istarts_with(value, "https://") || istarts_with(value, "http://")) h.location = std::string(value);
      else if (value.find("://") != std::string_view::npos)
        ok = fail_with(at(e, fmt::format("'{}': only http:// and https:// locations are supported", value)));
      else h.location = "http://" + std::string(value);  // pybootd writes "host:port" without a scheme
      while (h.location.size() > 8 && h.location.back() == '/') h.location.pop_back();
    } else if (key == "pxe") {
      h.pxe_path = std::string(value);
    } else if (key == "dhcp") {
      h.dhcp_path = std::string(value);
    } else if (key == "timeout") {
      ok = read_seconds(e, 0.001, 3600, h.timeout);
    } else if (key == "always_check") {
      ok = read_bool(e, h.always_check);
    } else if (key == "query_form") {
      const auto form = to_lower(value);
      if (form == "readme") h.query_form = AccessQueryForm::Readme;
      else if (form == "pybootd-1.8") h.query_form = AccessQueryForm::Pybootd18;
      else ok = fail_with(at(e, fmt::format("'{}' is not a query form (readme or pybootd-1.8)", value)));
    } else {
      ok = unknown_key(e, kHttpKeys);
    }
    if (!ok) return false;
  }
  for (std::string* path : {&h.pxe_path, &h.dhcp_path})
    if (!path->empty() && path->front() != '/') path->insert(0, "/");
  if (config_.dhcp.access == AccessMode::Http && h.location.empty())
    return fail_with(at_section(*section("http"), "access = http needs a 'location' (the authorization server URL)"));
  return true;
}

bool Loader::load_tftp() {
  TftpConfig& t = config_.tftp;
  t.base_dir = base_dir_;
  bool root_given = false;
  bool allow_slash = false;
  for (const auto& e : entries("tftp")) {
    const auto key = to_lower(e.entry->key);
    const std::string_view value = trim(e.entry->value);
    bool ok = true;
    std::uint64_t number = 0;
    if (key == "address") {
      Ipv4Address address;
      ok = read_address(e, address);
      t.address = address;
    } else if (key == "port") {
      ok = read_port(e, t.port);
    } else if (key == "blocksize") {
      ok = read_uint(e, 8, 65464, number);
      t.blocksize = static_cast<std::uint16_t>(number);
    } else if (key == "timeout") {
      ok = read_seconds(e, 0.01, 255, t.timeout);
    } else if (key == "retries" || key == "retry") {
      ok = read_uint(e, 1, 100, number);
      t.retries = static_cast<unsigned>(number);
    } else if (key == "root") {
      root_given = true;
      if (istarts_with(value, "http://") || istarts_with(value, "https://")) {
        t.root_url = std::string(value);
        while (t.root_url.size() > 8 && t.root_url.back() == '/') t.root_url.pop_back();
      } else if (value.find("://") != std::string_view::npos) {
        ok = fail_with(at(e, fmt::format("'{}': a remote root must be an http:// or https:// URL", value)));
      } else if (value.empty()) {
        ok = fail_with(at(e, "empty root"));
      } else {
        t.root_dir = resolve_path(value);
      }
    } else if (key == "writable") {
      ok = read_bool(e, t.writable);
    } else if (key == "max_transfers") {
      ok = read_uint(e, 1, 1'000'000, number);
      t.max_transfers = static_cast<unsigned>(number);
    } else if (key == "max_transfers_per_client") {
      ok = read_uint(e, 0, 1'000'000, number);  // 0: no per-client cap
      t.max_transfers_per_client = static_cast<unsigned>(number);
    } else if (key == "max_windowsize") {
      ok = read_uint(e, 1, 65535, number);
      t.max_window_size = static_cast<std::uint16_t>(number);
    } else if (key == "allow_filesystem_root") {
      ok = read_bool(e, allow_slash);
    } else if (key == "remote_redirects") {
      const auto lower = to_lower(value);
      if (lower == "off" || lower == "no" || lower == "none") {
        t.remote_same_host_redirects = false;
      } else if (lower == "same_host" || lower == "same-host") {
        t.remote_same_host_redirects = true;
      } else {
        ok = fail_with(at(e, fmt::format("'{}': expected off or same_host", value)));
      }
    } else if (key == "remote_memory_mb") {
      ok = read_uint(e, 16, 1 << 20, number);
      t.remote_memory_limit = number << 20;
    } else if (key == "remote_min_rate") {
      ok = read_uint(e, 0, 1'000'000'000, number);
      t.remote_min_rate = number;
    } else if (key == "remote_deadline") {
      ok = read_uint(e, 10, 86'400, number);
      t.remote_deadline = static_cast<unsigned>(number);
    } else if (key == "max_timeout") {
      ok = read_uint(e, 1, 255, number);  // RFC 2349's range
      t.max_timeout = static_cast<unsigned>(number);
    } else if (key == "max_transfer_memory") {
      ok = read_uint(e, 1, 1'048'576, number);  // MiB
      t.max_transfer_memory = number << 20;
    } else {
      ok = unknown_key(e, kTftpKeys);
    }
    if (!ok) return false;
  }
  // pybootd's default was its working directory ("/" under systemd); netbootd's is a fixed,
  // documented folder that must exist (LoadOptions::default_root, /srv/tftp as tftpd-hpa's).
  if (!root_given) {
    t.root_dir = options_.default_root;
    tftp_root_defaulted_ = true;
  }
  if (config_.services.tftp && !t.remote_root() && !check_root("tftp", t.root_dir, tftp_root_defaulted_, allow_slash))
    return false;
  for (const auto& e : entries("filters")) {
    if (trim(e.entry->key).empty()) return fail_with(at(e, "empty pattern"));
    t.filters.push_back({std::string(trim(e.entry->key)), std::string(trim(e.entry->value)), {ini_.path, e.entry->line}});
  }
  return true;
}

bool Loader::load_httpd() {
  HttpServiceConfig& h = config_.httpd;
  bool enabled = false;
  bool root_given = false;
  bool allow_slash = false;
  bool check_ip_given = false;
  for (const auto& e : entries("httpd")) {
    const auto key = to_lower(e.entry->key);
    const std::string_view value = trim(e.entry->value);
    bool ok = true;
    std::uint64_t number = 0;
    if (key == "enable" || key == "enabled") {
      ok = read_bool(e, enabled);
    } else if (key == "address") {
      Ipv4Address address;
      ok = read_address(e, address);
      h.address = address;
    } else if (key == "port") {
      ok = read_port(e, h.port);
    } else if (key == "root") {
      root_given = true;
      if (value.empty()) {
        ok = fail_with(at(e, "empty root"));
      } else if (value.find("://") != std::string_view::npos) {
        ok = fail_with(at(e, fmt::format("'{}': the HTTP service serves only a local folder; name one here", value)));
      } else if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
        ok = fail_with(at(e, fmt::format("{}: quotes are taken literally (no quoting in this file): write the path "
                                         "without them",
                                         value)));
      } else {
        h.root = resolve_path(value);
      }
    } else if (key == "check_ip") {
      ok = read_bool(e, h.check_ip);
      check_ip_given = true;
      if (ok && h.check_ip && config_.dhcp.proxy)
        ok = fail_with(at(e, "yes has no meaning with [bootp] proxy = yes: there are no leases to check"));
    } else if (key == "max_connections") {
      ok = read_uint(e, 1, 1'000'000, number);
      h.max_connections = static_cast<unsigned>(number);
    } else if (key == "max_connections_per_client") {
      ok = read_uint(e, 1, 1'000'000, number);
      h.max_connections_per_client = static_cast<unsigned>(number);
    } else if (key == "min_send_rate") {
      ok = read_uint(e, 0, std::uint64_t{1} << 40, h.min_send_rate);
    } else if (key == "allow_filesystem_root") {
      ok = read_bool(e, allow_slash);
    } else {
      ok = unknown_key(e, kHttpdKeys);
    }
    if (!ok) return false;
  }
  if (enabled && !options_.services_from_cli) config_.services.http = true;
  if (enabled && options_.services_from_cli && !config_.services.http) config_.services.http = true;
  if (!root_given) h.root = config_.tftp.root_dir;
  // pybootd's default is yes, and it checks only when its DHCP side runs (there are leases to
  // ask): without the DHCP service the default is no. An explicit yes then refuses everyone.
  if (!check_ip_given) h.check_ip = config_.services.dhcp && !config_.dhcp.proxy;
  if (config_.services.http) {
    if (h.root.empty()) {
      const auto reason = std::string("the HTTP service needs a local root directory (the TFTP root is a URL)");
      const auto root = find("httpd", {"root"});
      return fail_with(root ? at(*root, reason) : fmt::format("{}: [httpd] root: {}", ini_.path, reason));
    }
    if (!check_root("httpd", h.root, !root_given && tftp_root_defaulted_, allow_slash)) return false;
  }
  return true;
}

bool Loader::load_status() {
  StatusConfig& st = config_.status;
  for (const auto& e : entries("status")) {
    const auto key = to_lower(e.entry->key);
    bool ok = true;
    std::uint64_t number = 0;
    if (key == "enable" || key == "enabled") {
      ok = read_bool(e, st.enabled);
    } else if (key == "address") {
      ok = read_address(e, st.address);
    } else if (key == "port") {
      ok = read_port(e, st.port);
    } else if (key == "max_connections") {
      ok = read_uint(e, 1, 1024, number);
      st.max_connections = static_cast<unsigned>(number);
    } else if (key == "hostnames") {
      // The names a browser may use to reach the page (Host header); anything else that is
      // not localhost or an address is refused, so a rebound DNS name cannot read it.
      st.hostnames.clear();
      for (auto part : split(e.entry->value, ',')) {
        const auto name = to_lower(trim(part));
        if (name.empty()) continue;
        const bool valid = name.size() <= 253 && std::all_of(name.begin(), name.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
        });
        if (!valid) {
          ok = fail_with(at(e, fmt::format("'{}' is not a host name", printable(name))));
          break;
        }
        st.hostnames.push_back(name);
      }
    } else {
      ok = unknown_key(e, kStatusKeys);
    }
    if (!ok) return false;
  }
  return true;
}

// A profile value: one line, no control characters, known {variables}; kernel and initrd
// values (`location`) are a name on the HTTP service or an http(s) URL with a host.
bool Loader::check_boot_value(const Entry& e, std::string_view value, bool location) {
  for (const char c : value)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return fail_with(at(e, "must be one line without control characters"));
  if (auto pieces = parse_template(value, kBootTemplateVariables); !pieces)
    return fail_with(at(e, pieces.error().detail));
  if (!location) return true;
  if (value.find_first_of(" \t") != std::string_view::npos)
    return fail_with(at(e, fmt::format("'{}' contains white space", value)));
  if (const auto scheme = value.find("://"); scheme != std::string_view::npos) {
    if (!istarts_with(value, "http://") && !istarts_with(value, "https://"))
      return fail_with(at(e, fmt::format("'{}': only http:// and https:// URLs are supported", value)));
    const auto host = value.substr(scheme + 3);
    if (host.empty() || host.front() == '/' || host.front() == ':')
      return fail_with(at(e, fmt::format("'{}' is not a URL: no host", value)));
    return true;
  }
  if (value.find(':') != std::string_view::npos && value.find('/') > value.find(':'))
    return fail_with(at(e, fmt::format("'{}' is not a URL (scheme://host/path) nor a file name", value)));
  if (!config_.services.http)
    return fail_with(at(e, fmt::format("'{}' is a name on netbootd's HTTP service, which is off: set [httpd] "
                                       "enable = yes, or write an http(s):// URL",
                                       value)));
  return true;
}

bool Loader::load_profile(const IniSection& s, std::string_view name) {
  if (name.empty() || name.size() > 64 ||
      !std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
      }))
    return fail_with(at_section(s, "a profile name is 1 to 64 letters, digits, '-', '_' or '.'"));
  BootProfile profile;
  profile.name = to_lower(name);
  profile.where = {ini_.path, s.line};
  for (const auto& p : config_.boot.profiles)
    if (p.name == profile.name) return fail_with(at_section(s, fmt::format("profile '{}' is defined twice (first at line {})", p.name, p.where.line)));
  bool has_kernel = false;
  for (const auto& entry : s.entries) {
    const Entry e{&entry, to_lower(s.name), &s};
    const auto key = to_lower(entry.key);
    const std::string_view value = trim(entry.value);
    if (key == "kernel") {
      if (value.empty()) return fail_with(at(e, "empty"));
      if (!check_boot_value(e, value, true)) return false;
      profile.kernel = std::string(value);
      has_kernel = true;
    } else if (key == "initrd") {
      profile.initrds.clear();
      for (auto part : split(value, ';'))
        for (auto word : split(part, ' ')) {
          word = trim(word);
          if (word.empty()) continue;
          if (!check_boot_value(e, word, true)) return false;
          profile.initrds.emplace_back(word);
        }
      if (profile.initrds.size() > 16) return fail_with(at(e, "at most 16 initrds"));
    } else if (key == "cmdline") {
      if (value.size() > 4096) return fail_with(at(e, "longer than 4096 bytes"));
      if (!check_boot_value(e, value, false)) return false;
      profile.cmdline = std::string(value);
    } else if (!unknown_key(e, kProfileKeys)) {
      return false;
    }
  }
  if (!has_kernel) return fail_with(at_section(s, "a profile needs a kernel (a name on the HTTP service or an http(s) URL)"));
  config_.boot.profiles.push_back(std::move(profile));
  return true;
}

bool Loader::load_hosts() {
  BootProfiles& b = config_.boot;
  const auto profile_index = [&](const Entry& e, std::size_t& out) {
    const auto wanted = to_lower(trim(e.entry->value));
    for (std::size_t i = 0; i < b.profiles.size(); ++i)
      if (b.profiles[i].name == wanted) {
        out = i;
        return true;
      }
    std::string names;
    for (const auto& p : b.profiles) names += (names.empty() ? "" : ", ") + p.name;
    return fail_with(at(e, fmt::format("unknown profile '{}' ({})", trim(e.entry->value),
                                       names.empty() ? "no [profile NAME] section is defined" : "profiles: " + names)));
  };
  for (const auto& e : entries("hosts")) {
    std::size_t index = 0;
    if (!profile_index(e, index)) return false;
    const std::string_view key = trim(e.entry->key);
    const Location where{ini_.path, e.entry->line};
    if (iequals(key, "default")) {
      b.fallback = index;
    } else if (key.find_first_of("-:/") == 8 && key[8] == '-') {
      // xxxxxxxx-...: a UUID. A MAC's first separator comes after 2 digits: "52-54-00-12-34-56"
      // also has a '-' at index 8, and was misread as a UUID (refused, or a prefix never matching).
      const auto prefix = UuidPrefix::parse(key);
      if (!prefix) return fail_with(at(e, "not a UUID, prefix or uuid/mask (xxxxxxxx-aaaa-bbbb-cccc-yyyyyyyyyyyy, xxxxxxxx-aaaa/48)"));
      b.by_uuid.push_back({*prefix, index, where});
    } else {
      const auto prefix = MacPrefix::parse(key);
      if (!prefix) return fail_with(at(e, "not a MAC address or prefix (AA-BB-CC-DD-EE-FF, AA:BB:CC:DD:EE:FF or AA-BB-CC/24), a UUID or 'default'"));
      if (prefix->is_exact()) b.by_exact_mac[prefix->address] = index;  // the last one wins, as everywhere
      else b.by_mac.push_back({*prefix, index, where});
    }
  }
  return true;
}

bool Loader::load_boot_api() {
  BootApiConfig& api = config_.boot.api;
  for (const auto& e : entries("boot_api")) {
    const auto key = to_lower(e.entry->key);
    const std::string_view value = trim(e.entry->value);
    bool ok = true;
    std::uint64_t number = 0;
    if (key == "url") {
      // Shown without its password (url_for_log): the message reaches the terminal and the journal.
      const auto origin = origin_of(value);
      if (!istarts_with(value, "http://") && !istarts_with(value, "https://"))
        ok = fail_with(at(e, fmt::format("'{}': only http:// and https:// URLs are supported", url_for_log(value))));
      else if (value.find_first_of(" \t?#") != std::string_view::npos)
        ok = fail_with(at(e, fmt::format("'{}': no white space, query or fragment (netbootd appends /v1/boot/<mac>)",
                                         url_for_log(value))));
      else if (!origin || origin->find("://:") != std::string::npos)
        ok = fail_with(at(e, fmt::format("'{}' is not a URL: no host", url_for_log(value))));
      api.url = std::string(value);
      while (api.url.size() > 8 && api.url.back() == '/') api.url.pop_back();
    } else if (key == "timeout") {
      ok = read_seconds(e, 0.001, 60, api.timeout);
    } else if (key == "cache") {
      ok = read_uint(e, 0, 3600, number);
      api.cache_seconds = static_cast<unsigned>(number);
    } else if (key == "max_answer_bytes") {
      ok = read_uint(e, 256, 1 << 20, number);
      api.max_answer_bytes = number;
    } else {
      ok = unknown_key(e, kBootApiKeys);
    }
    if (!ok) return false;
  }
  if (const auto* s = section("boot_api"); s != nullptr && api.url.empty())
    return fail_with(at_section(*s, "needs a 'url' (the boot API's base: GET <url>/v1/boot/<mac>)"));
  return true;
}

// [profile NAME], [hosts], [boot_api] (issue 20): what an iPXE client's generated script boots.
bool Loader::load_boot_profiles() {
  for (const auto& s : ini_.sections)
    if (const auto name = profile_section_name(s.name); name && !load_profile(s, *name)) return false;
  if (!load_hosts() || !load_boot_api()) return false;
  if (config_.boot.fallback && config_.boot.api.enabled()) {
    const auto e = find("hosts", {"default"});
    return fail_with(at(*e, "a default profile and [boot_api] exclude each other (a machine the API does not "
                            "know gets no boot file: the API decides)"));
  }
  return true;
}

// An account name as useradd accepts it (or a number): refusing anything else here keeps
// odd bytes out of getpwnam() and out of the log.
bool is_account_name(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  for (const char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
  return name.front() != '-';
}

bool Loader::load_process() {
  ProcessConfig& p = config_.process;
  std::optional<Entry> group_entry;
  for (const auto& e : entries("netbootd")) {
    const auto key = to_lower(e.entry->key);
    const std::string_view value = trim(e.entry->value);
    if (key != "user" && key != "group") {
      if (!unknown_key(e, kProcessKeys)) return false;
      continue;
    }
    if (!is_account_name(value))
      return fail_with(at(e, fmt::format("'{}' is not a user or group name (letters, digits, '_', '-', '.') or number",
                                         e.entry->value)));
    if (key == "user") {
      p.user = std::string(value);
    } else {
      p.group = std::string(value);
      group_entry = e;
    }
  }
  // setgid() alone would leave root's uid, and with it every privilege: refuse the half-drop.
  if (!p.group.empty() && p.user.empty()) return fail_with(at(*group_entry, "group needs a 'user' key in [netbootd]"));
  return true;
}

// pybootd's get_iface_config: the interface whose subnet holds pool_start gives the
// server address and netmask.
bool Loader::detect_network() {
  DhcpConfig& d = config_.dhcp;
  if (!config_.services.dhcp) return true;
  if (!d.interface.empty() &&
      std::none_of(interfaces_.begin(), interfaces_.end(), [&](const NetworkInterface& i) { return i.name == d.interface; })) {
    std::string names;
    for (const auto& itf : interfaces_)
      if (names.find(itf.name) == std::string::npos) names += (names.empty() ? "" : ", ") + itf.name;
    return fail_with(at(*interface_entry_, fmt::format("no interface {} (interfaces: {})", d.interface,
                                                       names.empty() ? "none" : names)));
  }
  if (d.proxy) return detect_proxy_network();
  std::string seen;
  const NetworkInterface* match = nullptr;
  for (const auto& itf : interfaces_) {
    if (itf.address.is_unspecified()) continue;
    seen += fmt::format("{}{} {}/{}", seen.empty() ? "" : ", ", itf.name, itf.address.to_string(),
                        itf.netmask.prefix_length().value_or(0));
    if (!d.interface.empty() && itf.name != d.interface) continue;
    if (itf.address.same_subnet(d.pool_start, itf.netmask) && match == nullptr) match = &itf;
  }
  if (match == nullptr) {
    const auto where = d.interface.empty() ? std::string() : fmt::format(" on interface {}", d.interface);
    return fail_with(at(*pool_start_entry_,
                        fmt::format("Unable to detect network configuration: pool_start {} is in no local subnet{} "
                                    "(local addresses: {})",
                                    d.pool_start.to_string(), where, seen.empty() ? "none" : seen)));
  }
  d.detected_interface = match->name;
  d.server_address = match->address;
  if (!netmask_entry_) d.netmask = match->netmask;
  if (!gateway_given_) d.gateway = d.server_address;
  if (!set_gateway_) d.gateway.reset();
  if (dns_auto_) {
    // The host's resolvers; loopback ones (systemd-resolved's 127.0.0.53) mean nothing to a client.
    std::ifstream resolv(options_.resolv_conf);
    for (std::string line; std::getline(resolv, line);) {
      const auto text = trim(line);
      if (!istarts_with(text, "nameserver")) continue;
      const auto address = Ipv4Address::parse(trim(text.substr(10)));
      if (address && (address->to_host_order() >> 24) != 127) d.dns.push_back(*address);
    }
    if (d.dns.empty()) {
      warn(fmt::format("{}: [bootp] dns = auto: no usable nameserver in {}, offering the server address {}", ini_.path,
                       options_.resolv_conf.string(), d.server_address.to_string()));
      d.dns.push_back(d.server_address);
    }
  }
  // Every address we hand out must be on the served subnet.
  const auto last = d.pool_start.plus(d.pool_count == 0 ? 0 : d.pool_count - 1);
  if (d.pool_count > 0 && (!d.pool_start.same_subnet(d.server_address, d.netmask) ||
                           !last.same_subnet(d.server_address, d.netmask)))
    return fail_with(at(*pool_start_entry_, fmt::format("the pool {} .. {} (pool_count {}) leaves the subnet {}/{}",
                                                        d.pool_start.to_string(), last.to_string(), d.pool_count,
                                                        d.server_address.to_string(), d.netmask.prefix_length().value_or(0))));
  for (const auto& itf : interfaces_)
    if (!itf.address.is_unspecified() && itf.address.same_subnet(d.server_address, d.netmask))
      d.local_addresses.push_back(itf.address);
  const auto unusable = unusable_addresses(d);
  for (const auto& lease : static_lines_) {
    if (!lease.address.same_subnet(d.server_address, d.netmask) && !has_subnet_sections())
      warn(fmt::format("{}:{}: [static_dhcp] {} = {}: outside the served subnet {}/{}, never offered", ini_.path,
                       lease.line, lease.mac.to_string('-'), lease.address.to_string(), d.server_address.to_string(),
                       d.netmask.prefix_length().value_or(0)));
    for (const auto& u : unusable)
      if (u.address == lease.address)
        warn(fmt::format("{}:{}: [static_dhcp] {} = {} is the {}: never leased, the client gets a pool address",
                         ini_.path, lease.line, lease.mac.to_string('-'), lease.address.to_string(), u.why));
  }
  if (const auto overlap = pool_overlap_warning(d)) warn(fmt::format("{}: {}", ini_.path, *overlap));
  return true;
}

// [subnet NAME] sections: more networks, each with its own pool and options (issue 18).
bool Loader::load_subnets() {
  std::map<std::string, const IniSection*> names;
  for (const auto& s : ini_.sections) {
    if (!is_subnet_section(s.name)) continue;
    const std::string name(trim(std::string_view(s.name).substr(kSubnetPrefix.size())));
    if (name.empty()) return fail_with(at_section(s, "a subnet needs a name: [subnet NAME]"));
    if (config_.dhcp.proxy)
      return fail_with(at_section(s, "has no meaning with proxy = yes (the other DHCP server gives the addresses)"));
    if (const auto [it, added] = names.emplace(to_lower(name), &s); !added)
      return fail_with(at_section(s, fmt::format("subnet {} is already defined at line {}", name, it->second->line)));
    SubnetConfig subnet;
    subnet.name = name;
    subnet.where = {ini_.path, s.line};
    if (!load_subnet(s, subnet)) return false;
    if (config_.services.dhcp) config_.dhcp.subnets.push_back(std::move(subnet));
  }
  if (config_.dhcp.subnets.empty()) return true;
  return check_subnet_overlaps() && check_one_subnet_per_link() && place_reservations();
}

// An unrelayed request is placed by the interface it arrived on (dhcp::SubnetMap), so a link
// serves one subnet: a second one there (a secondary address of the same interface, or its
// `interface` key) would never give an address to a client of that link, and its clients
// would silently get the first one's. Sharing a link between subnets (Kea's shared networks:
// which pool, which NAK, which router for whom) is not supported; this says so at load.
bool Loader::check_one_subnet_per_link() {
  const DhcpConfig& d = config_.dhcp;
  const IniSection* bootp = section("bootp");
  struct Served {
    std::string label;
    Location where;
  };
  std::map<std::string, Served> by_interface;
  const auto claim = [&](const std::string& itf, const Served& served, const std::string& how) {
    const auto [it, added] = by_interface.emplace(itf, served);
    if (added || it->second.label == served.label) return true;
    return fail_with(fmt::format("{}: {}: {} is the link of {} (line {}): one link serves one subnet (no shared "
                                 "networks), and its clients would all get that one's addresses; serve it with one "
                                 "subnet, or take the address off it",
                                 served.where.to_string(), served.label, how, it->second.label,
                                 it->second.where.line));
  };
  const Ipv4Subnet primary{d.server_address, d.netmask};
  const Served first{fmt::format("[{}] {}/{}", bootp ? bootp->name : "bootp", primary.network().to_string(),
                                 d.netmask.prefix_length().value_or(0)),
                     {ini_.path, bootp ? bootp->line : 0}};
  for (const auto& itf : interfaces_)
    if (!itf.address.is_unspecified() && primary.contains(itf.address) &&
        !claim(itf.name, first, fmt::format("{} ({})", itf.name, itf.address.to_string())))
      return false;
  // In file order: the later section is the one reported.
  std::vector<const SubnetConfig*> ordered;
  for (const auto& subnet : d.subnets) ordered.push_back(&subnet);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const SubnetConfig* a, const SubnetConfig* b) { return a->where.line < b->where.line; });
  for (const SubnetConfig* subnet : ordered) {
    const Served served{fmt::format("[subnet {}] {}/{}", subnet->name, subnet->network.address.to_string(),
                                    subnet->network.netmask.prefix_length().value_or(0)),
                        subnet->where};
    if (!subnet->interface.empty() &&
        !claim(subnet->interface, served, fmt::format("interface = {}", subnet->interface)))
      return false;
    for (const auto& itf : interfaces_)
      if (!itf.address.is_unspecified() && subnet->network.contains(itf.address) &&
          !claim(itf.name, served, fmt::format("this server's address {} on {}", itf.address.to_string(), itf.name)))
        return false;
  }
  return true;
}

bool Loader::load_subnet(const IniSection& s, SubnetConfig& subnet) {
  const DhcpConfig& d = config_.dhcp;
  subnet.dns = d.dns;
  subnet.domain = d.domain;
  subnet.lease_time = d.lease_time;
  subnet.boot_files = d.boot_files;
  std::optional<Entry> network_entry, pool_entry, pool_start_entry, pool_count_entry, netmask_entry;
  std::vector<Entry> entries_here;
  for (const auto& e : s.entries) entries_here.push_back({&e, to_lower(s.name), &s});
  // The network first: every other key is checked against it.
  for (const auto& e : entries_here)
    if (iequals(e.entry->key, "network")) network_entry = e;
  if (!network_entry) return fail_with(at_section(s, "missing network: the subnet's address and prefix (a.b.c.d/n)"));
  {
    const std::string_view text = trim(network_entry->entry->value);
    const auto slash = text.find('/');
    const auto address = Ipv4Address::parse(text.substr(0, slash));
    const auto prefix = slash == std::string_view::npos ? std::nullopt : parse_uint(text.substr(slash + 1), 0, 32);
    if (!address || !prefix)
      return fail_with(at(*network_entry, fmt::format("'{}' is not a network in CIDR form (a.b.c.d/n)", text)));
    const std::uint32_t mask = *prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - *prefix);
    if ((address->to_host_order() & ~mask) != 0)
      return fail_with(at(*network_entry, fmt::format("'{}' has host bits set: the network is {}/{}", text,
                                                      Ipv4Address::from_host_order(address->to_host_order() & mask).to_string(),
                                                      *prefix)));
    subnet.network = Ipv4Subnet{*address, Ipv4Address::from_host_order(mask)};
    subnet.netmask = subnet.network.netmask;
    // 224.0.0.0 and up is multicast, reserved or broadcast: no client leases such an address.
    if (subnet.network.broadcast().to_host_order() >= kFirstMulticast)
      return fail_with(at(*network_entry, fmt::format("'{}' holds multicast or reserved addresses (224.0.0.0 and up), "
                                                      "which no client can have",
                                                      text)));
  }
  for (const auto& e : entries_here) {
    const auto key = to_lower(e.entry->key);
    const std::string_view value = trim(e.entry->value);
    bool ok = true;
    if (key == "network") continue;
    if (key == "pool") {
      pool_entry = e;
      subnet.pools.clear();
      ok = read_pool_ranges(e, subnet, subnet.pools);
    } else if (key == "pool_start") {
      pool_start_entry = e;
    } else if (key == "pool_count") {
      pool_count_entry = e;
    } else if (key == "gateway") {
      Ipv4Address gateway;
      ok = read_address(e, gateway);
      subnet.gateway = gateway;
    } else if (key == "set_gateway") {
      ok = read_bool(e, subnet.set_gateway);
    } else if (key == "netmask") {
      ok = read_address(e, subnet.netmask);
      if (ok && !subnet.netmask.prefix_length())
        ok = fail_with(at(e, fmt::format("'{}' is not a contiguous netmask", value)));
    } else if (key == "dns") {
      subnet.dns.clear();
      for (auto part : split(value, ';')) {
        if (trim(part).empty()) continue;
        const auto address = Ipv4Address::parse(trim(part));
        if (!address) return fail_with(at(e, fmt::format("'{}' is not an IPv4 address (dns is a ';' list)", part)));
        subnet.dns.push_back(*address);
      }
    } else if (key == "domain") {
      subnet.domain = std::string(value);
    } else if (key == "lease_time") {
      std::uint64_t v = 0;
      ok = read_uint(e, 1, std::numeric_limits<std::uint32_t>::max() - 1, v);
      subnet.lease_time = static_cast<std::uint32_t>(v);
    } else if (key == "next_server") {
      Ipv4Address next;
      ok = read_address(e, next);
      subnet.next_server = next;
    } else if (key == "boot_file") {
      if (!value.empty()) {
        subnet.boot_files.fallback = std::string(value);
        subnet.boot_files.sources.push_back({fmt::format("[{}] {}", s.name, e.entry->key), std::string(value),
                                             {ini_.path, e.entry->line}});
      }
    } else if (istarts_with(key, "bootfile.")) {
      std::string_view arch_key = std::string_view(key).substr(9);
      bool ipxe = false;
      if (istarts_with(arch_key, "ipxe.")) {
        ipxe = true;
        arch_key.remove_prefix(5);
      }
      const std::string file(value);
      if (!file.empty())
        subnet.boot_files.sources.push_back({fmt::format("[{}] {}", s.name, e.entry->key), file, {ini_.path, e.entry->line}});
      if (arch_key == "default") {
        (ipxe ? subnet.boot_files.ipxe_fallback : subnet.boot_files.fallback) = file;
      } else {
        const auto arch = parse_uint(arch_key, 0, 65535);
        if (!arch)
          return fail_with(at(e, "not a client architecture: bootfile. followed by an RFC 4578 code such as 00007, "
                                 "'default', or the same prefixed with 'ipxe.'"));
        if (!ipxe && !check_http_boot_file(e, static_cast<std::uint16_t>(*arch), value)) return false;
        (ipxe ? subnet.boot_files.ipxe_by_arch : subnet.boot_files.by_arch)[static_cast<std::uint16_t>(*arch)] = file;
      }
    } else if (key == "relay") {
      subnet.relays.clear();
      for (auto part : split(value, ';')) {
        if (trim(part).empty()) continue;
        const auto address = Ipv4Address::parse(trim(part));
        if (!address) return fail_with(at(e, fmt::format("'{}' is not an IPv4 address (relay is a ';' list)", part)));
        if (address->is_unspecified() || address->to_host_order() >= kFirstMulticast)
          return fail_with(at(e, fmt::format("{} is no relay's address (a relay has a unicast address)", address->to_string())));
        // Our own address as giaddr is a forged relay (or a loop): never a relay to trust.
        const auto ours = std::find_if(interfaces_.begin(), interfaces_.end(),
                                       [&](const NetworkInterface& i) { return i.address == *address; });
        if (ours != interfaces_.end() || *address == d.server_address)
          return fail_with(at(e, fmt::format("{} is an address of this server{}: a relay is another host",
                                             address->to_string(),
                                             ours != interfaces_.end() ? " (" + ours->name + ")" : std::string())));
        subnet.relays.push_back(*address);
      }
    } else if (key == "interface") {
      subnet.interface = std::string(value);
      if (std::none_of(interfaces_.begin(), interfaces_.end(),
                       [&](const NetworkInterface& i) { return i.name == subnet.interface; }))
        return fail_with(at(e, fmt::format("no interface {}", subnet.interface)));
    } else if (!e.entry->from_default) {
      // Every key of a [subnet] is its own: a misspelt one would silently take [bootp]'s value.
      const auto meant = near_miss(e.entry->key, kSubnetKeys);
      return fail_with(at(e, meant.empty() ? std::string("unknown key")
                                           : fmt::format("unknown key: did you mean {}?", one_of(meant, "'", "'"))));
    }
    if (!ok) return false;
  }
  if (pool_entry && (pool_start_entry || pool_count_entry))
    return fail_with(at(pool_start_entry ? *pool_start_entry : *pool_count_entry,
                        "give either pool or pool_start/pool_count, not both"));
  if (pool_count_entry && !pool_start_entry) return fail_with(at(*pool_count_entry, "pool_count needs pool_start"));
  if (pool_start_entry) {
    Ipv4Address start;
    if (!read_address(*pool_start_entry, start)) return false;
    std::uint64_t count = 10;  // [bootp]'s default
    if (pool_count_entry && !read_uint(*pool_count_entry, 0, 1u << 24, count)) return false;
    if (count > 0) {
      if (std::uint64_t{start.to_host_order()} + count > (1ull << 32))
        return fail_with(at(*pool_start_entry, "pool_start + pool_count runs past 255.255.255.255"));
      const PoolRange range{start, start.plus(static_cast<std::uint32_t>(count - 1))};
      if (!subnet.network.contains(range.first) || !subnet.network.contains(range.last))
        return fail_with(at(*pool_start_entry, fmt::format("the pool {} .. {} leaves the network {}/{}",
                                                           range.first.to_string(), range.last.to_string(),
                                                           subnet.network.address.to_string(),
                                                           subnet.network.netmask.prefix_length().value_or(0))));
      subnet.pools.push_back(range);
      if (subnet.network.has_network_and_broadcast() &&
          (range.first == subnet.network.network() || range.last == subnet.network.broadcast()))
        return fail_with(at(*pool_start_entry, "the pool holds the network's network or broadcast address"));
    }
  }
  for (const auto& itf : interfaces_)
    if (!itf.address.is_unspecified() && subnet.network.contains(itf.address)) {
      if (subnet.local_addresses.empty()) subnet.detected_interface = itf.name;
      subnet.local_addresses.push_back(itf.address);
    }
  if (!subnet.set_gateway) subnet.gateway.reset();
  return true;
}

// pool = a-b; c-d: each range inside the network, no network or broadcast address, no overlap.
bool Loader::read_pool_ranges(const Entry& e, const SubnetConfig& subnet, std::vector<PoolRange>& out) {
  const auto prefix = subnet.network.netmask.prefix_length().value_or(0);
  for (auto part : split(e.entry->value, ';')) {
    part = trim(part);
    if (part.empty()) continue;
    const auto dash = part.find('-');
    const auto first = Ipv4Address::parse(trim(part.substr(0, dash)));
    const auto last = dash == std::string_view::npos ? first : Ipv4Address::parse(trim(part.substr(dash + 1)));
    if (!first || !last)
      return fail_with(at(e, fmt::format("'{}' is not an address range (first-last, ranges separated by ';')", part)));
    if (last->to_host_order() < first->to_host_order())
      return fail_with(at(e, fmt::format("'{}': the range ends before it starts", part)));
    if (!subnet.network.contains(*first) || !subnet.network.contains(*last))
      return fail_with(at(e, fmt::format("{} .. {} leaves the network {}/{}", first->to_string(), last->to_string(),
                                         subnet.network.address.to_string(), prefix)));
    if (subnet.network.has_network_and_broadcast() &&
        (*first == subnet.network.network() || *last == subnet.network.broadcast()))
      return fail_with(at(e, fmt::format("{} .. {} holds the network or broadcast address of {}/{}", first->to_string(),
                                         last->to_string(), subnet.network.address.to_string(), prefix)));
    out.push_back({*first, *last});
  }
  std::sort(out.begin(), out.end(), [](const PoolRange& a, const PoolRange& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < out.size(); ++i)
    if (out[i].first.to_host_order() <= out[i - 1].last.to_host_order())
      return fail_with(at(e, fmt::format("the ranges {} .. {} and {} .. {} overlap", out[i - 1].first.to_string(),
                                         out[i - 1].last.to_string(), out[i].first.to_string(), out[i].last.to_string())));
  return true;
}

// Networks may not overlap ([bootp]'s included): sorted by first address, neighbours compared.
bool Loader::check_subnet_overlaps() {
  struct Span {
    std::uint32_t first, last;
    std::string label;
    Location where;
  };
  std::vector<Span> spans;
  const DhcpConfig& d = config_.dhcp;
  const Ipv4Subnet primary{d.server_address, d.netmask};
  const IniSection* bootp = section("bootp");
  spans.push_back({primary.network().to_host_order(), primary.broadcast().to_host_order(),
                   fmt::format("[{}] {}/{}", bootp ? bootp->name : "bootp", primary.network().to_string(),
                               d.netmask.prefix_length().value_or(0)),
                   {ini_.path, bootp ? bootp->line : 0}});
  for (const auto& subnet : d.subnets)
    spans.push_back({subnet.network.network().to_host_order(), subnet.network.broadcast().to_host_order(),
                     fmt::format("[subnet {}] {}/{}", subnet.name, subnet.network.address.to_string(),
                                 subnet.network.netmask.prefix_length().value_or(0)),
                     subnet.where});
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].first > spans[i - 1].last) continue;
    // Report at the later of the two sections, naming the other.
    const Span& a = spans[i - 1].where.line > spans[i].where.line ? spans[i - 1] : spans[i];
    const Span& b = &a == &spans[i] ? spans[i - 1] : spans[i];
    return fail_with(fmt::format("{}: {}: network overlaps {} (line {})", a.where.to_string(), a.label, b.label,
                                 b.where.line));
  }
  std::map<Ipv4Address, const SubnetConfig*> relays;
  for (const auto& subnet : d.subnets)
    for (const auto relay : subnet.relays)
      if (const auto [it, added] = relays.emplace(relay, &subnet); !added)
        return fail_with(fmt::format("{}: [subnet {}] relay: {} already selects [subnet {}]", subnet.where.to_string(),
                                     subnet.name, relay.to_string(), it->second->name));
  // A relay inside another served network: a giaddr there selects that subnet too (which one
  // would it be?).
  for (const auto& subnet : d.subnets)
    for (const auto relay : subnet.relays) {
      const auto other = std::find_if(d.subnets.begin(), d.subnets.end(), [&](const SubnetConfig& s) {
        return &s != &subnet && s.network.contains(relay);
      });
      if (other == d.subnets.end() && !primary.contains(relay)) continue;
      const std::string holder =
          other != d.subnets.end()
              ? fmt::format("[subnet {}] {}/{}", other->name, other->network.address.to_string(),
                            other->network.netmask.prefix_length().value_or(0))
              : fmt::format("[{}] {}/{}", bootp ? bootp->name : "bootp", primary.network().to_string(),
                            d.netmask.prefix_length().value_or(0));
      return fail_with(fmt::format("{}: [subnet {}] relay: {} lies in {}, whose relayed clients it would take",
                                   subnet.where.to_string(), subnet.name, relay.to_string(), holder));
    }
  return true;
}

// [static_dhcp] entries belong to the subnet whose network holds them; one in no subnet is an
// error once [subnet] sections exist (a pybootd file keeps its warning).
bool Loader::place_reservations() {
  DhcpConfig& d = config_.dhcp;
  const Ipv4Subnet primary{d.server_address, d.netmask};
  for (const auto& lease : static_lines_) {
    if (primary.contains(lease.address)) continue;
    const auto holder = std::find_if(d.subnets.begin(), d.subnets.end(),
                                     [&](const SubnetConfig& s) { return s.network.contains(lease.address); });
    if (holder == d.subnets.end())
      return fail_with(fmt::format("{}:{}: [static_dhcp] {}: {} is in no subnet", ini_.path, lease.line,
                                   lease.mac.to_string('-'), lease.address.to_string()));
    holder->reservations[lease.mac] = lease.address;
    if (const auto it = d.static_leases.find(lease.mac); it != d.static_leases.end() && it->second == lease.address)
      d.static_leases.erase(it);
  }
  return true;
}

// proxy = yes: no pool to find a network from. The served network is `address`, else
// `interface` (its first address), else every interface, each reply naming the address the
// request arrived on.
bool Loader::detect_proxy_network() {
  DhcpConfig& d = config_.dhcp;
  d.detected_interface = d.interface;
  d.gateway.reset();
  if (!d.listen_address.is_unspecified()) {
    d.server_address = d.listen_address;
    return true;
  }
  if (d.interface.empty()) return true;
  for (const auto& itf : interfaces_)
    if (itf.name == d.interface && !itf.address.is_unspecified()) {
      d.server_address = itf.address;
      d.netmask = itf.netmask;
      break;
    }
  return true;
}

// Before anything else: a misspelt [tftp] must be reported as such, not as what its
// absence leads to.
bool Loader::check_sections() {
  for (const auto& s : ini_.sections) {
    const auto name = canonical_section(s.name);
    if (profile_section_name(s.name)) continue;
    // [profile] without a name, [profiles x], [profile-x]: a typo that would leave a profile
    // unused (or make [hosts] name a missing one) is an error, not an ignored section.
    if (istarts_with(s.name, "profile"))
      return fail_with(at_section(s, "not a profile section: write [profile NAME] (NAME: letters, digits, '-', '_', '.')"));
    if (std::find(std::begin(kKnownSections), std::end(kKnownSections), name) != std::end(kKnownSections)) continue;
    if (is_subnet_section(s.name)) continue;  // load_subnets() checks the name
    if (const auto meant = near_miss(s.name, kSectionSpellings); !meant.empty()) {
      // Named by their canonical spelling, once: [tftpp] means [tftp], whether via [tftp] or [tftpd].
      std::vector<std::string> names;
      for (const auto m : meant)
        if (auto c = canonical_section(m); std::find(names.begin(), names.end(), c) == names.end()) names.push_back(c);
      const std::vector<std::string_view> views(names.begin(), names.end());
      return fail_with(at_section(s, fmt::format("unknown section: did you mean {}?", one_of(views, "[", "]"))));
    }
    warn(fmt::format("{}:{}: [{}]: unknown section, ignored", ini_.path, s.line, s.name));
  }
  return true;
}

bool Loader::check_unknown() {
  for (const auto& s : ini_.sections) {
    std::set<std::string> keys;
    for (const auto& e : s.entries)
      if (!keys.insert(to_lower(e.key)).second)
        warn(fmt::format("{}:{}: [{}] {}: given twice in this section, the last one wins", ini_.path, e.line, s.name, e.key));
  }
  for (const auto& e : entries("logger")) {
    const auto key = to_lower(e.entry->key);
    if (key != "type" && key != "level" && key != "file" && !unknown_key(e, kLoggerKeys)) return false;
  }
  return true;
}

Result<LoadedConfig> Loader::run() {
  config_.source = ini_.path;
  config_.services = options_.services;
  const bool ok = check_sections() && load_logger() && load_bootp() && load_static_dhcp() && load_buggy_clients() &&
                  load_boot_files() && load_access_lists() && load_http_access() && load_tftp() &&
                  load_httpd() && check_http_boot_files() && load_process() && load_status() && load_boot_profiles() &&
                  check_pxe_port() && detect_network() && load_subnets() && check_unknown();
  if (!ok) {
    // The warnings gathered before the error go with it: an unknown key on line 2 is often
    // why line 9 fails ([tftp] tftp_root = ... leaves the default root, which is missing).
    std::string detail;
    for (const auto& warning : warnings_) detail += fmt::format("warning: {}\nnetbootd: ", warning);
    return fail(Errc::BadValue, detail + error_);
  }
  if (!config_.tftp.address) {
    // pybootd: "the address is automatically received from the BOOTP daemon".
    config_.tftp.address = config_.services.dhcp ? config_.dhcp.server_address : Ipv4Address::any();
  }
  if (!config_.httpd.address)
    config_.httpd.address = config_.services.dhcp ? config_.dhcp.server_address : Ipv4Address::any();
  if (config_.services.http)
    config_.dhcp.http_boot_server = HttpBootServer{
        .address = config_.httpd.address->is_unspecified() ? std::nullopt : config_.httpd.address,
        .port = config_.httpd.port};
  return LoadedConfig{std::move(config_), std::move(warnings_)};
}

}  // namespace

Result<LoadedConfig> load_config(const IniFile& ini, const LoadOptions& options,
                                 std::span<const NetworkInterface> interfaces) {
  return Loader(ini, options, interfaces).run();
}

Result<LoadedConfig> load_config(const fs::path& path, const LoadOptions& options,
                                 std::span<const NetworkInterface> interfaces) {
  auto ini = read_ini_file(path);
  if (!ini) return fail(ini.error().code, ini.error().detail);
  return load_config(*ini, options, interfaces);
}

}  // namespace netboot::config
