#include "app/server.hpp"

#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "config/unusable_addresses.hpp"
#include "dhcp/pipeline/make_pipeline.hpp"
#include "lease/address_allocator.hpp"
#include "lease/pool_set.hpp"
#include "core/database_uri.hpp"
#include "lease/pg_lease_store.hpp"
#include "lease/memory_lease_store.hpp"
#include "lease/sqlite_lease_store.hpp"
#include "net/access_checker.hpp"
#include "net/boot_api_client.hpp"
#include "net/boot_scripts.hpp"
#include "net/event_notifier.hpp"
#include "net/dhcp_service.hpp"
#include "net/http_service.hpp"
#include "net/remote_file_size.hpp"
#include "net/status_service.hpp"
#include "net/tftp_service.hpp"
#include "tftp/file_names.hpp"

namespace netboot::app {
namespace {

// Option 13 (boot file size): the size of the boot file in a local TFTP root, opened as TFTP
// opens it (tftp::served_file_size: no symlink out of the root, nothing TFTP would refuse), so
// an authorization server's "file:" value cannot learn the size of a file outside the root.
dhcp::BootFileSizeLookup make_boot_file_size(const config::Config& config) {
  if (!config.services.tftp || config.tftp.remote_root()) return {};
  auto root = open_directory(config.tftp.root_dir.string());
  if (!root) return {};  // the TFTP service reports the missing root at start
  return [root = std::make_shared<UniqueFd>(std::move(*root))](std::string_view file) -> std::optional<std::uint64_t> {
    return tftp::served_file_size(root->get(), file);
  };
}

lease::PoolSettings pool_settings(const config::DhcpConfig& config) {
  lease::PoolSettings settings;
  settings.pool_start = config.pool_start;
  settings.pool_count = config.pool_count;
  settings.reservations = config.static_leases;
  settings.lease_time = std::chrono::seconds(config.lease_time);
  for (const auto& unusable : config::unusable_addresses(config)) settings.unusable.insert(unusable.address);
  return settings;
}

// A [subnet]'s pool: its ranges, reservations and lease time; never its network or broadcast
// address, our addresses on it, or its gateway.
lease::PoolSettings pool_settings(const config::SubnetConfig& subnet) {
  lease::PoolSettings settings;
  for (const auto& range : subnet.pools) settings.ranges.push_back({range.first, range.size()});
  settings.reservations = subnet.reservations;
  settings.lease_time = std::chrono::seconds(subnet.lease_time);
  if (subnet.network.has_network_and_broadcast()) {
    settings.unusable.insert(subnet.network.network());
    settings.unusable.insert(subnet.network.broadcast());
  }
  settings.unusable.insert(subnet.local_addresses.begin(), subnet.local_addresses.end());
  if (subnet.gateway) settings.unusable.insert(*subnet.gateway);
  return settings;
}

std::vector<lease::PoolSettings> all_pool_settings(const config::DhcpConfig& config) {
  std::vector<lease::PoolSettings> out;
  out.push_back(pool_settings(config));
  for (const auto& subnet : config.subnets) out.push_back(pool_settings(subnet));
  return out;
}

std::vector<std::map<MacAddress, Ipv4Address>> all_reservations(const config::DhcpConfig& config) {
  std::vector<std::map<MacAddress, Ipv4Address>> out{config.static_leases};
  for (const auto& subnet : config.subnets) out.push_back(subnet.reservations);
  return out;
}

// siaddr when TFTP listens on an address of its own.
std::optional<Ipv4Address> separate_tftp_server(const config::Config& config) {
  if (config.services.tftp && config.tftp.address && !config.tftp.address->is_unspecified())
    return *config.tftp.address;
  return std::nullopt;
}

}  // namespace

// Owns the lease store and the services, in construction order; destroyed in reverse.
struct Server::Parts {
  // One of the two stores, chosen by lease_file (a path or a postgresql:// URI).
  std::unique_ptr<lease::SqliteLeaseStore> sqlite_leases;
  std::unique_ptr<lease::PgLeaseStore> pg_leases;
  lease::LeaseStore* leases = nullptr;
  std::unique_ptr<lease::MemoryLeaseStore> no_leases;  // proxy mode: stays empty (access steps read it)
  // [status]: what the services count for it; before them, so it outlives every service
  // (a TFTP session that ends while its service is destroyed still counts).
  std::unique_ptr<status::Telemetry> telemetry;
  std::unique_ptr<lease::PoolSet> pools;                   // every subnet's allocator; outlive the DHCP service's pipeline
  std::unique_ptr<net::HttpAccessChecker> access_checker;  // that reads and asks them
  std::unique_ptr<net::HttpRemoteFileSize> remote_file_size;
  std::unique_ptr<net::EventNotifier> notifier;
  // Boot profiles (issue 20): what select-boot-profile learns, read by the script server.
  std::unique_ptr<boot::MachineDirectory> machines;
  std::unique_ptr<net::BootApiClient> boot_api;
  std::unique_ptr<net::BootScripts> scripts;
  std::unique_ptr<net::DhcpService> dhcp;
  std::unique_ptr<net::DhcpService> boot_server;           // [bootp] pxe_port
  std::unique_ptr<net::TftpService> tftp;
  std::unique_ptr<net::HttpService> http;
  std::unique_ptr<net::StatusService> status;
};

Server::Server(asio::io_context& io, const config::Config& config, const Logging& logging)
    : io_(io), config_(config), log_(logging.get("main")), parts_(std::make_unique<Parts>()), logging_(logging) {}

Server::~Server() {
  stop();
  if (parts_->sqlite_leases) parts_->sqlite_leases->close();
  if (parts_->pg_leases) parts_->pg_leases->close();
}

Result<void> Server::build() {
  // Always there, so that a reload may add the first [profile].
  parts_->machines = std::make_unique<boot::MachineDirectory>();
  if (config_.services.dhcp && config_.boot.api.enabled()) {
    net::BootApiClientOptions options;
    options.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(config_.boot.api.timeout * 1000.0));
    options.max_body = static_cast<std::size_t>(config_.boot.api.max_answer_bytes);
    auto client = net::BootApiClient::create(io_, options);
    if (!client) return fail(client.error().code, client.error().detail);
    parts_->boot_api = std::move(*client);
  }
  // A parked exchange waits for the slower of the authorization server and the boot API.
  auto park_timeout = dhcp::access_park_timeout(config_.http_access);
  if (config_.boot.api.enabled())
    park_timeout = std::max(park_timeout, std::chrono::milliseconds(static_cast<std::int64_t>(
                                                                       config_.boot.api.timeout * 1000.0)) +
                                              std::chrono::seconds(1));
  if (config_.services.dhcp) {
    const bool proxy = config_.dhcp.proxy;
    // Completions of durable lease commits come back to the event loop.
    auto post = [this](std::function<void()> done) { asio::post(io_, std::move(done)); };
    if (proxy) {
      // No address is given, so no lease file: the access steps read an empty store.
      parts_->no_leases = std::make_unique<lease::MemoryLeaseStore>(post);
      parts_->leases = parts_->no_leases.get();
      log_->info("proxyDHCP: no lease file (addresses come from another DHCP server)");
    } else if (is_database_uri(config_.dhcp.lease_file.string())) {
      lease::PgLeaseStore::Options options;
      options.uri = config_.dhcp.lease_file.string();
      options.post = post;
      // One line per change of state, never one per refused lease.
      options.on_state_change = [log = logging_.get("dhcp")](bool reachable, const std::string& reason) {
        if (reachable) {
          log->warn("lease database reachable again: new addresses are given again");
        } else {
          log->warn("lease database unreachable ({}): only renewals of known leases are answered until it is back",
                    reason);
        }
      };
      auto store = lease::PgLeaseStore::open(std::move(options));
      if (!store) return fail(store.error().code, store.error().detail);
      parts_->pg_leases = std::move(*store);
      parts_->leases = parts_->pg_leases.get();
      log_->info("lease database {}: {} leases", parts_->pg_leases->shown_uri(), parts_->pg_leases->size());
    } else {
      auto store = lease::SqliteLeaseStore::open(config_.dhcp.lease_file, post);
      if (!store) return fail(store.error().code, store.error().detail);
      parts_->sqlite_leases = std::move(*store);
      parts_->leases = parts_->sqlite_leases.get();
      log_->info("lease file {}: {} leases", config_.dhcp.lease_file.string(), parts_->sqlite_leases->size());
    }
    if (!proxy)
      parts_->pools = std::make_unique<lease::PoolSet>(all_pool_settings(config_.dhcp), *parts_->leases);
    if (config_.services.tftp && config_.tftp.remote_root()) {
      // Option 13 from the remote root's Content-Length, as pybootd did (asynchronously here).
      net::RemoteFileSizeOptions size_options;
      size_options.same_host_redirects = config_.tftp.remote_same_host_redirects;
      auto sizes = net::HttpRemoteFileSize::create(io_, config_.tftp.root_url, logging_.get("dhcp"), size_options);
      if (!sizes) return fail(sizes.error().code, sizes.error().detail);
      parts_->remote_file_size = std::move(*sizes);
    }
    if (config_.dhcp.access == config::AccessMode::Http) {
      net::AccessCheckerOptions options;
      options.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(config_.http_access.timeout * 1000.0));
      auto checker = net::HttpAccessChecker::create(io_, options, logging_.get("access"));
      if (!checker) return fail(checker.error().code, checker.error().detail);
      parts_->access_checker = std::move(*checker);
    }
    net::EventSink events;
    if (!config_.dhcp.notify.empty()) {
      auto notifier = net::EventNotifier::create(io_, config_.dhcp.notify, logging_.get("notify"));
      if (!notifier) return fail(notifier.error().code, notifier.error().detail);
      parts_->notifier = std::move(*notifier);
      events = [n = parts_->notifier.get()](const std::vector<dhcp::BootEvent>& published) { n->publish(published); };
    }
    auto pipeline = make_dhcp_pipeline(config_);
    auto dhcp_log = logging_.get("dhcp");
    auto* store = parts_->leases;
    parts_->dhcp = std::make_unique<net::DhcpService>(
        io_, config_.dhcp,
        net::DhcpServiceDependencies{.leases = *store,
                                     .pipeline = std::move(pipeline),
                                     .listener = std::make_unique<net::UdpListener>(io_, dhcp_log),
                                     .events = events,
                                     .park_timeout = park_timeout,
                                     .role = proxy ? net::DhcpRole::Proxy : net::DhcpRole::AddressServer},
        dhcp_log);
    services_.push_back(parts_->dhcp.get());
    if (config_.dhcp.pxe_port != 0) {
      parts_->boot_server = std::make_unique<net::DhcpService>(
          io_, config_.dhcp,
          net::DhcpServiceDependencies{.leases = *store,
                                       .pipeline = make_boot_server_pipeline(config_),
                                       .listener = std::make_unique<net::UdpListener>(io_, dhcp_log),
                                       .events = std::move(events),
                                       .park_timeout = park_timeout,
                                       .role = net::DhcpRole::BootServer},
          dhcp_log);
      services_.push_back(parts_->boot_server.get());
    }
  }
  if (config_.services.tftp) {
    parts_->tftp = std::make_unique<net::TftpService>(io_, config_.tftp, logging_.get("tftp"),
                                                  config_.dhcp.proxy ? nullptr : parts_->leases);
    services_.push_back(parts_->tftp.get());
  }
  if (config_.services.http) {
    parts_->http = std::make_unique<net::HttpService>(io_, config_.httpd, config_.dhcp.proxy ? nullptr : parts_->leases,
                                                      logging_.get("http"));
    services_.push_back(parts_->http.get());
  }
  if (parts_->tftp || parts_->http) {
    const lease::LeaseStore* leases = config_.services.dhcp && !config_.dhcp.proxy ? parts_->leases : nullptr;
    parts_->scripts = std::make_unique<net::BootScripts>(
        config_.boot, *parts_->machines, leases,
        config_.services.http ? std::optional(config_.httpd) : std::nullopt);
    if (parts_->tftp) parts_->tftp->serve_boot_scripts(parts_->scripts.get());
    if (parts_->http) parts_->http->serve_boot_scripts(parts_->scripts.get());
  }
  if (config_.status.enabled) build_status();
  return {};
}

// select-boot-profile's inputs, when there are profiles or a boot API.
std::optional<dhcp::BootProfileDependencies> Server::boot_dependencies(const config::Config& policy) {
  if (!parts_->machines || !policy.boot.active()) return std::nullopt;
  dhcp::ScriptLocation location;
  location.http = config_.services.http;
  location.http_address = config_.httpd.address.value_or(Ipv4Address::any());
  location.http_port = config_.httpd.port;
  return dhcp::BootProfileDependencies{
      .profiles = policy.boot,
      .location = location,
      .directory = *parts_->machines,
      .api = parts_->boot_api.get(),
      .log = [log = logging_.get("dhcp")](const std::string& line) { log->info("boot API: {}", line); },
  };
}

// The DHCP policy of `policy`: the reloadable parts (access lists, [http], boot files,
// buggy clients) are copied into the steps, so a pipeline is an immutable snapshot of them.
// The rest (addresses, access mode, lease time) never changes: a reload keeps it.
dhcp::Pipeline Server::make_dhcp_pipeline(const config::Config& policy) {
  if (policy.dhcp.proxy) return dhcp::make_proxy_pipeline(policy.dhcp, boot_pipeline_dependencies(policy));
  return dhcp::make_pipeline(policy.dhcp, {.leases = *parts_->leases,
                                           .allocator = parts_->pools->for_subnet(0),
                                           .boot_file_size = make_boot_file_size(policy),
                                           .tftp_server = separate_tftp_server(policy),
                                           .access = access_dependencies(policy),
                                           .remote_file_size = parts_->remote_file_size.get(),
                                           .boot = boot_dependencies(policy),
                                           .pools = parts_->pools.get()});
}

// The PXE boot server's policy ([bootp] pxe_port), in both modes, from the same parts.
dhcp::Pipeline Server::make_boot_server_pipeline(const config::Config& policy) {
  return dhcp::make_boot_server_pipeline(policy.dhcp, boot_pipeline_dependencies(policy));
}

dhcp::AccessDependencies Server::access_dependencies(const config::Config& policy) {
  return dhcp::AccessDependencies{
      .lists = policy.access_lists,
      .http = policy.http_access,
      .checker = parts_->access_checker.get(),
      .log = [log = logging_.get("access")](std::string_view line) { log->info("{}", line); },
      .debug_log = [log = logging_.get("access")](std::string_view line) { log->debug("{}", line); },
  };
}

dhcp::BootPipelineDependencies Server::boot_pipeline_dependencies(const config::Config& policy) {
  return dhcp::BootPipelineDependencies{.leases = *parts_->leases,
                                        .boot_file_size = make_boot_file_size(policy),
                                        .tftp_server = separate_tftp_server(policy),
                                        .access = access_dependencies(policy),
                                        .remote_file_size = parts_->remote_file_size.get(),
                                        .boot = boot_dependencies(policy)};
}

void Server::apply_policy(const config::Config& policy) {
  if (parts_->dhcp) {
    // Between two requests on the loop: the allocator and the pipeline change together.
    if (parts_->pools) parts_->pools->replace_reservations(all_reservations(policy.dhcp));
    parts_->dhcp->replace_pipeline(make_dhcp_pipeline(policy));
    if (parts_->boot_server) parts_->boot_server->replace_pipeline(make_boot_server_pipeline(policy));
  }
  if (parts_->tftp) parts_->tftp->replace_filters(policy.tftp.filters);
  if (parts_->scripts) parts_->scripts->replace_profiles(policy.boot);
}

// [status]: the services count into one Telemetry (on the loop, no locks); the status
// service reads it and them when asked. Off, nothing is counted beyond the stop lines.
void Server::build_status() {
  parts_->telemetry = std::make_unique<status::Telemetry>();
  auto* telemetry = parts_->telemetry.get();
  if (parts_->dhcp) parts_->dhcp->attach_telemetry(telemetry);
  if (parts_->boot_server) parts_->boot_server->attach_telemetry(telemetry);
  if (parts_->access_checker) parts_->access_checker->attach_telemetry(telemetry);
  if (parts_->tftp) parts_->tftp->attach_telemetry(telemetry);
  if (parts_->http) parts_->http->attach_telemetry(telemetry);
  parts_->status = std::make_unique<net::StatusService>(
      io_, config_.status,
      net::StatusSources{.telemetry = telemetry,
                         .leases = parts_->leases,
                         .dhcp_config = parts_->dhcp ? &config_.dhcp : nullptr,
                         .dhcp = parts_->dhcp.get(),
                         .tftp = parts_->tftp.get(),
                         .http = parts_->http.get()},
      logging_.get("status"));
  services_.push_back(parts_->status.get());
}

Result<void> Server::start() {
  if (auto built = build(); !built) return built;
  for (Service* service : services_) {
    if (auto started = service->start(); !started) {
      // No "stopped: 0 received" line after "cannot start": the services never served.
      for (auto it = services_.rbegin(); it != services_.rend(); ++it) (*it)->abandon();
      return started;
    }
  }
  return {};
}

void Server::stop() {
  for (auto it = services_.rbegin(); it != services_.rend(); ++it) (*it)->stop();
}

std::string Server::describe() const {
  std::string out;
  for (const Service* service : services_) out += (out.empty() ? "" : ", ") + service->describe();
  return out.empty() ? std::string("no service") : out;
}

}  // namespace netboot::app
