#pragma once
#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace netboot {

/// An IPv4 address; host byte order inside, never a bare uint32_t in signatures.
class Ipv4Address {
 public:
  constexpr Ipv4Address() = default;
  static constexpr Ipv4Address from_host_order(std::uint32_t value) { return Ipv4Address(value); }
  static constexpr Ipv4Address from_octets(std::array<std::uint8_t, 4> o) {
    return Ipv4Address(std::uint32_t{o[0]} << 24 | std::uint32_t{o[1]} << 16 | std::uint32_t{o[2]} << 8 | o[3]);
  }
  static constexpr Ipv4Address any() { return {}; }
  static constexpr Ipv4Address broadcast() { return Ipv4Address(0xFFFFFFFFu); }
  static constexpr Ipv4Address loopback() { return Ipv4Address(0x7F000001u); }
  /// Dotted quad only ("192.168.1.10"); no shorthand forms, no leading zeros ambiguity.
  static std::optional<Ipv4Address> parse(std::string_view text) noexcept;

  [[nodiscard]] constexpr std::uint32_t to_host_order() const { return value_; }
  [[nodiscard]] constexpr std::array<std::uint8_t, 4> octets() const {
    return {static_cast<std::uint8_t>(value_ >> 24), static_cast<std::uint8_t>(value_ >> 16),
            static_cast<std::uint8_t>(value_ >> 8), static_cast<std::uint8_t>(value_)};
  }
  [[nodiscard]] constexpr bool is_unspecified() const { return value_ == 0; }
  [[nodiscard]] std::string to_string() const;
  /// The address `offset` places further on (pool arithmetic); wraps like the integer does.
  [[nodiscard]] constexpr Ipv4Address plus(std::uint32_t offset) const { return Ipv4Address(value_ + offset); }
  [[nodiscard]] constexpr bool same_subnet(Ipv4Address other, Ipv4Address mask) const {
    return (value_ & mask.value_) == (other.value_ & mask.value_);
  }
  /// Number of leading one bits when this is a contiguous netmask, else nullopt.
  [[nodiscard]] std::optional<int> prefix_length() const;

  friend constexpr auto operator<=>(const Ipv4Address&, const Ipv4Address&) = default;

 private:
  explicit constexpr Ipv4Address(std::uint32_t value) : value_(value) {}
  std::uint32_t value_ = 0;
};

/// "a.b.c.d:port", as pybootd's notify key writes it.
struct UdpEndpoint {
  Ipv4Address address;
  std::uint16_t port = 0;
  static std::optional<UdpEndpoint> parse(std::string_view text) noexcept;
  [[nodiscard]] std::string to_string() const;
  friend auto operator<=>(const UdpEndpoint&, const UdpEndpoint&) = default;
};

}  // namespace netboot

template <>
struct std::hash<netboot::Ipv4Address> {
  std::size_t operator()(netboot::Ipv4Address a) const noexcept { return std::hash<std::uint32_t>{}(a.to_host_order()); }
};
