// libFuzzer target: option 82 (RFC 3046 relay agent information, with RFC 3527 link selection
// and RFC 5107 server-id override), bytes a relay or any forger writes. Invariants: parsing
// never crashes; what it reports is in the input (an id is a sub-option's exact bytes); and the
// text a log line shows of an id is printable and bounded whatever the bytes; an option that
// parses is at most kMaxRelayAgentInfo bytes and comes back whole in a serialized reply (RFC 3396
// split), in the room reply_size_limit grants beyond the client's maximum.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dhcp/dhcp_packet.hpp"
#include "dhcp/relay_agent_info.hpp"
#include "fuzz_check.hpp"

namespace {

bool printable_and_short(const std::string& text) {
  return text.size() <= 64 + 3 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
}

bool inside(const netboot::Bytes& part, netboot::ByteView whole) {
  return std::search(whole.begin(), whole.end(), part.begin(), part.end()) != whole.end();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace netboot;
  const ByteView input(data, size);
  const std::string_view as_text(reinterpret_cast<const char*>(data), size);
  FUZZ_CHECK(printable_and_short(dhcp::agent_id_text(as_text)));
  const auto info = dhcp::parse_relay_agent_info(input);
  if (!info) return 0;
  if (info->circuit_id) {
    FUZZ_CHECK(info->circuit_id->size() <= 255 && inside(*info->circuit_id, input));
  }
  if (info->remote_id) {
    FUZZ_CHECK(info->remote_id->size() <= 255 && inside(*info->remote_id, input));
  }
  if (info->link_selection) {
    const auto o = info->link_selection->octets();
    FUZZ_CHECK(inside(Bytes(o.begin(), o.end()), input));
  }
  FUZZ_CHECK(input.size() <= dhcp::kMaxRelayAgentInfo);
  // The echo: a request carrying it, a reply with the usual mandatory options and it.
  dhcp::DhcpPacket request;
  request.message_type = dhcp::MessageType::Discover;
  request.options.set(dhcp::OptionCode::RelayAgentInformation, Bytes(input.begin(), input.end()));
  dhcp::DhcpPacket reply;
  reply.op = dhcp::BootpOp::Reply;
  reply.message_type = dhcp::MessageType::Offer;
  reply.options.set_address(dhcp::OptionCode::ServerIdentifier, Ipv4Address::from_octets({192, 0, 2, 1}));
  reply.options.set_u32(dhcp::OptionCode::LeaseTime, 3600);
  reply.options.set(dhcp::OptionCode::RelayAgentInformation, Bytes(input.begin(), input.end()));
  const auto limit = dhcp::reply_size_limit(request, reply);
  const Bytes wire = dhcp::serialize_dhcp_packet(reply, limit);
  FUZZ_CHECK(wire.size() <= limit);
  const auto parsed = dhcp::parse_dhcp_packet(wire);
  FUZZ_CHECK(parsed.has_value());
  const Bytes* echoed = parsed->options.find(dhcp::OptionCode::RelayAgentInformation);
  FUZZ_CHECK(echoed != nullptr);
  FUZZ_CHECK(std::equal(echoed->begin(), echoed->end(), input.begin(), input.end()));
  return 0;
}
