#pragma once
// RFC 1350 netascii (RFC 764 NVT): LF -> CR LF, CR -> CR NUL, converted on the fly.
// Positional reads over the converted stream: the transfer reads block-aligned offsets,
// mostly in order; going back (retransmission, window restart) resumes from a checkpoint.
#include <deque>
#include <optional>
#include <memory>

#include "tftp/byte_source.hpp"

namespace netboot::tftp {

class NetasciiSource final : public ByteSource {
 public:
  /// Reads `inner` up to its size at open, when known: a file that grows is served as it
  /// was, and one that ends before that size is an error, never a short, complete transfer.
  explicit NetasciiSource(std::shared_ptr<ByteSource> inner) : inner_(std::move(inner)), end_(inner_->size()) {}
  /// Unknown: the converted size depends on the content.
  [[nodiscard]] std::optional<std::uint64_t> size() const override { return std::nullopt; }
  Result<std::size_t> read_at(std::uint64_t offset, std::span<std::uint8_t> out) override;
  void set_ready_callback(std::function<void()> on_ready) override { inner_->set_ready_callback(std::move(on_ready)); }

 private:
  struct Position {
    std::uint64_t converted = 0;  // offset in the converted stream
    std::uint64_t source = 0;     // offset in the original
    int pending = -1;             // second byte of a pair cut by the previous read, or -1
  };
  Result<std::size_t> convert(Position& pos, std::span<std::uint8_t> out, bool discard);
  /// The original ended at `source_offset`, before its size at open.
  [[nodiscard]] Unexpected shrunk(std::uint64_t source_offset) const;

  std::shared_ptr<ByteSource> inner_;
  std::optional<std::uint64_t> end_;  // the original's size at open
  Position current_;
  std::deque<Position> checkpoints_;  // recent read starts, for going back
  std::uint8_t chunk_[4096] = {};
};

}  // namespace netboot::tftp
