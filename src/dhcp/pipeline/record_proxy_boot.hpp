#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/mac_address.hpp"
#include "dhcp/pipeline/step.hpp"

namespace netboot::dhcp {

/// pybootd's BOOT notification in proxy mode and on the boot server port, one per boot:
/// on the reply that hands the boot file over for good, i.e. the proxy OFFER for clients that
/// take it from there (BIOS ROMs, iPXE), the ACK on port 4011 (or a proxy ACK) for the
/// others (UEFI PXE). The address is what the request shows: 0.0.0.0 on a proxy OFFER (the
/// other server's offer is not ours to see), ciaddr on port 4011. A client retransmits with
/// the same xid; (MAC, xid) pairs already notified are kept in a ring of `capacity`, so a
/// flood of forged requests costs a bounded table, never memory.
class RecordProxyBoot final : public Step {
 public:
  explicit RecordProxyBoot(std::size_t capacity = 1024) : capacity_(capacity == 0 ? 1 : capacity) {}
  [[nodiscard]] std::string_view name() const override { return "record-proxy-boot"; }
  Verdict apply(Exchange& ex) override;
  [[nodiscard]] std::size_t remembered() const { return seen_.size(); }

 private:
  bool first_time(const MacAddress& mac, std::uint32_t xid);

  std::size_t capacity_;
  std::vector<std::pair<MacAddress, std::uint32_t>> seen_;  // ring: next_ is the oldest once full
  std::size_t next_ = 0;
};

}  // namespace netboot::dhcp
