#include "core/mac_address.hpp"

#include <fmt/format.h>

#include "core/text.hpp"

namespace netboot {
namespace {

// Splits "<body>/<bits>"; bits is nullopt when absent, -1 when malformed.
std::pair<std::string_view, std::optional<int>> split_prefix(std::string_view text, int max_bits) {
  text = trim(text);
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return {text, std::nullopt};
  const auto bits = parse_uint(text.substr(slash + 1), 0, static_cast<std::uint64_t>(max_bits));
  return {trim(text.substr(0, slash)), bits ? std::optional<int>(static_cast<int>(*bits)) : std::optional<int>(-1)};
}

}  // namespace

std::size_t parse_hex_octets(std::string_view text, std::span<std::uint8_t> out) noexcept {
  if (text.empty()) return 0;
  const bool dashes = text.find('-') != std::string_view::npos;
  const bool colons = text.find(':') != std::string_view::npos;
  if (dashes && colons) return 0;
  std::size_t count = 0;
  if (dashes || colons) {  // "a-bb-cc": one or two digits between separators
    for (auto piece : split(text, dashes ? '-' : ':')) {
      if (piece.empty() || piece.size() > 2 || count == out.size()) return 0;
      int value = 0;
      for (char c : piece) {
        const int digit = hex_digit_value(c);
        if (digit < 0) return 0;
        value = value << 4 | digit;
      }
      out[count++] = static_cast<std::uint8_t>(value);
    }
    return count;
  }
  if (text.size() % 2 != 0 || text.size() / 2 > out.size()) return 0;  // "aabbcc": two digits each
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = hex_digit_value(text[i]);
    const int lo = hex_digit_value(text[i + 1]);
    if (hi < 0 || lo < 0) return 0;
    out[count++] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return count;
}

void clear_after_prefix(std::span<std::uint8_t> bytes, int bits) noexcept {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const int left = bits - static_cast<int>(i) * 8;
    bytes[i] &= static_cast<std::uint8_t>(left >= 8 ? 0xFF : left <= 0 ? 0 : 0xFF << (8 - left));
  }
}

bool prefix_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b, int bits) noexcept {
  for (std::size_t i = 0; bits > 0 && i < a.size() && i < b.size(); ++i, bits -= 8) {
    const auto mask = static_cast<std::uint8_t>(bits >= 8 ? 0xFF : 0xFF << (8 - bits));
    if ((a[i] & mask) != (b[i] & mask)) return false;
  }
  return true;
}

std::optional<MacAddress> MacAddress::parse(std::string_view text) noexcept {
  std::array<std::uint8_t, 6> octets{};
  if (parse_hex_octets(trim(text), octets) != 6) return std::nullopt;
  return MacAddress(octets);
}

std::string MacAddress::to_string(char separator) const {
  const auto& o = octets_;
  return fmt::format("{:02X}{}{:02X}{}{:02X}{}{:02X}{}{:02X}{}{:02X}", o[0], separator, o[1], separator, o[2],
                     separator, o[3], separator, o[4], separator, o[5]);
}

std::optional<MacPrefix> MacPrefix::parse(std::string_view text) noexcept {
  const auto [body, bits] = split_prefix(text, 48);
  std::array<std::uint8_t, 6> octets{};
  const auto count = parse_hex_octets(body, octets);
  if (count == 0 || (bits && *bits < 0)) return std::nullopt;
  const int prefix = bits.value_or(48);
  if (!bits && count != 6) return std::nullopt;                    // a partial MAC needs its /bits
  if (static_cast<std::size_t>(prefix) > count * 8) return std::nullopt;  // more bits than given
  clear_after_prefix(octets, prefix);
  return MacPrefix{MacAddress(octets), prefix};
}

bool MacPrefix::matches(const MacAddress& mac) const noexcept {
  return prefix_equal(address.octets(), mac.octets(), bits);
}

std::string MacPrefix::to_string() const {
  return bits == 48 ? address.to_string('-') : fmt::format("{}/{}", address.to_string('-'), bits);
}

}  // namespace netboot
