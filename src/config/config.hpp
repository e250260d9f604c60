#pragma once
// The typed configuration: what load_config() makes of a pybootd-compatible INI file.
// Services receive these structs through their constructors; nothing else reads the file.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/lease_defaults.hpp"
#include "core/ipv4_address.hpp"
#include "core/ipv4_subnet.hpp"
#include "core/mac_address.hpp"
#include "core/uuid.hpp"

namespace netboot::config {

/// Where a value came from, for messages: "etc/netbootd.ini:12".
struct Location {
  std::string file;
  int line = 0;
  [[nodiscard]] std::string to_string() const;
};

enum class LogSink { Stderr, Stdout, File, Syslog, None };
enum class LogLevel { Critical, Error, Warning, Info, Debug };

struct LoggerConfig {
  LogSink type = LogSink::Stderr;
  LogLevel level = LogLevel::Info;
  std::filesystem::path file;  // for LogSink::File
};

enum class AccessMode { None, Mac, Uuid, Http };

/// Client architecture (DHCP option 93, RFC 4578) -> boot file.
/// Keys in [bootfile]: "00007" or "7" (architecture code), "default", and the same
/// prefixed with "ipxe." for clients that already run iPXE (user class "iPXE" or option 175).
struct BootFileTable {
  std::map<std::uint16_t, std::string> by_arch;
  std::optional<std::string> fallback;
  std::map<std::uint16_t, std::string> ipxe_by_arch;
  std::optional<std::string> ipxe_fallback;
  /// Every boot file as written ([bootfile] key or [bootp] boot_file) and where, for the
  /// checks of --check-config.
  struct Source {
    std::string key;   // "[bootfile] 00007", "[bootp] boot_file"
    std::string file;
    Location where;
  };
  std::vector<Source> sources;

  /// The file for a client; nullptr when nothing is configured for it.
  /// Arch 7 and 9 (both x86-64 UEFI, RFC 4578 erratum 4477) stand in for each other unless
  /// both are configured. An iPXE client falls back to the non-iPXE table.
  [[nodiscard]] const std::string* select(std::optional<std::uint16_t> arch, bool is_ipxe) const;
};

/// The "boot from HTTP" codes of IANA's processor architecture registry (RFC 4578 §2.1):
/// 15 x86 UEFI, 16 x86-64 UEFI, 17 EBC, 18 ARM32 UEFI, 19 ARM64 UEFI, 20 PC/AT BIOS,
/// 23/24 ARM U-Boot, 26/28/30 RISC-V UEFI, 38/40 LoongArch UEFI.
[[nodiscard]] bool is_http_boot_arch(std::uint16_t arch) noexcept;

/// Where [bootfile] names for HTTP boot architectures are fetched from: netbootd's own HTTP
/// service. No address ([httpd] address 0.0.0.0): the address the client reached.
struct HttpBootServer {
  std::optional<Ipv4Address> address;
  std::uint16_t port = 80;
  friend bool operator==(const HttpBootServer&, const HttpBootServer&) = default;
};

/// One range of a [subnet] pool, both ends included.
struct PoolRange {
  Ipv4Address first;
  Ipv4Address last;
  [[nodiscard]] std::uint32_t size() const { return last.to_host_order() - first.to_host_order() + 1; }
};

/// A [subnet NAME] section: one more network served besides [bootp]'s (a relayed VLAN, or
/// another card of this host). What it does not set comes from [bootp] (dns, domain,
/// lease_time) and [bootfile]; network, pool, gateway, netmask, relay and interface never do.
struct SubnetConfig {
  std::string name;                        // NAME of [subnet NAME]
  Ipv4Subnet network;                      // network = a.b.c.d/n (host bits zero)
  std::vector<PoolRange> pools;            // pool = a-b; c-d, or pool_start + pool_count; sorted
  std::optional<Ipv4Address> gateway;      // gateway; unset: giaddr (relayed) or our address on it (local)
  bool set_gateway = true;                 // set_gateway = no: no option 3
  Ipv4Address netmask;                     // netmask (option 1); default: the network's
  std::vector<Ipv4Address> dns;            // dns; default [bootp]'s
  std::string domain;                      // domain; default [bootp]'s
  std::uint32_t lease_time = 0;            // lease_time; default [bootp]'s
  std::optional<Ipv4Address> next_server;  // next_server (siaddr); default [tftp] address, else the local address
  BootFileTable boot_files;                // [bootfile] with this subnet's boot_file / bootfile.* over it
  std::vector<Ipv4Address> relays;         // relay: giaddrs outside the network that select it
  std::string interface;                   // interface: a local link without an address of ours in it
  std::map<MacAddress, Ipv4Address> reservations;  // the [static_dhcp] entries inside `network`
  std::vector<Ipv4Address> local_addresses;        // this host's addresses inside `network` (found at load)
  std::string detected_interface;                  // the interface holding the first of them
  Location where;                          // the section's line
};

struct DhcpConfig {
  bool proxy = false;                   // [bootp] proxy: proxyDHCP, no addresses (another server gives them)
  std::uint16_t pxe_port = 4011;        // [bootp] pxe_port: the PXE boot server (both modes); 0 = off
  bool pxe_port_given = false;          // written in the file: failing to bind it is then fatal
  Ipv4Address listen_address;           // [bootp] address, default 0.0.0.0
  std::uint16_t port = 67;              // [bootp] port
  std::uint16_t client_port = 68;       // where replies go (tests on unprivileged ports may change it)
  std::string interface;                // [bootp] interface: serve only this one ("" = all)
  AccessMode access = AccessMode::None; // [bootp] access
  bool allow_simple_dhcp = false;       // [bootp] allow_simple_dhcp
  BootFileTable boot_files;             // [bootfile], or [bootp] boot_file as its default
  std::optional<HttpBootServer> http_boot_server;  // [httpd] when it runs: turns HTTP boot file names into URLs
  std::string domain = "localdomain";   // [bootp] domain
  std::string servername = "unknown";   // [bootp] servername / server_name
  std::vector<Ipv4Address> dns;         // [bootp] dns (';' list, or auto = the host's resolvers)
  std::uint32_t lease_time = static_cast<std::uint32_t>(kDefaultLeaseTime.count());  // [bootp] lease_time, seconds
  Ipv4Address pool_start;               // [bootp] pool_start
  std::uint32_t pool_count = 10;        // [bootp] pool_count (0 = reservations only)
  std::vector<UdpEndpoint> notify;      // [bootp] notify = a.b.c.d:p;a.b.c.d:p
  std::filesystem::path lease_file;     // [bootp] lease_file
  std::map<MacAddress, Ipv4Address> static_leases;  // [static_dhcp]
  std::vector<MacPrefix> buggy_clients;             // [buggy_clients]: always broadcast replies
  /// [bootp] trusted_relays: the UDP source addresses (a.b.c.d or a.b.c.d/n) of the relay agents
  /// whose relayed datagrams are served. Empty (the key absent): every relay is believed.
  std::vector<Ipv4Subnet> trusted_relays;

  // Network detection (pybootd's get_iface_config): the interface whose subnet holds pool_start.
  // In proxy mode there is no pool: `address`, else the address of `interface`, else unspecified
  // (each reply then names the address the request arrived on).
  Ipv4Address server_address;           // that interface's address
  Ipv4Address netmask;                  // [bootp] netmask, else the interface's
  std::optional<Ipv4Address> gateway;   // [bootp] gateway, else the server; none if set_gateway = off
  std::string detected_interface;       // the interface name found
  std::vector<Ipv4Address> local_addresses;  // every address of this host on the served subnet (never leased)

  /// [subnet NAME] sections in file order. [bootp] is subnet 0 and stays in the fields above
  /// (a pybootd file has no other); its [static_dhcp] entries stay in static_leases, the
  /// others move to the subnet whose network holds them.
  std::vector<SubnetConfig> subnets;
};

template <class Key>
struct AccessRule {
  Key key;
  bool allow = true;
  Location where;
};

/// [mac] and [uuid]: entries are booleans; keys may be prefixes.
struct AccessLists {
  std::vector<AccessRule<MacPrefix>> mac;
  std::vector<AccessRule<UuidPrefix>> uuid;
};

/// How the question to the authorization server is written ([http] query_form):
/// Readme: pybootd's README (2011), `mac=AA-BB-CC-DD-EE-FF&uuid=XXXXXXXX-...` (upper case,
///         SMBIOS text order);
/// Pybootd18: what pybootd 1.8's code sends, `mac=AA%3ABB%3A...` and the UUID lower case in
///         option 97's byte order, so that a server written for pybootd 1.8 works unchanged.
enum class AccessQueryForm { Readme, Pybootd18 };

/// [http]: delegation of the access decision to a web server.
struct HttpAccessConfig {
  std::string location;       // normalised to "http://host[:port][/prefix]"
  std::string pxe_path;       // [http] pxe
  std::string dhcp_path;      // [http] dhcp
  double timeout = 5.0;       // [http] timeout (or [bootp] timeout), seconds
  bool always_check = false;  // [http] always_check
  AccessQueryForm query_form = AccessQueryForm::Readme;  // [http] query_form
};

/// [filters]: glob -> replacement ("{filename}" = the requested name; "[path]" = read the name from a file).
struct FilterRule {
  std::string pattern;
  std::string replacement;
  Location where;
};

struct TftpConfig {
  std::optional<Ipv4Address> address;  // [tftp] address; default: the DHCP server address, else 0.0.0.0
  std::uint16_t port = 69;             // [tftp] port
  std::uint16_t blocksize = 0;         // [tftp] blocksize: cap on the negotiated block size (0 = MTU only)
  double timeout = 2.0;                // [tftp] timeout, seconds (real value accepted)
  unsigned retries = 5;                // [tftp] retries before a transfer is dropped
  std::string root_url;                // [tftp] root when it is an http(s):// prefix
  std::filesystem::path root_dir;      // [tftp] root as a directory (relative: to the config file's folder)
  bool writable = false;               // [tftp] writable: accept WRQ into the root
  unsigned max_transfers = 4096;       // [tftp] max_transfers: concurrent transfers cap
  unsigned max_transfers_per_client = 64;  // [tftp] max_transfers_per_client
  std::uint16_t max_window_size = 64;  // [tftp] max_windowsize: cap on RFC 7440 windowsize
  unsigned max_timeout = 10;           // [tftp] max_timeout: cap on the RFC 2349 timeout a client may ask for, seconds
  std::uint64_t max_transfer_memory = std::uint64_t{256} << 20;  // [tftp] max_transfer_memory (MiB in the file), bytes
  // A remote root: redirects, memory and pace of the downloads.
  bool remote_same_host_redirects = false;  // [tftp] remote_redirects = same_host (default off)
  std::uint64_t remote_memory_limit = std::uint64_t{256} << 20;  // [tftp] remote_memory_mb: all remote downloads together
  std::uint64_t remote_min_rate = 8192;     // [tftp] remote_min_rate: bytes/s over 10 s, or the download fails
  unsigned remote_deadline = 1800;          // [tftp] remote_deadline: seconds a download may take at most
  std::vector<FilterRule> filters;     // [filters]
  std::filesystem::path base_dir;      // the configuration file's folder (relative [filters] targets)
  [[nodiscard]] bool remote_root() const { return !root_url.empty(); }
};

/// [httpd]: the HTTP file service for second-stage boot files.
struct HttpServiceConfig {
  std::optional<Ipv4Address> address;  // default: the DHCP server address, else 0.0.0.0
  std::uint16_t port = 80;
  std::filesystem::path root;          // default: the TFTP root directory
  bool check_ip = false;               // only clients holding a lease may download (load_config: yes with DHCP)
  unsigned max_connections = 1024;
  unsigned max_connections_per_client = 32;  // [httpd] max_connections_per_client: from one address
  std::uint64_t min_send_rate = 8192;        // [httpd] min_send_rate: bytes/s a body must average per window, 0 = off
};

/// [status]: the status service (Prometheus metrics, JSON API, live page). Off unless
/// enabled; loopback by default, since it shows MACs, addresses and file names.
struct StatusConfig {
  bool enabled = false;
  Ipv4Address address = Ipv4Address::loopback();
  std::uint16_t port = 9167;
  unsigned max_connections = 16;
  /// Host header names accepted besides localhost and IP literals (DNS rebinding), lower case.
  std::vector<std::string> hostnames;
};

/// [netbootd]: the account netbootd runs as once every socket is bound (docs/security.md).
/// Empty user: keep the account it was started as.
struct ProcessConfig {
  std::string user;   // [netbootd] user: a name or a numeric uid
  std::string group;  // [netbootd] group: a name or a numeric gid; default: the user's primary group
};

/// The {variables} of [profile] values (docs/configuration.md, "Boot profiles").
inline constexpr std::string_view kBootTemplateVariables[] = {"mac",      "mac_hyphen", "address",  "uuid",
                                                              "hostname", "server",     "http_base", "profile"};

/// [profile NAME]: what a machine boots through a generated iPXE script (docs/configuration.md,
/// "Boot profiles"). kernel and initrd are names on netbootd's HTTP service or http(s) URLs;
/// every value is a template whose {variables} were checked at load (config/boot_template).
struct BootProfile {
  std::string name;                  // as written after "profile", lower case
  std::string kernel;                // [profile NAME] kernel
  std::vector<std::string> initrds;  // [profile NAME] initrd: one or more, ';' or white space separated
  std::string cmdline;               // [profile NAME] cmdline
  Location where;                    // the section header
};

/// [hosts] entries: a MAC, MAC prefix, UUID or UUID prefix -> a profile (index into profiles).
template <class Key>
struct ProfileRule {
  Key key;
  std::size_t profile = 0;
  Location where;
};

/// [boot_api]: pixiecore's API form, GET <url>/v1/boot/<mac> -> JSON {kernel, initrd, cmdline}.
struct BootApiConfig {
  std::string url;                     // [boot_api] url: http(s)://host[:port][/prefix], no trailing '/'
  double timeout = 2.0;                // [boot_api] timeout, seconds: the whole request
  unsigned cache_seconds = 30;         // [boot_api] cache: how long an answer (or a refusal) is kept
  std::uint64_t max_answer_bytes = 64 * 1024;  // [boot_api] max_answer_bytes: a longer answer is refused
  [[nodiscard]] bool enabled() const { return !url.empty(); }
};

/// The per-machine boot configuration: profiles, their assignment, the boot API.
struct BootProfiles {
  std::vector<BootProfile> profiles;
  std::map<MacAddress, std::size_t> by_exact_mac;  // [hosts] keys that are one MAC (a lookup, not a scan)
  std::vector<ProfileRule<MacPrefix>> by_mac;   // [hosts] MAC prefixes (and exact MACs written by tests)
  std::vector<ProfileRule<UuidPrefix>> by_uuid; // [hosts] UUID keys
  std::optional<std::size_t> fallback;          // [hosts] default
  BootApiConfig api;                            // [boot_api]
  [[nodiscard]] bool active() const { return !profiles.empty() || api.enabled(); }
};

/// Which services run: pybootd's -p (DHCP only) and -t (TFTP only), plus -H / [httpd] enable.
struct Services {
  bool dhcp = true;
  bool tftp = true;
  bool http = false;
};

struct Config {
  std::filesystem::path source;  // the file it was read from
  Services services;
  LoggerConfig logger;
  DhcpConfig dhcp;
  AccessLists access_lists;
  HttpAccessConfig http_access;
  TftpConfig tftp;
  HttpServiceConfig httpd;
  ProcessConfig process;
  StatusConfig status;
  BootProfiles boot;
};

std::string_view to_string(LogSink sink) noexcept;
std::string_view to_string(LogLevel level) noexcept;
std::string_view to_string(AccessMode mode) noexcept;
std::string_view to_string(AccessQueryForm form) noexcept;

}  // namespace netboot::config
