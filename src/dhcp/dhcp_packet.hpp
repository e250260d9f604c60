#pragma once
// A BOOTP/DHCP message as a value (RFC 951, RFC 2131 §2). Parse bytes into it, build one
// and serialize it; the reply is a new value, never the request mutated in place.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/byte_reader.hpp"
#include "core/ipv4_address.hpp"
#include "core/result.hpp"
#include "dhcp/dhcp_constants.hpp"
#include "dhcp/hardware_address.hpp"
#include "dhcp/option_map.hpp"

namespace netboot::dhcp {

struct DhcpPacket {
  BootpOp op = BootpOp::Request;
  HardwareAddress chaddr;                  // htype, hlen and the 16 chaddr bytes
  std::uint8_t hops = 0;
  std::uint32_t xid = 0;
  std::uint16_t secs = 0;
  bool broadcast = false;                  // RFC 2131 §2 flags: the B bit (others MBZ, ignored)
  Ipv4Address ciaddr, yiaddr, siaddr, giaddr;
  std::string sname, file;                 // up to the first NUL; empty when overloaded (option 52)
  std::optional<MessageType> message_type; // option 53; nullopt: plain BOOTP
  OptionMap options;                       // every other option (53 and 52 are framing, kept out)
  /// False when the vendor area did not start with the RFC 1497 cookie (RFC 951 BOOTP):
  /// such a packet has no options, and serializing one writes neither cookie nor options.
  bool magic_cookie = true;

  [[nodiscard]] std::optional<MacAddress> mac() const { return chaddr.mac(); }
  [[nodiscard]] bool is_bootp() const { return !message_type.has_value(); }
  friend bool operator==(const DhcpPacket&, const DhcpPacket&) = default;
};

/// Parses a BOOTP/DHCP datagram of up to 64 KiB, read whole.
/// - Errc::Truncated: shorter than the 236-byte fixed header.
/// - Errc::BadLength: hlen > 16, datagram over 64 KiB, option 53 not one byte long.
/// - Errc::BadValue: op neither 1 nor 2, option 53 a value no RFC defines.
/// Liberal elsewhere, as Kea and dnsmasq are: no cookie (or a wrong one) is plain BOOTP
/// with no options; PAD runs of any length are skipped; a missing END is fine; an option
/// whose length runs past its area ends parsing of that area, keeping what came before;
/// repeated options are concatenated (RFC 3396); option 52 pulls options from file and
/// then sname (RFC 2131 §4.1 / RFC 3396 §6 order), leaving those fields empty.
[[nodiscard]] Result<DhcpPacket> parse_dhcp_packet(ByteView datagram) noexcept;

/// Serializes `packet` into at most max(max_size, 300) bytes (use max_reply_size()).
/// Layout: option 53 first, then 54, then ascending codes (old ROMs expect the message
/// type first; Kea does the same); END; zero padding to the 300-byte BOOTP minimum.
/// Values over 255 bytes are split into consecutive chunks (RFC 3396). Options 66 and 67
/// get a trailing NUL (PXE ROMs that treat them as C strings read past the end otherwise).
/// When the options do not fit, the unused file/sname fields carry options (option 52); what
/// still does not fit is dropped: options are placed whole, 53, 54, 1 and 51 first, then the
/// others in ascending order, each where it first fits (so the highest codes go first).
[[nodiscard]] Bytes serialize_dhcp_packet(const DhcpPacket& packet, std::size_t max_size = kMinMaxMessageSize -
                                                                                            kIpUdpHeaderSize);
/// The same into `out` (replacing its contents): a server reuses one buffer for every reply.
void serialize_dhcp_packet(const DhcpPacket& packet, std::size_t max_size, Bytes& out);

/// The largest reply `request` accepts as a UDP payload: its option 57 (at least the
/// RFC 2131 minimum of 576) minus the IP and UDP headers, as dnsmasq computes it.
[[nodiscard]] std::size_t max_reply_size(const DhcpPacket& request);

/// The bytes an option value of `value_size` takes on the wire: instances of at most 255
/// bytes, each with its code and length (RFC 3396: 600 bytes are 255 + 255 + 90, 606 in all).
[[nodiscard]] constexpr std::size_t split_option_wire_size(std::size_t value_size) {
  return value_size == 0 ? 2 : value_size + 2 * ((value_size + kMaxOptionChunk - 1) / kMaxOptionChunk);
}

/// What serialize_dhcp_packet may use for `reply`: max_reply_size(request), plus the echoed
/// option 82 when the reply carries one. The agent that added it strips it (RFC 3046 §2.2)
/// before the client sees the reply, so the client still gets at most its maximum; and the echo,
/// placed first with the mandatory options, always finds room in the main area, however long
/// (RFC 3396 split; bounded by kMaxRelayAgentInfo at parse).
[[nodiscard]] std::size_t reply_size_limit(const DhcpPacket& request, const DhcpPacket& reply);

/// A stable, human-readable multi-line dump (golden files, debug logs): header fields,
/// then the message type, then every option by code with its catalog name and decoded value.
[[nodiscard]] std::string describe(const DhcpPacket& packet);

}  // namespace netboot::dhcp
