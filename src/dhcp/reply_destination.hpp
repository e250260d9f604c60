#pragma once
// RFC 2131 §4.1 "where does the reply go", as one pure decision (pixiecore's txType).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ipv4_address.hpp"
#include "core/ipv4_subnet.hpp"
#include "core/mac_address.hpp"
#include "dhcp/dhcp_packet.hpp"

namespace netboot::dhcp {

struct ReplyDestination {
  enum class Kind : std::uint8_t {
    Relay,            // unicast to giaddr, server port
    Broadcast,        // 255.255.255.255 on the arrival interface
    ClientAddress,    // unicast to ciaddr (the client has a working address)
    HardwareUnicast,  // IP unicast to yiaddr at the chaddr MAC, without ARP: the socket layer
                      // needs an ARP entry or a packet socket, else it broadcasts instead
    BootServerPeer,   // port 4011: back to the request's source address and port
  };
  Kind kind = Kind::Broadcast;
  Ipv4Address address;
  std::uint16_t port = kClientPort;
  std::optional<MacAddress> mac;  // for HardwareUnicast
  friend bool operator==(const ReplyDestination&, const ReplyDestination&) = default;
};

std::string_view to_string(ReplyDestination::Kind kind) noexcept;

struct DestinationPolicy {
  bool force_broadcast = false;          // [buggy_clients]: always 255.255.255.255
  std::uint16_t client_port = kClientPort;
  std::uint16_t relay_port = kServerPort;
  /// The PXE boot server (port 4011) answers the address and port the request came from
  /// (classify-boot-server-request has checked them).
  std::optional<UdpEndpoint> boot_server_peer = std::nullopt;
  /// The network of the subnet the request was placed in: ciaddr outside it is no client's
  /// working address, so the reply is not sent there (a DISCOVER with ciaddr 203.0.113.9
  /// made netbootd send its OFFER to any routable address). Unset: ciaddr is not checked.
  std::optional<Ipv4Subnet> client_network = std::nullopt;
};

/// RFC 2131 §4.1, in this order (after 0. boot_server_peer set: that peer):
/// 1. giaddr set: the relay, on the server port (a NAK too: the relay broadcasts it, which
///    the reply's broadcast bit asks for).
/// 2. force_broadcast (a buggy client that ignores unicast): broadcast.
/// 3. DHCPNAK: broadcast (the client may have no usable address).
/// 4. ciaddr set and in client_network (when given): unicast to ciaddr (RENEWING, INFORM),
///    but never for a DISCOVER, whose ciaddr RFC 2131 Table 5 says is 0: one set is ignored
///    (rules 5 and 6 decide).
/// 5. broadcast bit set, no yiaddr, or chaddr not Ethernet: broadcast.
/// 6. otherwise: unicast to yiaddr at the client's MAC.
[[nodiscard]] ReplyDestination choose_reply_destination(const DhcpPacket& request, const DhcpPacket& reply,
                                                        const DestinationPolicy& policy = {});

}  // namespace netboot::dhcp
