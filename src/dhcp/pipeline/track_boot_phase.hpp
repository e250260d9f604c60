#pragma once
#include "dhcp/pipeline/step.hpp"
#include "lease/lease_store.hpp"

namespace netboot::dhcp {

/// pybootd's idle -> PXE -> OS phases. A PXE request is in the PXE phase. A plain request
/// from a MAC whose stored lease says it PXE-booted is the OS phase of that machine and is
/// served; its UUID is taken from the lease when the request has none (pybootd remembers
/// it). Any other plain request is served only with allow_simple_dhcp. The phase reaches
/// the lease through AllocateAddress, so the memory survives a restart.
class TrackBootPhase final : public Step {
 public:
  TrackBootPhase(bool allow_simple_dhcp, const lease::LeaseStore& leases)
      : allow_simple_dhcp_(allow_simple_dhcp), leases_(leases) {}
  [[nodiscard]] std::string_view name() const override { return "track-boot-phase"; }
  Verdict apply(Exchange& ex) override;

 private:
  bool allow_simple_dhcp_;
  const lease::LeaseStore& leases_;
};

}  // namespace netboot::dhcp
