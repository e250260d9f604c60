#pragma once
// Reads the next window while the client acknowledges this one, as tftpd-hpa does for its
// next block: the file read then overlaps the round trip instead of adding to it (about a
// tenth of a 64 KiB block's round trip on loopback), and a window of small blocks costs one
// pread instead of one per block. At most max(64 KiB, one block) of memory per transfer.
#include <memory>

#include "core/byte_reader.hpp"
#include "tftp/byte_source.hpp"

namespace netboot::tftp {

class ReadAheadSource final : public ByteSource {
 public:
  explicit ReadAheadSource(std::shared_ptr<ByteSource> inner) : inner_(std::move(inner)) {}

  [[nodiscard]] std::optional<std::uint64_t> size() const override { return inner_->size(); }
  /// Served from the range read ahead when it lies inside it, else from the inner source
  /// (and the range is dropped: the transfer went elsewhere).
  Result<std::size_t> read_at(std::uint64_t offset, std::span<std::uint8_t> out) override;
  void set_ready_callback(std::function<void()> on_ready) override { inner_->set_ready_callback(std::move(on_ready)); }

  /// Reads `size` bytes at `offset` now, for read_at() calls inside that range later. A
  /// failed or Busy read is forgotten: read_at() then asks the inner source and reports its error.
  void read_ahead(std::uint64_t offset, std::size_t size);
  /// Reads served from the range read ahead (for tests and statistics).
  [[nodiscard]] std::uint64_t hits() const noexcept { return hits_; }

 private:
  std::shared_ptr<ByteSource> inner_;
  Bytes block_;
  std::uint64_t offset_ = 0;
  std::size_t wanted_ = 0;  // size asked for; block_.size() is what was read (less at the end)
  bool held_ = false;
  std::uint64_t hits_ = 0;
};

}  // namespace netboot::tftp
