#include "app/preflight.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "core/database_uri.hpp"
#include "dhcp/pxe.hpp"
#include "tftp/file_locator.hpp"
#include "tftp/file_source.hpp"
#include "tftp/path_rewriter.hpp"

namespace netboot::app {
namespace {

namespace fs = std::filesystem;

constexpr int kCapNetBindService = 10;  // linux/capability.h

bool has_effective_capability(int capability) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (!line.starts_with("CapEff:")) continue;
    const auto mask = std::stoull(line.substr(7), nullptr, 16);
    return ((mask >> capability) & 1U) != 0;
  }
  return false;
}

std::string user_name(uid_t uid) {
  if (const passwd* pw = ::getpwuid(uid)) return pw->pw_name;
  return std::to_string(uid);
}

// May `who` write into (and search) `dir`? From the mode bits, as the kernel decides for an
// account without capabilities (ACLs aside); root may always.
bool writable_by(const fs::path& dir, const RunAs& who, struct stat& st) {
  if (::stat(dir.c_str(), &st) != 0) return false;
  if (who.uid == 0) return true;
  constexpr mode_t kWriteSearch = S_IWUSR | S_IXUSR;
  if (st.st_uid == who.uid) return (st.st_mode & kWriteSearch) == kWriteSearch;
  if (st.st_gid == who.gid) return (st.st_mode & (kWriteSearch >> 3)) == (kWriteSearch >> 3);
  return (st.st_mode & (kWriteSearch >> 6)) == (kWriteSearch >> 6);
}

// May `who` have `need` (a mask of the owner bits S_IRUSR/S_IXUSR) on `path`? From the mode
// bits, as writable_by.
bool permitted(const fs::path& path, const RunAs& who, mode_t need, struct stat& st) {
  if (::stat(path.c_str(), &st) != 0) return true;  // missing: reported elsewhere
  if (who.uid == 0) return true;
  if (st.st_uid == who.uid) return (st.st_mode & need) == need;
  if (st.st_gid == who.gid) return (st.st_mode & (need >> 3)) == (need >> 3);
  return (st.st_mode & (need >> 6)) == (need >> 6);
}

}  // namespace

RunAs current_run_as(const std::optional<Account>& account) {
  RunAs run_as;
  const uid_t euid = ::geteuid();
  if (account && euid == 0) {
    run_as.uid = account->uid;
    run_as.gid = account->gid;
    run_as.name = account->user;
    run_as.starts_as_root = true;
    run_as.can_bind_low_ports = true;  // bound before the drop
    return run_as;
  }
  run_as.uid = euid;
  run_as.gid = ::getegid();
  run_as.name = user_name(euid);
  run_as.can_bind_low_ports = euid == 0 || has_effective_capability(kCapNetBindService);
  return run_as;
}

unsigned unprivileged_port_start() {
  std::ifstream file("/proc/sys/net/ipv4/ip_unprivileged_port_start");
  unsigned value = 1024;
  if (!(file >> value)) return 1024;
  return value;
}

// Why the TFTP service would refuse a request for `name`, in words the administrator can act
// on; nullopt when it would serve it. The request goes the service's own way: [filters]
// (FileLocator), then open_beneath with TFTP's PathPolicy and its single-link rule.
std::optional<std::string> tftp_refusal(const tftp::FileLocator& locator, tftp::DirectorySource& root,
                                        const std::string& name) {
  auto located = locator.locate(name, name);
  std::optional<Error> error;
  if (!located) error = located.error();
  else if (!located->local) {
    auto opened = root.open_now(located->root_name);
    if (!opened) error = opened.error();
  }
  if (!error) return std::nullopt;
  const std::string& detail = error->detail;
  if (detail.find("hard-linked") != std::string::npos)
    return fmt::format("is hard-linked ({}): TFTP serves only files with a single name, since a hard link can give a "
                       "file outside the root a name inside it; copy the file instead of linking it",
                       detail);
  if (detail.find("leads out of the root") != std::string::npos || detail.find("symbolic link") != std::string::npos)
    return fmt::format("is a symbolic link leading out of the TFTP root ({}): TFTP refuses it, since no name may lead "
                       "out of the root; copy the file into the root (cp /usr/lib/PXELINUX/pxelinux.0 rather than "
                       "ln -s), or bind-mount its folder beneath the root",
                       detail);
  if (error->code == Errc::NotFound)
    return fmt::format("does not exist beneath the TFTP root ({}): copy it there, or fix the name", detail);
  return fmt::format("cannot be served by TFTP ({})", detail);
}

std::vector<std::string> check_boot_files(const config::Config& config) {
  std::vector<std::string> out;
  const auto& t = config.tftp;
  // Another server serves the files (-p), or they are remote: nothing to look at here.
  if (!config.services.dhcp || !config.services.tftp || t.remote_root()) return out;
  tftp::SharedFileCache cache;
  auto root = tftp::DirectorySource::create(t.root_dir.string(), cache);
  if (!root) {
    out.push_back(fmt::format("{}: [tftp] root: {}: no boot file can be served", config.source.string(),
                              root.error().detail));
    return out;
  }
  const tftp::FileLocator locator(tftp::PathRewriter(t.filters), t.base_dir, root->get(), cache);
  for (const auto& source : config.dhcp.boot_files.sources) {
    if (source.file.find("://") != std::string::npos) continue;  // UEFI HTTP boot URL
    const auto refusal = tftp_refusal(locator, **root, source.file);
    if (!refusal) continue;
    out.push_back(fmt::format("{}: {}: {} {} (clients given it cannot boot; TFTP root {})", source.where.to_string(),
                              source.key, source.file, *refusal, t.root_dir.string()));
  }
  return out;
}

std::vector<std::string> check_architectures(const config::Config& config) {
  std::vector<std::string> out;
  if (!config.services.dhcp) return out;
  // The PXE clients met in practice (RFC 4578 option 93): BIOS, and UEFI on x86, x86-64 and ARM.
  constexpr std::uint16_t kCommon[] = {0, 6, 7, 10, 11};
  std::string missing;
  for (const auto arch : kCommon)
    if (config.dhcp.boot_files.select(arch, false) == nullptr)
      missing += fmt::format("{}{:05} ({})", missing.empty() ? "" : ", ", arch, dhcp::arch_name(arch));
  if (missing.empty()) return out;
  out.push_back(fmt::format("{}: [bootfile]: no boot file for architecture {}: such PXE clients are ignored; add "
                            "their codes or a 'default' to [bootfile]",
                            config.source.string(), missing));
  return out;
}

std::vector<std::string> check_lease_folder(const config::Config& config, const RunAs& run_as) {
  std::vector<std::string> out;
  // proxyDHCP keeps no lease file; a database URI is no folder.
  if (!config.services.dhcp || config.dhcp.proxy || is_database_uri(config.dhcp.lease_file.string())) return out;
  const fs::path lease_file = fs::absolute(config.dhcp.lease_file);
  // Started as root with [netbootd] user: a missing folder is created as root and, holding
  // nothing but the lease database, handed over (lease_paths_to_hand_over; see lease_folder_note).
  if (std::error_code missing; run_as.starts_as_root && !fs::exists(lease_file.parent_path(), missing)) return out;
  // netbootd creates missing folders: the first existing one above must then be writable.
  fs::path dir = lease_file.parent_path();
  std::error_code ec;
  while (!fs::exists(dir, ec) && dir.has_relative_path()) dir = dir.parent_path();
  // Started as root with [netbootd] user: the file is opened as root, then a dedicated folder
  // is handed over (lease_paths_to_hand_over); only a shared folder must already be writable.
  if (run_as.starts_as_root && dir == lease_file.parent_path()) {
    for (const auto& p : lease_paths_to_hand_over(lease_file))
      if (p == dir) return out;
  }
  struct stat st {};
  if (writable_by(dir, run_as, st)) {
    // The file itself, when it exists, must be writable too.
    struct stat file_st {};
    if (::stat(lease_file.c_str(), &file_st) != 0 || run_as.uid == 0 || run_as.starts_as_root) return out;
    const bool own = file_st.st_uid == run_as.uid && (file_st.st_mode & S_IWUSR) != 0;
    const bool group = file_st.st_uid != run_as.uid && file_st.st_gid == run_as.gid && (file_st.st_mode & S_IWGRP) != 0;
    const bool other = file_st.st_uid != run_as.uid && file_st.st_gid != run_as.gid && (file_st.st_mode & S_IWOTH) != 0;
    if (own || group || other) return out;
    out.push_back(fmt::format("{}: [bootp] lease_file: {} is owned by {} (mode {:04o}) and not writable by user {} "
                              "(uid {}), which netbootd runs as: chown {} {}",
                              config.source.string(), lease_file.string(), user_name(file_st.st_uid),
                              file_st.st_mode & 07777, run_as.name, run_as.uid, run_as.name, lease_file.string()));
    return out;
  }
  out.push_back(fmt::format("{}: [bootp] lease_file: the folder {} (owner {}, mode {:04o}) is not writable by user {} "
                            "(uid {}), which netbootd runs as: chown {} {} (under systemd, StateDirectory=netbootd "
                            "as in packaging/netbootd.service), or set lease_file to a folder that user can write",
                            config.source.string(), dir.string(), user_name(st.st_uid), st.st_mode & 07777,
                            run_as.name, run_as.uid, run_as.name, dir.string()));
  return out;
}

std::optional<std::string> lease_folder_note(const config::Config& config, const RunAs& run_as) {
  if (!config.services.dhcp || !run_as.starts_as_root || is_database_uri(config.dhcp.lease_file.string()))
    return std::nullopt;
  const fs::path folder = fs::absolute(config.dhcp.lease_file).parent_path();
  if (std::error_code ec; fs::exists(folder, ec)) return std::nullopt;
  return fmt::format("{}: [bootp] lease_file: the folder {} does not exist yet: netbootd, started as root, will create "
                     "it and hand it to user {}",
                     config.source.string(), folder.string(), run_as.name);
}

std::vector<std::string> check_readable(const config::Config& config, const RunAs& run_as) {
  std::vector<std::string> out;
  if (run_as.uid == 0) return out;
  struct stat st {};
  const auto refused = [&](std::string_view what, const fs::path& path, std::string_view need) {
    out.push_back(fmt::format("{}: {}: {} (owner {}, mode {:04o}) cannot be {} by user {} (uid {}), which netbootd "
                              "runs as: every request for it would be refused; chmod o+{} {} or chown {} it",
                              config.source.string(), what, path.string(), user_name(st.st_uid), st.st_mode & 07777,
                              need == "x" ? "searched" : "read", run_as.name, run_as.uid, need, path.string(),
                              run_as.name));
  };
  const bool local_tftp = config.services.tftp && !config.tftp.remote_root();
  std::vector<std::pair<std::string, fs::path>> roots;
  if (local_tftp) roots.emplace_back("[tftp] root", config.tftp.root_dir);
  if (config.services.http && !config.httpd.root.empty() && config.httpd.root != config.tftp.root_dir)
    roots.emplace_back("[httpd] root", config.httpd.root);
  for (const auto& [what, root] : roots)
    if (!permitted(root, run_as, S_IXUSR, st)) refused(what, root, "x");
  if (!local_tftp || !config.services.dhcp) return out;
  // Boot files served from the root: each folder on the way must be searchable, the file readable.
  for (const auto& source : config.dhcp.boot_files.sources) {
    if (source.file.find("://") != std::string::npos) continue;
    const auto relative = fs::path(source.file).relative_path().lexically_normal();
    fs::path at = config.tftp.root_dir;
    for (auto part = relative.begin(); part != relative.end(); ++part) {
      at /= *part;
      const bool last = std::next(part) == relative.end();
      if (!permitted(at, run_as, last ? S_IRUSR : S_IXUSR, st)) {
        refused(fmt::format("{}", source.key), at, last ? "r" : "x");
        break;
      }
    }
  }
  return out;
}

std::vector<std::string> check_ports(const config::Config& config, const RunAs& run_as, unsigned port_start) {
  std::vector<std::string> out;
  if (run_as.can_bind_low_ports) return out;
  const auto check = [&](bool runs, std::string_view section, std::uint16_t port) {
    if (!runs || port == 0 || port >= port_start) return;
    out.push_back(fmt::format("{}: [{}] port {}: a port below {} needs root or CAP_NET_BIND_SERVICE, and user {} "
                              "(uid {}) has neither: start netbootd as root (with [netbootd] user to drop "
                              "privileges), or grant the capability (systemd: AmbientCapabilities="
                              "CAP_NET_BIND_SERVICE as in packaging/netbootd.service; otherwise setcap "
                              "cap_net_bind_service=+ep on the binary)",
                              config.source.string(), section, port, port_start, run_as.name, run_as.uid));
  };
  check(config.services.dhcp, "bootp", config.dhcp.port);
  check(config.services.tftp, "tftp", config.tftp.port);
  check(config.services.http, "httpd", config.httpd.port);
  return out;
}

std::vector<std::string> preflight(const config::Config& config, const RunAs& run_as, unsigned port_start) {
  std::vector<std::string> out;
  for (auto&& list : {check_boot_files(config), check_architectures(config), check_lease_folder(config, run_as),
                      check_readable(config, run_as), check_ports(config, run_as, port_start)})
    out.insert(out.end(), list.begin(), list.end());
  return out;
}

}  // namespace netboot::app
