#pragma once
// chaddr as the wire has it: a hardware type, a length and 16 bytes. Ethernet (htype 1,
// hlen 6) is what PXE uses, but InfiniBand (htype 32, hlen 0) and others exist, so the
// packet keeps the raw form and offers a MacAddress only when it is one.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "core/mac_address.hpp"
#include "dhcp/dhcp_constants.hpp"

namespace netboot::dhcp {

inline constexpr std::uint8_t kHtypeEthernet = 1;  // RFC 1700 ARP hardware type
inline constexpr std::uint8_t kEthernetHlen = 6;

struct HardwareAddress {
  std::uint8_t htype = kHtypeEthernet;
  std::uint8_t hlen = kEthernetHlen;          // <= 16 (checked by the parser)
  std::array<std::uint8_t, kChaddrSize> bytes{};

  static HardwareAddress ethernet(const MacAddress& mac) {
    HardwareAddress hw;
    for (std::size_t i = 0; i < 6; ++i) hw.bytes[i] = mac.octets()[i];
    return hw;
  }
  /// The MAC address when this is Ethernet (htype 1, hlen 6).
  [[nodiscard]] std::optional<MacAddress> mac() const {
    if (htype != kHtypeEthernet || hlen != kEthernetHlen) return std::nullopt;
    return MacAddress({bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]});
  }
  /// "52:54:00:12:34:56" (hlen bytes, upper-case hex, ':'-separated).
  [[nodiscard]] std::string to_string() const {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    const std::size_t n = hlen <= kChaddrSize ? hlen : kChaddrSize;
    for (std::size_t i = 0; i < n; ++i) {
      if (i != 0) out += ':';
      out += kHex[bytes[i] >> 4];
      out += kHex[bytes[i] & 0x0F];
    }
    return out;
  }
  friend bool operator==(const HardwareAddress&, const HardwareAddress&) = default;
};

}  // namespace netboot::dhcp
