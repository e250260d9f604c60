#pragma once
#include <vector>

#include "core/mac_address.hpp"
#include "dhcp/pipeline/step.hpp"

namespace netboot::dhcp {

/// [buggy_clients]: clients whose MAC matches one of these prefixes get every reply on
/// 255.255.255.255 (ROMs that drop unicast before they have an address).
class ForceBroadcast final : public Step {
 public:
  explicit ForceBroadcast(std::vector<MacPrefix> buggy_clients) : buggy_clients_(std::move(buggy_clients)) {}
  [[nodiscard]] std::string_view name() const override { return "force-broadcast"; }
  Verdict apply(Exchange& ex) override;

 private:
  std::vector<MacPrefix> buggy_clients_;
};

}  // namespace netboot::dhcp
