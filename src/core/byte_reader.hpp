#pragma once
// Bounded big-endian reads and writes over byte buffers: every read checks the end
// (dnsmasq's option_find1 discipline, without raw pointers or packed-struct casts).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace netboot {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

class ByteReader {
 public:
  explicit ByteReader(ByteView data) noexcept : data_(data) {}
  [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - pos_; }
  [[nodiscard]] std::size_t position() const noexcept { return pos_; }
  [[nodiscard]] bool at_end() const noexcept { return pos_ == data_.size(); }
  Result<std::uint8_t> u8() noexcept;
  Result<std::uint16_t> u16() noexcept;
  Result<std::uint32_t> u32() noexcept;
  Result<ByteView> bytes(std::size_t n) noexcept;
  /// Everything left.
  ByteView rest() noexcept;

 private:
  ByteView data_;
  std::size_t pos_ = 0;
};

class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) noexcept : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
  }
  void bytes(ByteView v) { out_.insert(out_.end(), v.begin(), v.end()); }
  void text(std::string_view v) { out_.insert(out_.end(), v.begin(), v.end()); }
  /// Writes `v` into a fixed-size field, truncated or zero-padded to `width`.
  void fixed(ByteView v, std::size_t width);
  void zeros(std::size_t n) { out_.insert(out_.end(), n, 0); }
  [[nodiscard]] std::size_t size() const noexcept { return out_.size(); }

 private:
  Bytes& out_;
};

inline ByteView as_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}
inline std::string_view as_text(ByteView bytes) noexcept {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace netboot
