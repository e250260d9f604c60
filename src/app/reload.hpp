#pragma once
// Reload (SIGHUP, `systemctl reload`): the configuration file is read again and its
// reloadable part applies to the next request; the rest needs a restart and keeps its value.
// config::plan_reload() decides (pure); Reloader reads the file, runs the start-up checks, applies
// the plan through Server::apply_policy() and coalesces a storm of signals.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio.hpp>
#include <spdlog/logger.h>

#include "app/privileges.hpp"
#include "app/server.hpp"
#include "config/ini_file.hpp"
#include "config/load_config.hpp"
#include "config/reload_plan.hpp"

namespace netboot::app {

/// What the first start knew, needed to read the file again as it did.
struct ReloadInputs {
  std::filesystem::path path;
  config::LoadOptions options;
  std::optional<Account> account;  // [netbootd] user at start (preflight's point of view)
  bool strict = false;             // --strict: a warning refuses the reload as it refuses a start
};

class Reloader {
 public:
  /// At most one reload per kMinInterval: the signals of a storm in between become one reload.
  static constexpr std::chrono::milliseconds kMinInterval{250};

  Reloader(asio::io_context& io, Server& server, ReloadInputs inputs, config::IniFile startup_ini,
           const config::Config& running, std::shared_ptr<spdlog::logger> log);

  /// SIGHUP: schedules a reload unless one is scheduled already (it will read the file then).
  void request();
  /// Shutdown: nothing more is scheduled; the loop can end.
  void stop();

 private:
  void reload();

  asio::io_context& io_;
  Server& server_;
  ReloadInputs inputs_;
  config::IniFile startup_ini_;
  config::IniFile applied_ini_;
  config::Config running_;
  std::shared_ptr<spdlog::logger> log_;
  asio::steady_timer timer_;
  std::chrono::steady_clock::time_point last_{};
  bool scheduled_ = false;
  bool stopped_ = false;
};

}  // namespace netboot::app
