#include "core/uuid.hpp"

#include <fmt/format.h>

#include "core/mac_address.hpp"
#include "core/text.hpp"

namespace netboot {
namespace {

// Reads hex digits (dashes ignored) into `out`; returns the number of digits, -1 on error.
int read_hex_digits(std::string_view text, std::array<std::uint8_t, 16>& out) noexcept {
  int digits = 0;
  for (char c : text) {
    if (c == '-') continue;
    const int value = hex_digit_value(c);
    if (value < 0 || digits == 32) return -1;
    out[static_cast<std::size_t>(digits / 2)] |= static_cast<std::uint8_t>(digits % 2 == 0 ? value << 4 : value);
    ++digits;
  }
  return digits;
}

}  // namespace

std::optional<Uuid> Uuid::parse(std::string_view text) noexcept {
  text = trim(text);
  std::array<std::uint8_t, 16> bytes{};
  if (read_hex_digits(text, bytes) != 32) return std::nullopt;
  // With dashes, they must sit where the canonical form puts them.
  if (text.find('-') != std::string_view::npos) {
    if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-') return std::nullopt;
  }
  return Uuid(bytes);
}

Uuid Uuid::from_smbios_bytes(std::span<const std::uint8_t, 16> wire) noexcept {
  std::array<std::uint8_t, 16> b{};
  for (std::size_t i = 0; i < 16; ++i) b[i] = wire[i];
  std::swap(b[0], b[3]);
  std::swap(b[1], b[2]);
  std::swap(b[4], b[5]);
  std::swap(b[6], b[7]);
  return Uuid(b);
}

std::array<std::uint8_t, 16> Uuid::to_smbios_bytes() const noexcept {
  auto b = bytes_;
  std::swap(b[0], b[3]);
  std::swap(b[1], b[2]);
  std::swap(b[4], b[5]);
  std::swap(b[6], b[7]);
  return b;
}

std::string Uuid::to_string() const {
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out += fmt::format("{:02x}", bytes_[i]);
  }
  return out;
}

namespace {

// The number of leading one bits when `mask` is a prefix mask (ones then zeros), else -1.
int prefix_length_of(const std::array<std::uint8_t, 16>& mask) noexcept {
  int bits = 0;
  bool zeros = false;
  for (const auto byte : mask) {
    for (int bit = 7; bit >= 0; --bit) {
      const bool one = (byte >> bit) & 1;
      if (one && zeros) return -1;
      if (one) ++bits;
      else zeros = true;
    }
  }
  return bits;
}

int count_ones(const std::array<std::uint8_t, 16>& mask) noexcept {
  int ones = 0;
  for (const auto byte : mask)
    for (int bit = 0; bit < 8; ++bit) ones += (byte >> bit) & 1;
  return ones;
}

}  // namespace

std::optional<UuidPrefix> UuidPrefix::parse(std::string_view text) noexcept {
  text = trim(text);
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    const auto uuid = Uuid::parse(text);
    if (!uuid) return std::nullopt;
    return UuidPrefix{*uuid, 128, kFullMask};
  }
  const auto tail = trim(text.substr(slash + 1));
  if (const auto mask = Uuid::parse(tail)) {  // pybootd 1.8: uuid/uuidmask, both full UUIDs
    auto value = Uuid::parse(trim(text.substr(0, slash)));
    if (!value) return std::nullopt;
    auto bytes = value->bytes();
    for (std::size_t i = 0; i < 16; ++i) bytes[i] &= mask->bytes()[i];
    return UuidPrefix{Uuid(bytes), count_ones(mask->bytes()), mask->bytes()};
  }
  const auto bits = parse_uint(tail, 0, 128);
  std::array<std::uint8_t, 16> bytes{};
  const int digits = read_hex_digits(trim(text.substr(0, slash)), bytes);
  if (!bits || digits <= 0 || static_cast<int>(*bits) > digits * 4) return std::nullopt;
  const int prefix = static_cast<int>(*bits);
  clear_after_prefix(bytes, prefix);
  auto mask = kFullMask;
  clear_after_prefix(mask, prefix);
  return UuidPrefix{Uuid(bytes), prefix, mask};
}

bool UuidPrefix::matches(const Uuid& candidate) const noexcept {
  for (std::size_t i = 0; i < 16; ++i)
    if ((candidate.bytes()[i] & mask[i]) != uuid.bytes()[i]) return false;
  return true;
}

std::string UuidPrefix::to_string() const {
  if (bits == 128) return uuid.to_string();
  if (prefix_length_of(mask) == bits) return fmt::format("{}/{}", uuid.to_string(), bits);
  return fmt::format("{}/{}", uuid.to_string(), Uuid(mask).to_string());
}

}  // namespace netboot
