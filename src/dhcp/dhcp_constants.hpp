#pragma once
// BOOTP/DHCP protocol constants in one place, each citing the RFC that defines it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace netboot::dhcp {

inline constexpr std::uint16_t kServerPort = 67;  // RFC 2131 §4.1 (BOOTP, RFC 951)
inline constexpr std::uint16_t kClientPort = 68;

/// RFC 2131 §3: the vendor area starts with 99.130.83.99 (RFC 1497 "magic cookie").
inline constexpr std::array<std::uint8_t, 4> kMagicCookie{99, 130, 83, 99};

inline constexpr std::size_t kChaddrSize = 16;   // RFC 2131 §2, fixed header fields
inline constexpr std::size_t kSnameSize = 64;
inline constexpr std::size_t kFileSize = 128;
inline constexpr std::size_t kFixedHeaderSize = 236;        // op .. file
inline constexpr std::size_t kOptionsOffset = kFixedHeaderSize + kMagicCookie.size();  // 240
/// RFC 951/1542: BOOTP relays and old clients expect at least a 64-byte vendor area;
/// dnsmasq pads every reply to 300 bytes (MIN_PACKETSZ).
inline constexpr std::size_t kMinPacketSize = 300;
/// RFC 2131 §2: every client accepts 576-byte IP datagrams; minus IP (20) and UDP (8)
/// headers that leaves 548 bytes of DHCP message (dnsmasq subtracts the same headers).
inline constexpr std::size_t kMinMaxMessageSize = 576;
inline constexpr std::size_t kIpUdpHeaderSize = 28;
/// Largest datagram we read whole (UDP length field limit).
inline constexpr std::size_t kMaxDatagramSize = 65536;

/// BOOTP op field (RFC 951).
enum class BootpOp : std::uint8_t { Request = 1, Reply = 2 };

/// DHCP message type, option 53 (RFC 2132 §9.6; 9-18 from RFC 3203, 4388, 6926, 7724).
enum class MessageType : std::uint8_t {
  Discover = 1,
  Offer = 2,
  Request = 3,
  Decline = 4,
  Ack = 5,
  Nak = 6,
  Release = 7,
  Inform = 8,
  ForceRenew = 9,        // RFC 3203
  LeaseQuery = 10,       // RFC 4388
  LeaseUnassigned = 11,
  LeaseUnknown = 12,
  LeaseActive = 13,
  BulkLeaseQuery = 14,   // RFC 6926
  LeaseQueryDone = 15,
  ActiveLeaseQuery = 16, // RFC 7724
  LeaseQueryStatus = 17,
  Tls = 18,
};

/// "DHCPDISCOVER", "DHCPOFFER", ... as logs and tcpdump print them.
std::string_view to_string(MessageType type) noexcept;
std::string_view to_string(BootpOp op) noexcept;
/// The message type for an option-53 value, nullopt for values no RFC defines.
std::optional<MessageType> message_type_from(std::uint8_t value) noexcept;

/// Option codes. An enum with a fixed underlying type holds every value 0-255,
/// so options nobody named here are written `OptionCode{224}`.
enum class OptionCode : std::uint8_t {
  Pad = 0,                      // RFC 2132 §3.1
  SubnetMask = 1,               // RFC 2132 §3.3
  TimeOffset = 2,               // RFC 2132 §3.4
  Router = 3,                   // RFC 2132 §3.5
  DomainNameServer = 6,         // RFC 2132 §3.8
  HostName = 12,                // RFC 2132 §3.14
  BootFileSize = 13,            // RFC 2132 §3.15, in 512-octet blocks
  DomainName = 15,              // RFC 2132 §3.17
  RootPath = 17,                // RFC 2132 §3.19
  InterfaceMtu = 26,            // RFC 2132 §5.1
  BroadcastAddress = 28,        // RFC 2132 §5.3
  NtpServers = 42,              // RFC 2132 §8.3
  VendorSpecific = 43,          // RFC 2132 §8.4 (PXE: encapsulated PXE options)
  RequestedAddress = 50,        // RFC 2132 §9.1
  LeaseTime = 51,               // RFC 2132 §9.2
  Overload = 52,                // RFC 2132 §9.3
  MessageType = 53,             // RFC 2132 §9.6
  ServerIdentifier = 54,        // RFC 2132 §9.7
  ParameterRequestList = 55,    // RFC 2132 §9.8
  Message = 56,                 // RFC 2132 §9.9
  MaxMessageSize = 57,          // RFC 2132 §9.10
  RenewalTime = 58,             // RFC 2132 §9.11 (T1)
  RebindingTime = 59,           // RFC 2132 §9.12 (T2)
  VendorClassIdentifier = 60,   // RFC 2132 §9.13 ("PXEClient:Arch:...")
  ClientIdentifier = 61,        // RFC 2132 §9.14, echoed per RFC 6842
  TftpServerName = 66,          // RFC 2132 §9.4
  BootFileName = 67,            // RFC 2132 §9.5
  UserClass = 77,               // RFC 3004 ("iPXE")
  ClientFqdn = 81,              // RFC 4702
  RelayAgentInformation = 82,   // RFC 3046
  ClientSystemArchitecture = 93,// RFC 4578 §2.1
  ClientNetworkInterface = 94,  // RFC 4578 §2.2 (UNDI version)
  ClientMachineIdentifier = 97, // RFC 4578 §2.3 (UUID/GUID)
  SubnetSelection = 118,        // RFC 3011
  DomainSearch = 119,           // RFC 3397
  ClasslessStaticRoute = 121,   // RFC 3442
  IpxeEncapsulated = 175,       // iPXE's private encapsulated options (its presence says "iPXE")
  End = 255,                    // RFC 2132 §3.2
};

constexpr std::uint8_t code_value(OptionCode code) noexcept { return static_cast<std::uint8_t>(code); }

/// RFC 2132 §9.3 option overload values.
inline constexpr std::uint8_t kOverloadFile = 1;
inline constexpr std::uint8_t kOverloadSname = 2;
inline constexpr std::uint8_t kOverloadBoth = 3;

/// RFC 2131 §2: the broadcast bit is the most significant bit of `flags`.
inline constexpr std::uint16_t kBroadcastFlag = 0x8000;

/// RFC 2132 §2: an option carries at most 255 octets; longer values are split (RFC 3396).
inline constexpr std::size_t kMaxOptionChunk = 255;

}  // namespace netboot::dhcp
