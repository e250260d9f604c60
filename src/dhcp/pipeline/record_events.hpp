#pragma once
#include "dhcp/pipeline/step.hpp"

namespace netboot::dhcp {

/// pybootd's notifications as data (published by the service after the reply left):
/// LEASE for every ACK or BOOTREPLY that binds an address, plus BOOT when the client is in
/// its PXE phase and gets a boot file; RELEASE and DECLINE for those messages. OFFERs, NAKs
/// and INFORMs notify nobody.
class RecordEvents final : public Step {
 public:
  [[nodiscard]] std::string_view name() const override { return "record-events"; }
  Verdict apply(Exchange& ex) override;
};

}  // namespace netboot::dhcp
