#pragma once
#include "dhcp/pipeline/step.hpp"

namespace netboot::dhcp {

/// Derives the client identity once (MAC, UUID, arch, PXE/iPXE). Leases are keyed by MAC,
/// so a chaddr that is not an Ethernet MAC is dropped here.
class IdentifyClient final : public Step {
 public:
  [[nodiscard]] std::string_view name() const override { return "identify-client"; }
  Verdict apply(Exchange& ex) override;
};

}  // namespace netboot::dhcp
