#pragma once
#include "dhcp/pipeline/step.hpp"

namespace netboot::dhcp {

/// proxyDHCP and the boot server answer network boot clients only: option 60 starting with
/// "PXEClient" or "HTTPClient". Everyone else (on a proxied LAN, every laptop and phone) is
/// dropped at debug: their addresses come from the other server.
class RequireBootClient final : public Step {
 public:
  [[nodiscard]] std::string_view name() const override { return "require-boot-client"; }
  Verdict apply(Exchange& ex) override;
};

}  // namespace netboot::dhcp
