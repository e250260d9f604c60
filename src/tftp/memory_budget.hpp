#pragma once
// [tftp] max_transfer_memory: the window buffers and read-ahead that transfers hold between
// packets, counted against one cap. A transfer reserves when it first needs that memory (after
// the client's first ACK) and releases when it ends; a reservation past the cap is refused.
#include <cstddef>

namespace netboot::tftp {

class MemoryBudget {
 public:
  explicit MemoryBudget(std::size_t cap) noexcept : cap_(cap) {}

  /// Takes `bytes` from the budget; false (and nothing taken) when that would pass the cap.
  [[nodiscard]] bool try_reserve(std::size_t bytes) noexcept {
    if (bytes > cap_ - held_) return false;
    held_ += bytes;
    return true;
  }
  void release(std::size_t bytes) noexcept { held_ -= bytes < held_ ? bytes : held_; }

  [[nodiscard]] std::size_t held() const noexcept { return held_; }
  [[nodiscard]] std::size_t cap() const noexcept { return cap_; }

 private:
  std::size_t cap_;
  std::size_t held_ = 0;
};

}  // namespace netboot::tftp
