#pragma once
// What the DHCP side learnt about the machines that will fetch a generated script: their
// UUID (option 97; proxy mode keeps no lease) and the boot API's answer. Written by the
// select-boot-profile step, read when a script is asked for over HTTP or TFTP; one object,
// owned by the composition root, on the event loop (no locks). Bounded: the least recently
// written entry makes room.
#include <cstddef>
#include <map>
#include <optional>

#include "boot/boot_spec.hpp"
#include "core/clock.hpp"

namespace netboot::boot {

struct MachineRecord {
  std::optional<Uuid> uuid;          // option 97 of its last PXE or iPXE request
  std::optional<BootSpec> api_spec;  // the boot API's last "boot this" answer for it
  WallTime written{};
};

class MachineDirectory {
 public:
  explicit MachineDirectory(std::size_t capacity = 4096) : capacity_(capacity) {}
  /// Adds or replaces; when full, the least recently written other entry goes.
  void remember(const MacAddress& mac, MachineRecord record);
  [[nodiscard]] const MachineRecord* find(const MacAddress& mac) const;
  [[nodiscard]] std::size_t size() const { return records_.size(); }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }

 private:
  std::size_t capacity_;
  std::map<MacAddress, MachineRecord> records_;
};

}  // namespace netboot::boot
