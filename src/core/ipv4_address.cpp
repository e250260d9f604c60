#include "core/ipv4_address.hpp"

#include <fmt/format.h>

#include "core/text.hpp"

namespace netboot {

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) noexcept {
  text = trim(text);
  std::array<std::uint8_t, 4> octets{};
  for (std::size_t i = 0; i < 4; ++i) {
    const auto dot = text.find('.');
    const auto part = text.substr(0, i < 3 ? dot : std::string_view::npos);
    if ((i < 3 && dot == std::string_view::npos) || part.empty() || part.size() > 3) return std::nullopt;
    const auto value = parse_uint(part, 0, 255);
    if (!value || part != trim(part)) return std::nullopt;
    octets[i] = static_cast<std::uint8_t>(*value);
    if (i < 3) text.remove_prefix(dot + 1);
  }
  return from_octets(octets);
}

std::string Ipv4Address::to_string() const {
  const auto o = octets();
  return fmt::format("{}.{}.{}.{}", o[0], o[1], o[2], o[3]);
}

std::optional<int> Ipv4Address::prefix_length() const {
  const std::uint32_t inverted = ~value_;
  if ((inverted & (inverted + 1)) != 0) return std::nullopt;  // ones not contiguous from the top
  int bits = 0;
  for (std::uint32_t v = value_; v & 0x80000000u; v <<= 1) ++bits;
  return bits;
}

std::optional<UdpEndpoint> UdpEndpoint::parse(std::string_view text) noexcept {
  text = trim(text);
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto address = Ipv4Address::parse(text.substr(0, colon));
  const auto port = parse_uint(text.substr(colon + 1), 1, 65535);
  if (!address || !port) return std::nullopt;
  return UdpEndpoint{*address, static_cast<std::uint16_t>(*port)};
}

std::string UdpEndpoint::to_string() const { return fmt::format("{}:{}", address.to_string(), port); }

}  // namespace netboot
