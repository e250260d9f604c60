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

std::optional<UuidPrefix> UuidPrefix::parse(std::string_view text) noexcept {
  text = trim(text);
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    const auto uuid = Uuid::parse(text);
    if (!uuid) return std::nullopt;
    return UuidPrefix{*uuid, 128};
  }
  const auto bits = parse_uint(text.substr(slash + 1), 0, 128);
  std::array<std::uint8_t, 16> bytes{};
  const int digits = read_hex_digits(trim(text.substr(0, slash)), bytes);
  if (!bits || digits <= 0 || static_cast<int>(*bits) > digits * 4) return std::nullopt;
  const int prefix = static_cast<int>(*bits);
  clear_after_prefix(bytes, prefix);
  return UuidPrefix{Uuid(bytes), prefix};
}

bool UuidPrefix::matches(const Uuid& candidate) const noexcept {
  return prefix_equal(uuid.bytes(), candidate.bytes(), bits);
}

std::string UuidPrefix::to_string() const {
  return bits == 128 ? uuid.to_string() : fmt::format("{}/{}", uuid.to_string(), bits);
}

}  // namespace netboot
