#include "dhcp/pipeline/track_boot_phase.hpp"

namespace netboot::dhcp {

Verdict TrackBootPhase::apply(Exchange& ex) {
  if (ex.client.is_boot_firmware()) {
    ex.phase = lease::BootPhase::Pxe;
    return Verdict::Continue;
  }
  const auto stored = ex.client.mac ? leases_.find_by_mac(*ex.client.mac) : std::nullopt;
  if (stored && stored->phase != lease::BootPhase::Idle) {
    ex.phase = lease::BootPhase::Os;
    if (!ex.client.uuid) ex.client.uuid = stored->uuid;
    return Verdict::Continue;
  }
  ex.phase = lease::BootPhase::Idle;
  if (!allow_simple_dhcp_) return drop(ex, "not a PXE client and allow_simple_dhcp is off");
  return Verdict::Continue;
}

}  // namespace netboot::dhcp
