#pragma once
// Range requests (RFC 9110 14.2): UEFI HTTP Boot and curl -C resume downloads with a single
// byte range. Multiple ranges would need multipart/byteranges; the RFC lets a server ignore
// Range instead, so those get the whole file (200).
#include <cstdint>
#include <optional>
#include <string_view>

namespace netboot::http {

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
  [[nodiscard]] std::uint64_t length() const { return last - first + 1; }
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

struct RangeDecision {
  enum class Kind { Whole, Partial, Unsatisfiable };
  Kind kind = Kind::Whole;
  ByteRange range;  // for Partial
  friend bool operator==(const RangeDecision&, const RangeDecision&) = default;
};

/// Decides what a Range field asks of a representation of `size` bytes: Whole (absent,
/// malformed, another unit, several ranges: ignored as RFC 9110 14.2 allows), Partial
/// (first-last, first-, -suffix; last clamped to the end) or Unsatisfiable (416).
[[nodiscard]] RangeDecision decide_range(const std::optional<std::string_view>& field, std::uint64_t size);

}  // namespace netboot::http
