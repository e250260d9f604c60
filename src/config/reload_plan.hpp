#pragma once
// Reload (SIGHUP): which part of a new configuration file applies to the running daemon, and
// which changed keys need a restart. Pure: the files and configurations in, the plan out
// (app/reload reads the file and applies the plan).
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/ini_file.hpp"

namespace netboot::config {

/// What a reload applies: the sections [mac], [uuid], [static_dhcp], [bootfile], [filters],
/// [buggy_clients], [http] except its timeout, and [bootp] boot_file (the default boot file).
/// Every other key needs a restart. Section and key names compare case-insensitively.
[[nodiscard]] bool reloadable(std::string_view section, std::string_view key);

struct ReloadPlan {
  Config config;                            // the running one with the reloadable parts of the new file
  std::vector<std::string> changes;         // "[mac] changed (2 -> 3 entries)", by section name
  std::vector<std::string> needs_restart;   // one line per key: "[bootp] pool_start needs a restart: ..."
};

/// `startup` is the file the services were built from (restart-only keys are compared with it,
/// so a key that needs a restart is reported at every reload until it is restored or netbootd
/// restarts); `applied` is the file of the last reload (or `startup`): the changes are counted
/// against it. `running` is the configuration in force, `next` the new file's.
[[nodiscard]] ReloadPlan plan_reload(const IniFile& startup, const IniFile& applied, const Config& running,
                                     const IniFile& next_ini, const Config& next);

}  // namespace netboot::config
