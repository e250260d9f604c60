#include "boot/machine_directory.hpp"

#include <algorithm>

namespace netboot::boot {

void MachineDirectory::remember(const MacAddress& mac, MachineRecord record) {
  if (capacity_ == 0) return;
  if (auto it = records_.find(mac); it != records_.end()) {
    it->second = std::move(record);
    return;
  }
  if (records_.size() >= capacity_) {
    const auto oldest = std::min_element(records_.begin(), records_.end(), [](const auto& a, const auto& b) {
      return a.second.written < b.second.written;
    });
    records_.erase(oldest);
  }
  records_.emplace(mac, std::move(record));
}

const MachineRecord* MachineDirectory::find(const MacAddress& mac) const {
  const auto it = records_.find(mac);
  return it == records_.end() ? nullptr : &it->second;
}

}  // namespace netboot::boot
