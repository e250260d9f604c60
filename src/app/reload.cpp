#include "app/reload.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app/preflight.hpp"
#include "net/interfaces.hpp"

namespace netboot::app {

Reloader::Reloader(asio::io_context& io, Server& server, ReloadInputs inputs, config::IniFile startup_ini,
                   const config::Config& running, std::shared_ptr<spdlog::logger> log)
    : io_(io),
      server_(server),
      inputs_(std::move(inputs)),
      startup_ini_(std::move(startup_ini)),
      applied_ini_(startup_ini_),
      running_(running),
      log_(std::move(log)),
      timer_(io) {}

void Reloader::request() {
  if (stopped_ || scheduled_) return;  // the scheduled reload reads the file as it is then
  scheduled_ = true;
  timer_.expires_at(std::max(std::chrono::steady_clock::now(), last_ + kMinInterval));
  timer_.async_wait([this](const std::error_code& ec) {
    scheduled_ = false;
    if (ec || stopped_) return;
    reload();
    last_ = std::chrono::steady_clock::now();
  });
}

void Reloader::stop() {
  stopped_ = true;
  timer_.cancel();
}

void Reloader::reload() {
  const std::string path = inputs_.path.string();
  log_->info("SIGHUP: reloading {}", path);
  auto refuse = [&](const std::string& detail) {
    // load_config's error may follow the warnings found before it, one per line.
    std::string_view rest = detail;
    std::vector<std::string_view> lines;
    while (!rest.empty()) {
      const auto end = rest.find('\n');
      lines.push_back(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    }
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) log_->warn("reload: {}", lines[i]);
    log_->error("reload refused, the running configuration stays: {}", lines.empty() ? detail : lines.back());
  };
  auto ini = config::read_ini_file(inputs_.path);
  if (!ini) return refuse(ini.error().detail);
  // No section at all is a file caught being written or truncated, not a wish: with only
  // TFTP/HTTP running (-t, -H) it would load (no pool_start needed) and clear [filters] and
  // the lists. The start needs a complete file too; emptying a section stays possible.
  if (ini->sections.empty())
    return refuse(fmt::format("{}: the file is empty (no section); to clear a section, keep its [name] line", path));
  const auto interfaces = net::list_interfaces();
  auto loaded = config::load_config(*ini, inputs_.options, interfaces);
  if (!loaded) return refuse(loaded.error().detail);
  if (inputs_.strict && !loaded->warnings.empty()) {
    for (const auto& warning : loaded->warnings) log_->error("reload: {}", warning);
    return refuse(fmt::format("{}: {} warning{} refused by --strict", path, loaded->warnings.size(),
                              loaded->warnings.size() == 1 ? "" : "s"));
  }
  for (const auto& warning : loaded->warnings) log_->warn("reload: {}", warning);
  auto plan = config::plan_reload(startup_ini_, applied_ini_, running_, *ini, loaded->config);
  // --check-config's checks of what a reload changes: the boot files (through [filters]),
  // the architectures without one, and their readability for the account. The lease folder
  // and the ports need a restart to change and were checked by opening and binding them.
  const RunAs run_as = current_run_as(inputs_.account);
  std::vector<std::string> checks = check_boot_files(plan.config);
  for (auto& line : check_architectures(plan.config)) checks.push_back(std::move(line));
  for (auto& line : check_readable(plan.config, run_as)) checks.push_back(std::move(line));
  for (const auto& warning : checks) log_->warn("reload: {}", warning);
  for (const auto& line : plan.needs_restart) log_->warn("{}", line);

  server_.apply_policy(plan.config);
  running_ = std::move(plan.config);
  applied_ini_ = std::move(*ini);
  std::string summary = plan.changes.empty() ? std::string("no change") : fmt::format("{}", fmt::join(plan.changes, ", "));
  if (!plan.needs_restart.empty())
    summary += fmt::format("; {} key{} need{} a restart (old value kept)", plan.needs_restart.size(),
                           plan.needs_restart.size() == 1 ? "" : "s", plan.needs_restart.size() == 1 ? "s" : "");
  log_->info("configuration reloaded from {}: {}", path, summary);
}

}  // namespace netboot::app
