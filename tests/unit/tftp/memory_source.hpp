#pragma once
// Test doubles for ByteSource: bytes in memory, optionally arriving late like a remote file.
#include <algorithm>
#include <cstring>
#include <optional>

#include "tftp/byte_source.hpp"
#include "tftp/packet_batch.hpp"
#include "tftp/tftp_packet.hpp"

namespace netboot::tftp::testing {

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(Bytes data) : data_(std::move(data)), size_(data_.size()), available_(data_.size()) {}
  [[nodiscard]] std::optional<std::uint64_t> size() const override { return size_; }
  Result<std::size_t> read_at(std::uint64_t offset, std::span<std::uint8_t> out) override {
    ++reads;
    if (fail_reads) return fail(Errc::Io, "disk on fire");
    const auto end = std::min<std::uint64_t>(offset + out.size(), data_.size());
    if (end > available_ && available_ < data_.size()) return fail(Errc::Busy, "not yet");
    if (offset >= data_.size()) return std::size_t{0};
    const auto n = static_cast<std::size_t>(end - offset);
    std::memcpy(out.data(), data_.data() + offset, n);
    return n;
  }
  /// Simulates a download in progress: bytes past `n` are Busy.
  void set_available(std::size_t n) { available_ = n; }
  /// The file is truncated behind the transfer's back: size() still says what it said at open.
  void shrink_to(std::size_t n) {
    data_.resize(n);
    available_ = std::min(available_, n);
  }
  /// The file grows behind the transfer's back: size() still says what it said at open.
  void append(const Bytes& more) {
    const bool all_there = available_ == data_.size();
    data_.insert(data_.end(), more.begin(), more.end());
    if (all_there) available_ = data_.size();
  }
  std::size_t reads = 0;
  bool fail_reads = false;

 private:
  Bytes data_;
  std::size_t size_;
  std::size_t available_;
};

inline Bytes pattern_bytes(std::size_t n) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>((i * 7 + i / 251) & 0xFF);
  return out;
}

/// The parsed packets of a batch.
inline std::vector<TftpPacket> packets_of(const PacketBatch& batch) {
  std::vector<TftpPacket> out;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto parsed = parse_tftp_packet(batch[i]);
    if (parsed) out.push_back(std::move(*parsed));
  }
  return out;
}

/// Block numbers of the DATA packets of a batch, in order.
inline std::vector<std::uint16_t> data_blocks(const PacketBatch& batch) {
  std::vector<std::uint16_t> out;
  for (const auto& packet : packets_of(batch)) {
    if (const auto* data = std::get_if<Data>(&packet)) out.push_back(data->block);
  }
  return out;
}

}  // namespace netboot::tftp::testing
