#pragma once
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/ini_file.hpp"
#include "core/network_interface.hpp"
#include "core/result.hpp"

namespace netboot::config {

/// The TFTP (and HTTP) root when the file names none: Debian's tftpd-hpa folder. It must
/// exist; netbootd never falls back to its working directory as pybootd did.
inline constexpr const char* kDefaultRoot = "/srv/tftp";

/// What the command line decides before the file is read.
struct LoadOptions {
  Services services;                 // from -p / -t / -H
  bool services_from_cli = false;    // -p or -t given: [httpd] enable does not override them
  bool debug = false;                // -d: level = debug whatever [logger] says
  std::filesystem::path resolv_conf = "/etc/resolv.conf";  // for dns = auto
  std::filesystem::path default_root = kDefaultRoot;       // [tftp] root when the file sets none
};

struct LoadedConfig {
  Config config;
  std::vector<std::string> warnings;  // "file:line: ..." (unknown sections and keys, ...)
};

/// Reads, validates and resolves a pybootd-compatible configuration. Every error
/// names the file, the line, the section and key, and the reason:
///   "netbootd.ini:12: [bootp] pool_start: '10.1.2' is not an IPv4 address"
/// preceded, one line each, by the warnings found before it ("warning: ...\nnetbootd: <error>",
/// to be printed after "netbootd: ").
/// `interfaces` are the host's (net::list_interfaces()), for pybootd's network detection.
Result<LoadedConfig> load_config(const IniFile& ini, const LoadOptions& options,
                                 std::span<const NetworkInterface> interfaces);
Result<LoadedConfig> load_config(const std::filesystem::path& path, const LoadOptions& options,
                                 std::span<const NetworkInterface> interfaces);

/// The effective configuration as INI text (every key, defaults resolved), for --check-config.
std::string format_config(const Config& config);
/// One line for --check-config and the ready line: "proxyDHCP (no addresses ...), port 67, ...".
std::string describe_dhcp_mode(const DhcpConfig& dhcp);

}  // namespace netboot::config
