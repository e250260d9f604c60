// netbootd: network boot server (BOOTP/DHCP/PXE, TFTP, HTTP), successor of pybootd.
#include <csignal>
#include <cstdio>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <string>
#include <vector>
#include <mutex>
#include <thread>

#include <CLI/CLI.hpp>
#include <asio.hpp>
#include <fmt/format.h>

#include "app/logging.hpp"
#include "app/preflight.hpp"
#include "app/privileges.hpp"
#include "app/reload.hpp"
#include "app/server.hpp"
#include "config/load_config.hpp"
#include "core/database_uri.hpp"
#include "lease/lease_listing.hpp"
#include "lease/pg_lease_store.hpp"
#include "lease/sqlite_lease_store.hpp"
#include "net/interfaces.hpp"

#ifndef NETBOOTD_VERSION
#define NETBOOTD_VERSION "dev"
#endif
// Where `cmake --install` puts the documentation and the sample (CMakeLists.txt).
#ifndef NETBOOTD_DOC_DIR
#define NETBOOTD_DOC_DIR "/usr/share/doc/netbootd"
#endif
#ifndef NETBOOTD_SAMPLE_CONFIG
#define NETBOOTD_SAMPLE_CONFIG "/etc/netbootd/netbootd.ini.example"
#endif

namespace {

constexpr int kExitConfigError = 2;  // bad usage or bad configuration, like dnsmasq --test
constexpr int kExitRuntimeError = 1;

struct CommandLine {
  std::string config = "/etc/netbootd/netbootd.ini";
  bool pxe_only = false;
  bool tftp_only = false;
  bool http = false;
  bool debug = false;
  bool check_config = false;
  bool strict = false;
  // `netbootd leases`
  bool leases_json = false;
};

// --strict: every warning is an error (CI, packaging). Prints them; true when start may go on.
bool report_warnings(const std::vector<std::string>& warnings, bool strict, const std::string& source) {
  for (const auto& warning : warnings) fmt::print(stderr, "netbootd: {}: {}\n", strict ? "error" : "warning", warning);
  if (!strict || warnings.empty()) return true;
  fmt::print(stderr, "netbootd: {}: {} warning{} refused by --strict\n", source, warnings.size(),
             warnings.size() == 1 ? "" : "s");
  return false;
}

// `netbootd leases`: the lease file named by the configuration, read without writing to it
// (the daemon may be running: lease::read_lease_file).
int list_leases(const CommandLine& cli) {
  using namespace netboot;
  auto loaded = config::load_config(cli.config, config::LoadOptions{}, net::list_interfaces());
  if (!loaded) {
    fmt::print(stderr, "netbootd: {}\n", loaded.error().detail);
    return kExitConfigError;
  }
  const auto& lease_file = loaded->config.dhcp.lease_file;
  const auto now = std::chrono::system_clock::now();
  if (is_database_uri(lease_file.string())) {
    // The shared PostgreSQL store: what the servers committed (offers live in their memory).
    const auto rows = lease::read_pg_leases(lease_file.string());
    if (!rows) {
      fmt::print(stderr, "netbootd: {}\n", rows.error().detail);
      return kExitRuntimeError;
    }
    fmt::print("{}", cli.leases_json ? lease::format_lease_json(*rows, now) : lease::format_lease_table(*rows, now));
    return 0;
  }
  const auto leases = lease::read_lease_file(lease_file);
  if (!leases) {
    fmt::print(stderr, "netbootd: {}\n", leases.error().detail);
    return kExitRuntimeError;
  }
  fmt::print("{}", cli.leases_json ? lease::format_lease_json(leases->leases, now)
                                   : lease::format_lease_table(leases->leases, now));
  // The rows it could not read are named after the others are listed; the exit code says the
  // file is damaged (the daemon refuses it at start).
  for (const auto& line : leases->unreadable) fmt::print(stderr, "netbootd: {}; not listed\n", line);
  if (leases->unreadable_not_reported > 0)
    fmt::print(stderr, "netbootd: and {} more unreadable rows\n", leases->unreadable_not_reported);
  if (!leases->unreadable.empty()) return kExitRuntimeError;
  return 0;
}

int run(const CommandLine& cli) {
  using namespace netboot;
  config::LoadOptions options;
  options.debug = cli.debug;
  if (cli.pxe_only || cli.tftp_only) {
    // pybootd: -p runs only BOOTP/DHCP/PXE, -t only TFTP; both given means both.
    options.services.dhcp = cli.pxe_only;
    options.services.tftp = cli.tftp_only;
    options.services_from_cli = true;
  }
  options.services.http = cli.http;

  const auto interfaces = net::list_interfaces();
  auto ini = config::read_ini_file(cli.config);
  auto loaded = ini ? config::load_config(*ini, options, interfaces)
                    : netboot::Result<config::LoadedConfig>(fail(ini.error().code, ini.error().detail));
  if (!loaded) {
    fmt::print(stderr, "netbootd: {}\n", loaded.error().detail);
    return kExitConfigError;
  }
  const config::Config& config = loaded->config;
  // Resolved before anything is bound: an unknown account is a configuration error.
  const auto account = app::resolve_account(config.process);
  if (!account) {
    fmt::print(stderr, "netbootd: {}: {}\n", config.source.string(), account.error().detail);
    return kExitConfigError;
  }
  if (cli.check_config) {
    auto warnings = loaded->warnings;
    const auto checked = app::preflight(config, app::current_run_as(*account), app::unprivileged_port_start());
    warnings.insert(warnings.end(), checked.begin(), checked.end());
    fmt::print("{}", config::format_config(config));
    if (const auto note = app::lease_folder_note(config, app::current_run_as(*account)))
      fmt::print(stderr, "netbootd: note: {}\n", *note);
    if (!report_warnings(warnings, cli.strict, config.source.string())) return kExitConfigError;
    fmt::print(stderr, "netbootd: {}: configuration OK\n", config.source.string());
    return 0;
  }
  if (cli.strict && !report_warnings(loaded->warnings, true, config.source.string())) return kExitConfigError;

  if (*account) {
    if (auto forbidden = app::forbid_new_privileges(); !forbidden) {
      fmt::print(stderr, "netbootd: {}\n", forbidden.error().detail);
      return kExitRuntimeError;
    }
  }

  auto logging = app::Logging::create(config.logger);
  if (!logging) {
    fmt::print(stderr, "netbootd: {}\n", logging.error().detail);
    return kExitConfigError;
  }
  const auto log = logging->get("main");
  for (const auto& warning : loaded->warnings) log->warn("{}", warning);

  // One thread runs the loop and alone touches sockets and timers; the helper threads (lease
  // writer, remote fetches and checks) only post completions to it. So the per-socket locks
  // can go (a lock and unlock per datagram), the scheduler's stay for those posts.
  asio::io_context io(ASIO_CONCURRENCY_HINT_UNSAFE_IO);
  // SIGHUP reloads (app/reload). Registered before start so that an early one is kept for
  // later rather than ending the process (its default action).
  asio::signal_set hangups(io, SIGHUP);
  app::Server server(io, config, *logging);
  if (auto started = server.start(); !started) {
    log->critical("cannot start: {}", started.error().detail);
    if (config.logger.type != config::LogSink::Stderr) fmt::print(stderr, "netbootd: cannot start: {}\n", started.error().detail);
    return kExitRuntimeError;
  }
  // Every socket is bound and the lease store open: root is no longer needed. The lease
  // database (and its directory when dedicated) goes to the account first, so that SQLite can
  // still write, and the next start as root finds files it can hand over again.
  if (*account) {
    const auto& target = **account;
    auto handed = app::hand_over(target, config.services.dhcp && !config.dhcp.proxy ? app::lease_paths_to_hand_over(config.dhcp.lease_file)
                                                              : std::vector<std::filesystem::path>{});
    if (handed) handed = app::drop_privileges(target);
    if (!handed) {
      log->critical("cannot drop privileges: {}", handed.error().detail);
      server.stop();
      return kExitRuntimeError;
    }
    log->info("running as user {} (uid {}), group {} (gid {}), no supplementary groups", target.user, target.uid,
              target.group, target.gid);
  }

  // SIGINT/SIGTERM: close listeners, abort transfers, close the lease store. The loop then
  // ends by itself when nothing is pending; a watchdog stops it after 0.9 s whatever a peer does.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  std::mutex mutex;
  std::condition_variable loop_done;
  bool finished = false;
  std::thread watchdog;
  app::Reloader reloader(io, server,
                         app::ReloadInputs{.path = cli.config, .options = options, .account = *account, .strict = cli.strict},
                         std::move(*ini), config, logging->get("main"));
  std::function<void(const std::error_code&, int)> on_hangup = [&](const std::error_code& ec, int) {
    if (ec) return;
    reloader.request();  // coalesced: a storm of signals is one reload per Reloader::kMinInterval
    hangups.async_wait(on_hangup);
  };
  hangups.async_wait(on_hangup);
  signals.async_wait([&](const std::error_code& ec, int signal_number) {
    if (ec) return;
    log->info("signal {}: shutting down", signal_number);
    hangups.cancel();
    reloader.stop();
    server.stop();
    watchdog = std::thread([&] {
      std::unique_lock lock(mutex);
      if (!loop_done.wait_for(lock, std::chrono::milliseconds(900), [&] { return finished; })) io.stop();
    });
  });
  std::signal(SIGPIPE, SIG_IGN);
  log->info("netbootd {} ready: {}", NETBOOTD_VERSION, server.describe());
  io.run();
  {
    std::lock_guard lock(mutex);
    finished = true;
  }
  loop_done.notify_all();
  if (watchdog.joinable()) watchdog.join();
  log->info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // SIGHUP's default action ends the process: until the reload handler is registered (after the
  // configuration is read and logging set up), one sent by `systemctl reload` or a script
  // would kill a daemon that is starting. Ignored until then; the file read is the latest.
  std::signal(SIGHUP, SIG_IGN);
  CommandLine cli;
  CLI::App app{"netbootd: network boot server (BOOTP/DHCP/PXE, TFTP, HTTP), successor of pybootd"};
  app.option_defaults()->always_capture_default();
  app.add_option("-c,--config", cli.config, "configuration file (pybootd-compatible INI)");
  app.add_flag("-p,--pxe", cli.pxe_only, "enable the BOOTP/DHCP/PXE service only");
  app.add_flag("-t,--tftp", cli.tftp_only, "enable the TFTP service only");
  app.add_flag("-H,--http", cli.http, "also start the HTTP file service");
  app.add_flag("-d,--debug", cli.debug, "log at debug level, whatever [logger] level says");
  app.add_flag("--check-config", cli.check_config,
               "load and validate the configuration, check the boot files, lease folder and ports, print the "
               "effective configuration, exit 0 (valid) or 2");
  app.add_flag("--strict", cli.strict,
               "every warning is an error (with --check-config: for CI and packaging), exit 2");
  app.footer(fmt::format("Documentation: {}/README.md and {}/docs/configuration.md (every key and its default).\n"
                         "Sample configuration: {}",
                         NETBOOTD_DOC_DIR, NETBOOTD_DOC_DIR, NETBOOTD_SAMPLE_CONFIG));
  std::string leases_config;
  CLI::App* leases = app.add_subcommand(
      "leases", "list the leases of the lease file ([bootp] lease_file), also while netbootd runs; offers are in "
                "memory only and not listed");
  leases->add_option("-c,--config", leases_config, "configuration file naming the lease file")
      ->default_str(cli.config);
  leases->add_flag("--json", cli.leases_json, "JSON instead of a table");
  app.set_version_flag("--version", std::string("netbootd ") + NETBOOTD_VERSION + "\n");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "netbootd: {} (see --help)\n", e.what());
    return kExitConfigError;
  }
  if (leases->parsed()) {
    if (!leases_config.empty()) cli.config = leases_config;
    try {
      return list_leases(cli);
    } catch (const std::exception& e) {
      fmt::print(stderr, "netbootd: fatal: {}\n", e.what());
      return kExitRuntimeError;
    }
  }
  try {
    return run(cli);
  } catch (const std::exception& e) {
    fmt::print(stderr, "netbootd: fatal: {}\n", e.what());
    return kExitRuntimeError;
  }
}
