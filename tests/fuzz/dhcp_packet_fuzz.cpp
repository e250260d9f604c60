// libFuzzer target: the DHCP/BOOTP parser (RFC 2131/2132, RFC 3396 concatenation, option 52
// overload) and the serializer. Invariants: parsing never crashes; whatever parses serializes
// within the size asked for and parses back; the serializer may drop options that do not fit
// the client's maximum (documented), but never alters a header field or an option value; and
// when nothing was dropped, serialization is a fixed point.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dhcp/dhcp_packet.hpp"
#include "fuzz_check.hpp"

namespace {

using netboot::Bytes;

// Options 66 and 67 get a trailing NUL on the wire (PXE ROMs read them as C strings).
bool same_value(netboot::dhcp::OptionCode code, const Bytes& sent, const Bytes& got) {
  if (sent == got) return true;
  const bool nul_added = code == netboot::dhcp::OptionCode::TftpServerName || code == netboot::dhcp::OptionCode::BootFileName;
  return nul_added && got.size() == sent.size() + 1 && got.back() == 0 && std::equal(sent.begin(), sent.end(), got.begin());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace netboot;
  using namespace netboot::dhcp;
  const auto parsed = parse_dhcp_packet(ByteView(data, size));
  if (!parsed) return 0;
  (void)describe(*parsed);
  (void)parsed->mac();
  const std::size_t max_size = max_reply_size(*parsed);
  const Bytes first = serialize_dhcp_packet(*parsed, max_size);
  FUZZ_CHECK(first.size() <= std::max<std::size_t>(max_size, 300));
  const auto again = parse_dhcp_packet(first);
  FUZZ_CHECK(again.has_value());

  const DhcpPacket& p = *parsed;
  const DhcpPacket& q = *again;
  FUZZ_CHECK(q.op == p.op && q.chaddr == p.chaddr && q.hops == p.hops && q.xid == p.xid && q.secs == p.secs &&
             q.broadcast == p.broadcast && q.ciaddr == p.ciaddr && q.yiaddr == p.yiaddr && q.siaddr == p.siaddr &&
             q.giaddr == p.giaddr && q.magic_cookie == p.magic_cookie);
  if (!p.magic_cookie) return 0;  // RFC 951: no vendor area, no options
  FUZZ_CHECK(q.message_type == p.message_type);
  for (const auto& [code, value] : q.options) {
    const Bytes* sent = p.options.find(code);
    FUZZ_CHECK(sent != nullptr);
    FUZZ_CHECK(same_value(code, *sent, value));
  }
  if (q.options.size() == p.options.size()) {
    FUZZ_CHECK(q.sname == p.sname && q.file == p.file);
    FUZZ_CHECK(serialize_dhcp_packet(q, max_size) == first);
  }
  return 0;
}
