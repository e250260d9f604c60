#pragma once
// Datagrams produced by a transfer step, laid out in one reusable buffer: a window of DATA
// packets costs no allocation once the buffer has grown to the largest window seen, and the
// shell can hand the whole batch to sendmmsg.
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "core/byte_reader.hpp"

namespace netboot::tftp {

class PacketBatch {
 public:
  void clear() noexcept {
    slots_.clear();
    used_ = 0;
  }
  /// Room for one datagram of at most `max_size` bytes; finish it with commit().
  std::span<std::uint8_t> prepare(std::size_t max_size) {
    if (storage_.size() < used_ + max_size) storage_.resize(used_ + max_size);
    return {storage_.data() + used_, max_size};
  }
  void commit(std::size_t size) {
    slots_.emplace_back(used_, size);
    used_ += size;
  }
  [[nodiscard]] std::size_t size() const noexcept { return slots_.size(); }
  [[nodiscard]] bool empty() const noexcept { return slots_.empty(); }
  [[nodiscard]] ByteView operator[](std::size_t i) const noexcept {
    return {storage_.data() + slots_[i].first, slots_[i].second};
  }
  [[nodiscard]] ByteView back() const noexcept { return (*this)[size() - 1]; }
  /// Room for `bytes` in `datagrams` datagrams without growing past it (a buffer that grows
  /// by doubling would hold up to twice what it was counted for).
  void reserve(std::size_t bytes, std::size_t datagrams) {
    storage_.reserve(bytes);
    slots_.reserve(datagrams);
  }
  /// Exchanges contents and buffers: a window built ahead of time goes out without a copy.
  void swap(PacketBatch& other) noexcept {
    storage_.swap(other.storage_);
    slots_.swap(other.slots_);
    std::swap(used_, other.used_);
  }

 private:
  Bytes storage_;
  std::vector<std::pair<std::size_t, std::size_t>> slots_;
  std::size_t used_ = 0;
};

}  // namespace netboot::tftp
