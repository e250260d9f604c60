#pragma once
// What --check-config checks beyond the file itself: that the boot files are
// there, that every common client architecture gets one, that the lease folder is writable
// by the account netbootd will run as, and that its ports below 1024 can be bound. Each
// finding is a warning with the fix; `--strict` makes them errors.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/privileges.hpp"
#include "config/config.hpp"

namespace netboot::app {

/// The account the services will run as, and what it may do.
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string name;                 // for messages
  bool can_bind_low_ports = false;  // root, or CAP_NET_BIND_SERVICE in the effective set
  bool starts_as_root = false;      // root at start, dropping to [netbootd] user afterwards
};

/// The running process, or the [netbootd] account it will drop to (from resolve_account()).
[[nodiscard]] RunAs current_run_as(const std::optional<Account>& account);
/// /proc/sys/net/ipv4/ip_unprivileged_port_start (1024 when unreadable).
[[nodiscard]] unsigned unprivileged_port_start();

/// [bootfile] and boot_file names the TFTP service would refuse, found as it finds them
/// ([filters], then open_beneath with its PathPolicy and single-link rule): missing, a
/// symlink out of the root, hard-linked, or a [filters] target that does not exist.
[[nodiscard]] std::vector<std::string> check_boot_files(const config::Config& config);
/// PXE client architectures that would get no boot file (and be ignored).
[[nodiscard]] std::vector<std::string> check_architectures(const config::Config& config);
/// The lease file's folder (or the first existing folder above it) writable by `run_as`.
[[nodiscard]] std::vector<std::string> check_lease_folder(const config::Config& config, const RunAs& run_as);
/// When started as root, a missing lease folder is created and handed to the account: the
/// note that says so for --check-config (not a warning).
[[nodiscard]] std::optional<std::string> lease_folder_note(const config::Config& config, const RunAs& run_as);
/// The TFTP and HTTP roots searchable, and the boot files beneath the TFTP root readable, by
/// `run_as` (from the mode bits): otherwise every request would be refused after the drop.
[[nodiscard]] std::vector<std::string> check_readable(const config::Config& config, const RunAs& run_as);
/// DHCP, TFTP and HTTP ports below `port_start` need root or CAP_NET_BIND_SERVICE.
[[nodiscard]] std::vector<std::string> check_ports(const config::Config& config, const RunAs& run_as,
                                                   unsigned port_start);

/// All of the above, in that order.
[[nodiscard]] std::vector<std::string> preflight(const config::Config& config, const RunAs& run_as,
                                                 unsigned port_start);

}  // namespace netboot::app
