#pragma once
#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace netboot {

/// An Ethernet MAC address (DHCP htype 1, hlen 6).
class MacAddress {
 public:
  constexpr MacAddress() = default;
  explicit constexpr MacAddress(std::array<std::uint8_t, 6> octets) : octets_(octets) {}
  /// "00-AA-55-12-34-56", "00:aa:55:12:34:56" or "00aa55123456", any case.
  static std::optional<MacAddress> parse(std::string_view text) noexcept;
  [[nodiscard]] constexpr const std::array<std::uint8_t, 6>& octets() const { return octets_; }
  /// Upper-case hex; pybootd prints ':' in logs and '-' in HTTP queries.
  [[nodiscard]] std::string to_string(char separator = ':') const;
  friend constexpr auto operator<=>(const MacAddress&, const MacAddress&) = default;

 private:
  std::array<std::uint8_t, 6> octets_{};
};

/// A MAC address with a prefix length: "AA-BB-CC/24" matches every MAC of that OUI.
/// A plain MAC is a /48 prefix.
struct MacPrefix {
  MacAddress address;  // bits past `bits` are zero
  int bits = 48;
  static std::optional<MacPrefix> parse(std::string_view text) noexcept;
  [[nodiscard]] bool matches(const MacAddress& mac) const noexcept;
  [[nodiscard]] bool is_exact() const noexcept { return bits == 48; }
  [[nodiscard]] std::string to_string() const;
  friend constexpr auto operator<=>(const MacPrefix&, const MacPrefix&) = default;
};

/// Parses up to `max_octets` hex octets separated by '-' or ':' (or none, two digits each).
/// Returns the number of octets read, or 0 on a syntax error.
std::size_t parse_hex_octets(std::string_view text, std::span<std::uint8_t> out) noexcept;

/// Zeroes every bit after the first `bits`, so that equal prefixes compare equal.
void clear_after_prefix(std::span<std::uint8_t> bytes, int bits) noexcept;

/// True when the first `bits` bits of a and b are equal.
bool prefix_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b, int bits) noexcept;

}  // namespace netboot

template <>
struct std::hash<netboot::MacAddress> {
  std::size_t operator()(const netboot::MacAddress& mac) const noexcept {
    std::uint64_t v = 0;
    for (auto o : mac.octets()) v = v << 8 | o;
    return std::hash<std::uint64_t>{}(v);
  }
};
