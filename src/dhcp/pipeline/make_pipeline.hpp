#pragma once
#include <memory>
#include <optional>
#include <vector>

#include "config/config.hpp"
#include "dhcp/pipeline/add_pxe_options.hpp"
#include "dhcp/pipeline/allocate_address.hpp"
#include "dhcp/pipeline/check_remote_access.hpp"
#include "dhcp/pipeline/await_boot_file_size.hpp"
#include "dhcp/pipeline/pipeline.hpp"
#include "dhcp/pipeline/select_boot_profile.hpp"
#include "dhcp/subnet_map.hpp"
#include "lease/pool_set.hpp"

namespace netboot::dhcp {

/// What the access steps ([bootp] access = mac, uuid or http) read besides [bootp]. The
/// steps copy what they keep.
struct AccessDependencies {
  const config::AccessLists& lists;       // [mac], [uuid]
  const config::HttpAccessConfig& http;   // [http]
  acl::AccessChecker* checker = nullptr;  // access = http; without one every request is denied
  acl::AccessLog log = {};                // their "allowed"/"denied" lines
  acl::AccessLog debug_log = {};          // [uuid] matched only in pybootd's byte order: both forms
};

/// What select-boot-profile needs ([profile NAME], [hosts], [boot_api]); the step copies
/// the profiles and keeps references to the directory and the API client.
struct BootProfileDependencies {
  const config::BootProfiles& profiles;
  ScriptLocation location;
  boot::MachineDirectory& directory;
  boot::BootApi* api = nullptr;                   // [boot_api]; without one, API machines get no boot file
  SelectBootProfile::Log log = {};                // the API's answers
  SelectBootProfile::WallClock clock = [] { return std::chrono::system_clock::now(); };
};

struct PipelineDependencies {
  const lease::LeaseStore& leases;
  const lease::AddressAllocator& allocator;
  BootFileSizeLookup boot_file_size = {};       // option 13; empty: not sent
  std::optional<Ipv4Address> tftp_server = {};  // siaddr when TFTP is not on the DHCP address
  /// Inputs of the access steps; without them, empty lists and no checker (requests denied).
  std::optional<AccessDependencies> access = {};
  RemoteFileSize* remote_file_size = nullptr;   // option 13 from a remote root (await-boot-file-size)
  std::optional<BootProfileDependencies> boot = {};  // select-boot-profile, with profiles or a boot API
  /// Many subnets: every subnet's allocator (index = subnet id); without it only [bootp] has a pool.
  const lease::PoolSet* pools = nullptr;
  /// The subnets; without one, make_pipeline builds it from `config`, interfaces found by name.
  std::shared_ptr<const SubnetMap> subnets = {};
};

/// The steps in their fixed order:
///   select-subnet, identify-client, classify-request, track-boot-phase, [access steps], select-boot-file,
///   select-http-boot-url, [await-boot-file-size, with a remote_file_size], [select-boot-profile,
///   with boot profiles or a boot API], allocate-address, add-network-options, add-pxe-options,
///   force-broadcast, echo-relay-agent-info, record-events.
/// The access steps are those of config.access (make_access_steps); a step that parks an
/// exchange resumes it through Pipeline::on_resume. Classification runs before the access
/// checks so that requests meant for another server never reach a remote check.
[[nodiscard]] Pipeline make_pipeline(const config::DhcpConfig& config, PipelineDependencies deps);

/// What the proxyDHCP and boot-server pipelines need: no allocator, since they give no address.
struct BootPipelineDependencies {
  const lease::LeaseStore& leases;              // read by the access steps only (nothing is written)
  BootFileSizeLookup boot_file_size = {};
  std::optional<Ipv4Address> tftp_server = {};
  std::optional<AccessDependencies> access = {};
  RemoteFileSize* remote_file_size = nullptr;
  std::optional<BootProfileDependencies> boot = {};
};

/// [bootp] proxy = yes, port 67:
///   identify-client, classify-proxy-request, require-boot-client, [access steps],
///   select-boot-file, select-http-boot-url, [await-boot-file-size], add-proxy-fields, add-pxe-options,
///   force-broadcast, record-proxy-boot.
/// No track-boot-phase (every exchange is a PXE one), no allocate-address, no
/// add-network-options: it never writes a lease and never sends a NAK.
[[nodiscard]] Pipeline make_proxy_pipeline(const config::DhcpConfig& config, BootPipelineDependencies deps);

/// The PXE boot server on [bootp] pxe_port (4011), in both modes:
///   identify-client, classify-boot-server-request, require-boot-client, [access steps],
///   select-boot-file, select-http-boot-url, [await-boot-file-size], add-proxy-fields, add-pxe-options,
///   record-proxy-boot.
[[nodiscard]] Pipeline make_boot_server_pipeline(const config::DhcpConfig& config, BootPipelineDependencies deps);

}  // namespace netboot::dhcp
