#include "dhcp/relay_agent_info.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/text.hpp"

namespace netboot::dhcp {
namespace {

constexpr std::uint8_t kCircuitId = 1;          // RFC 3046 §3.1
constexpr std::uint8_t kRemoteId = 2;           // RFC 3046 §3.2
constexpr std::uint8_t kLinkSelection = 5;      // RFC 3527 §3
constexpr std::uint8_t kServerIdOverride = 11;  // RFC 5107 §4

}  // namespace

Result<RelayAgentInfo> parse_relay_agent_info(ByteView option) {
  RelayAgentInfo info;
  if (option.size() > kMaxRelayAgentInfo)
    return fail(Errc::BadLength, fmt::format("option 82 of {} bytes is longer than {}", option.size(), kMaxRelayAgentInfo));
  std::size_t at = 0;
  while (at < option.size()) {
    if (at + 2 > option.size()) return fail(Errc::BadLength, "option 82: sub-option header runs past the end");
    const std::uint8_t code = option[at];
    const std::size_t length = option[at + 1];
    if (at + 2 + length > option.size())
      return fail(Errc::BadLength, fmt::format("option 82: sub-option {} ({} bytes) runs past the end", code, length));
    const ByteView data = option.subspan(at + 2, length);
    const auto address = [&]() -> Result<Ipv4Address> {
      if (length != 4) return fail(Errc::BadLength, fmt::format("option 82: sub-option {} is {} bytes, not 4", code, length));
      return Ipv4Address::from_octets({data[0], data[1], data[2], data[3]});
    };
    switch (code) {
      case kCircuitId: info.circuit_id = Bytes(data.begin(), data.end()); break;
      case kRemoteId: info.remote_id = Bytes(data.begin(), data.end()); break;
      case kLinkSelection: {
        auto link = address();
        if (!link) return fail(link.error().code, link.error().detail);
        info.link_selection = *link;
        break;
      }
      case kServerIdOverride: {
        auto server = address();
        if (!server) return fail(server.error().code, server.error().detail);
        info.server_id_override = *server;
        break;
      }
      default: break;
    }
    at += 2 + length;
  }
  return info;
}

std::string agent_id_text(std::string_view id) { return printable_id(id); }

}  // namespace netboot::dhcp
