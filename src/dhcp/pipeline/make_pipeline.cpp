#include "dhcp/pipeline/make_pipeline.hpp"

#include <net/if.h>

#include "dhcp/pipeline/add_network_options.hpp"
#include "dhcp/pipeline/add_proxy_fields.hpp"
#include "dhcp/pipeline/classify_boot_server_request.hpp"
#include "dhcp/pipeline/classify_proxy_request.hpp"
#include "dhcp/pipeline/classify_request.hpp"
#include "dhcp/pipeline/echo_relay_agent_info.hpp"
#include "dhcp/pipeline/force_broadcast.hpp"
#include "dhcp/pipeline/identify_client.hpp"
#include "dhcp/pipeline/record_events.hpp"
#include "dhcp/pipeline/record_proxy_boot.hpp"
#include "dhcp/pipeline/require_boot_client.hpp"
#include "dhcp/pipeline/select_boot_file.hpp"
#include "dhcp/pipeline/select_http_boot_url.hpp"
#include "dhcp/pipeline/select_subnet.hpp"
#include "dhcp/pipeline/track_boot_phase.hpp"

namespace netboot::dhcp {

namespace {

// The daemon's default: the kernel's index of an interface name (0 when there is none).
unsigned kernel_interface_index(const std::string& name) { return ::if_nametoindex(name.c_str()); }

/// What every composition runs between identifying the client and building its reply: access
/// control (which may park the exchange; `forward` resumes it) and the boot file with its size.
void add_access_and_boot_file_steps(std::vector<std::unique_ptr<Step>>& steps, const config::DhcpConfig& config,
                                    auto& deps, const auto& forward) {
  static const config::AccessLists kNoLists;
  static const config::HttpAccessConfig kNoHttp;
  auto access = std::move(deps.access).value_or(AccessDependencies{.lists = kNoLists, .http = kNoHttp});
  for (auto& step : make_access_steps(config, access.lists, access.http, deps.leases, access.checker, forward,
                                      std::move(access.log), std::move(access.debug_log)))
    steps.push_back(std::move(step));
  steps.push_back(std::make_unique<SelectBootFile>(config.boot_files));
  steps.push_back(std::make_unique<SelectHttpBootUrl>(config.boot_files, config.http_boot_server));
  if (deps.remote_file_size != nullptr) {
    steps.push_back(std::make_unique<AwaitBootFileSize>(*deps.remote_file_size, forward));
    if (!deps.boot_file_size)
      deps.boot_file_size = [sizes = deps.remote_file_size](std::string_view file) -> std::optional<std::uint64_t> {
        const auto answer = sizes->lookup(file, {});
        if (answer.state != RemoteFileSize::State::Known) return std::nullopt;
        return answer.bytes;
      };
  }
  if (deps.boot && deps.boot->profiles.active())
    steps.push_back(std::make_unique<SelectBootProfile>(deps.boot->profiles, deps.boot->location, deps.boot->directory,
                                                        deps.boot->api, forward, deps.boot->clock, deps.boot->log));
}

}  // namespace

Pipeline make_pipeline(const config::DhcpConfig& config, PipelineDependencies deps) {
  std::vector<std::unique_ptr<Step>> steps;
  auto subnets = deps.subnets ? deps.subnets : std::make_shared<const SubnetMap>(config, kernel_interface_index);
  steps.push_back(std::make_unique<SelectSubnet>(std::move(subnets)));
  steps.push_back(std::make_unique<IdentifyClient>());
  steps.push_back(std::make_unique<ClassifyRequest>(config.server_address));
  steps.push_back(std::make_unique<TrackBootPhase>(config.allow_simple_dhcp, deps.leases));
  auto resume = std::make_shared<ResumeParked>();
  auto forward = [resume](const MacAddress& mac, std::uint32_t xid) {
    if (*resume) (*resume)(mac, xid);
  };
  add_access_and_boot_file_steps(steps, config, deps, forward);
  AllocationSettings allocation;
  allocation.lease_time = std::chrono::seconds(config.lease_time);
  allocation.subnet = Ipv4Subnet{config.server_address, config.netmask};
  if (deps.pools != nullptr)
    steps.push_back(std::make_unique<AllocateAddress>(deps.leases, *deps.pools, allocation));
  else
    steps.push_back(std::make_unique<AllocateAddress>(deps.leases, deps.allocator, allocation));
  steps.push_back(std::make_unique<AddNetworkOptions>(config, deps.tftp_server));
  steps.push_back(std::make_unique<AddPxeOptions>(std::move(deps.boot_file_size)));
  steps.push_back(std::make_unique<ForceBroadcast>(config.buggy_clients));
  steps.push_back(std::make_unique<EchoRelayAgentInfo>());
  steps.push_back(std::make_unique<RecordEvents>());
  return Pipeline(std::move(steps), std::move(resume));
}

namespace {

// The proxyDHCP and boot-server compositions differ only in how they classify, and in
// force-broadcast (a 4011 answer goes back to its sender, never broadcast).
Pipeline make_boot_pipeline(const config::DhcpConfig& config, BootPipelineDependencies deps,
                            std::unique_ptr<Step> classify, bool with_force_broadcast) {
  std::vector<std::unique_ptr<Step>> steps;
  steps.push_back(std::make_unique<IdentifyClient>());
  steps.push_back(std::move(classify));
  steps.push_back(std::make_unique<RequireBootClient>());
  auto resume = std::make_shared<ResumeParked>();
  auto forward = [resume](const MacAddress& mac, std::uint32_t xid) {
    if (*resume) (*resume)(mac, xid);
  };
  add_access_and_boot_file_steps(steps, config, deps, forward);
  steps.push_back(std::make_unique<AddProxyFields>(config, deps.tftp_server));
  steps.push_back(std::make_unique<AddPxeOptions>(std::move(deps.boot_file_size)));
  if (with_force_broadcast) steps.push_back(std::make_unique<ForceBroadcast>(config.buggy_clients));
  steps.push_back(std::make_unique<RecordProxyBoot>());
  return Pipeline(std::move(steps), std::move(resume));
}

}  // namespace

Pipeline make_proxy_pipeline(const config::DhcpConfig& config, BootPipelineDependencies deps) {
  auto classify = std::make_unique<ClassifyProxyRequest>(config.server_address);
  return make_boot_pipeline(config, std::move(deps), std::move(classify), true);
}

Pipeline make_boot_server_pipeline(const config::DhcpConfig& config, BootPipelineDependencies deps) {
  auto classify = std::make_unique<ClassifyBootServerRequest>(config.server_address, config.client_port);
  return make_boot_pipeline(config, std::move(deps), std::move(classify), false);
}

}  // namespace netboot::dhcp
