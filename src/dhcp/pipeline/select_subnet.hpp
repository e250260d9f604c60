#pragma once
#include <memory>

#include "dhcp/pipeline/step.hpp"
#include "dhcp/subnet_map.hpp"

namespace netboot::dhcp {

/// The first step of the address server's pipeline: which subnet a request belongs to
/// (select_subnet(): relay, link selection, ciaddr, arrival link), its server identifier
/// and its option 82. Every later step reads that subnet's settings through ex.subnet. A
/// request no subnet of ours serves, or with a malformed option 82, is dropped quietly (one
/// debug line: routine on a shared segment, and a forger's flood must not fill the log).
class SelectSubnet final : public Step {
 public:
  explicit SelectSubnet(std::shared_ptr<const SubnetMap> map) : map_(std::move(map)) {}
  [[nodiscard]] std::string_view name() const override { return "select-subnet"; }
  Verdict apply(Exchange& ex) override;
  [[nodiscard]] const SubnetMap& map() const { return *map_; }

 private:
  std::shared_ptr<const SubnetMap> map_;
};

}  // namespace netboot::dhcp
