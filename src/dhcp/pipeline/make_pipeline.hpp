#pragma once
#include <memory>
#include <optional>
#include <vector>

#include "config/config.hpp"
#include "dhcp/pipeline/add_pxe_options.hpp"
#include "dhcp/pipeline/allocate_address.hpp"
#include "dhcp/pipeline/pipeline.hpp"

namespace netboot::dhcp {

struct PipelineDependencies {
  const lease::LeaseStore& leases;
  const lease::AddressAllocator& allocator;
  BootFileSizeLookup boot_file_size = {};            // option 13; empty: not sent
  std::optional<Ipv4Address> tftp_server = {};       // siaddr when TFTP is not on the DHCP address
  std::chrono::seconds offer_hold{120};
  std::chrono::seconds decline_probation{86400};
  /// Access control (MAC/UUID ACL, remote HTTP check): run after track-boot-phase, before
  /// select-boot-file, in the order given.
  std::vector<std::unique_ptr<Step>> access_steps = {};
};

/// The steps in their fixed order:
///   identify-client, classify-request, track-boot-phase, [access steps], select-boot-file,
///   allocate-address, add-network-options, add-pxe-options, force-broadcast, record-events.
/// Classification runs before the access checks so that requests meant for another server
/// never reach a remote check.
[[nodiscard]] Pipeline make_pipeline(const config::DhcpConfig& config, PipelineDependencies deps);

}  // namespace netboot::dhcp
