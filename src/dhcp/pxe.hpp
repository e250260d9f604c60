#pragma once
// What a request says about the client (PXE spec 2.1, RFC 4578, iPXE) and the PXE vendor
// options (option 43) we answer with. Pure functions over packets.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_reader.hpp"
#include "core/mac_address.hpp"
#include "core/uuid.hpp"
#include "dhcp/dhcp_packet.hpp"

namespace netboot::dhcp {

/// Client system architecture types (RFC 4578 §2.1 and the IANA registry it created).
namespace arch {
inline constexpr std::uint16_t kX86Bios = 0;
inline constexpr std::uint16_t kEfiIa32 = 6;
inline constexpr std::uint16_t kEfiBc = 7;       // used by x86-64 UEFI firmwares (RFC 4578 erratum 4477)
inline constexpr std::uint16_t kEfiX86_64 = 9;
inline constexpr std::uint16_t kEfiArm32 = 10;
inline constexpr std::uint16_t kEfiArm64 = 11;
inline constexpr std::uint16_t kEfiX86_64Http = 16;
}  // namespace arch

/// "x86 BIOS", "x86-64 UEFI", ... or "arch N" for codes we do not name.
std::string arch_name(std::uint16_t code);

/// Everything the pipeline wants to know about who asked, derived once per request.
struct ClientIdentity {
  HardwareAddress hardware;            // chaddr as sent
  std::optional<MacAddress> mac;       // when chaddr is Ethernet
  std::optional<Uuid> uuid;            // option 97 (RFC 4578 §2.3), RFC 4122 order
  std::optional<std::uint16_t> arch;   // option 93, else from "PXEClient:Arch:NNNNN"
  std::string vendor_class;            // option 60 as text ("" when absent)
  std::vector<std::string> user_classes;  // option 77
  bool is_pxe = false;                 // option 60 starts with "PXEClient"
  bool is_http_client = false;         // option 60 starts with "HTTPClient" (UEFI HTTP boot)
  bool is_ipxe = false;                // user class "iPXE" or option 175 present
  /// The firmware's own boot request (PXE or UEFI HTTP boot), not an OS's DHCP.
  [[nodiscard]] bool is_boot_firmware() const { return is_pxe || is_http_client; }
  friend bool operator==(const ClientIdentity&, const ClientIdentity&) = default;
};

[[nodiscard]] ClientIdentity identify_client(const DhcpPacket& request);

/// Option 97: type 0 followed by 16 bytes, the first three UUID fields little-endian (SMBIOS
/// order, firmware-requests.md). Other types or lengths: nullopt.
[[nodiscard]] std::optional<Uuid> client_uuid(const OptionMap& options);
/// Option 93 (the first code of the list), else the vendor class "PXEClient:Arch:NNNNN:...".
[[nodiscard]] std::optional<std::uint16_t> client_arch(const OptionMap& options);
/// The NNNNN of "PXEClient:Arch:NNNNN" (also "HTTPClient:Arch:NNNNN"), nullopt otherwise.
[[nodiscard]] std::optional<std::uint16_t> arch_from_vendor_class(std::string_view vendor_class);
/// Option 77 entries. RFC 3004 says length-prefixed entries; iPXE and many others send a
/// plain string. A value that is not a well-formed RFC 3004 list is read as one string.
[[nodiscard]] std::vector<std::string> parse_user_classes(ByteView value);
[[nodiscard]] bool is_pxe_client(const OptionMap& options);
[[nodiscard]] bool is_http_client(const OptionMap& options);
[[nodiscard]] bool is_ipxe_client(const OptionMap& options);

/// PXE spec 2.1 §2.4.6 encapsulated vendor options (inside option 43).
namespace pxe {
inline constexpr std::uint8_t kDiscoveryControl = 6;  // PXE_DISCOVERY_CONTROL
inline constexpr std::uint8_t kBootMenu = 9;          // PXE_BOOT_MENU
inline constexpr std::uint8_t kMenuPrompt = 10;       // PXE_MENU_PROMPT
inline constexpr std::uint8_t kEnd = 255;
// PXE_DISCOVERY_CONTROL bits.
inline constexpr std::uint8_t kNoBroadcastDiscovery = 1;
inline constexpr std::uint8_t kNoMulticastDiscovery = 2;
inline constexpr std::uint8_t kOnlyListedServers = 4;
inline constexpr std::uint8_t kUseBootFile = 8;  // boot file in the reply: download it, skip discovery
}  // namespace pxe

struct PxeMenuItem {
  std::uint16_t boot_server_type = 0;  // 0: PXE bootstrap server
  std::string description;
};

struct PxeVendorOptions {
  std::optional<std::uint8_t> discovery_control = {};
  std::vector<PxeMenuItem> menu = {};           // some ROMs (Raspberry Pi) want a menu to accept the offer
  std::optional<std::uint8_t> prompt_timeout = {};
  std::string prompt = {};
};

/// Sub-options in code/length/value form, terminated by END, ready for option 43.
[[nodiscard]] Bytes encode_pxe_vendor_options(const PxeVendorOptions& options);

/// Which kind of reply carries the PXE options: an address lease (normal mode), a proxyDHCP
/// OFFER on port 67 (no address), or the boot server's ACK on port 4011.
enum class PxeReply : std::uint8_t { Lease, ProxyOffer, BootServerAck };
std::string_view to_string(PxeReply kind) noexcept;

/// A UEFI PXE firmware that is not iPXE (arch 6 and above): in proxy mode it is sent to the
/// boot server on port 4011 (dnsmasq's rule), since its proxy OFFER must carry no option 43.
[[nodiscard]] bool redirects_to_boot_server(const ClientIdentity& client);

/// The vendor options (option 43) a client gets, or none:
/// - Lease, BootServerAck: discovery control 8, "boot the file in this reply", so that it
///   neither waits for a proxyDHCP on port 4011 nor tries boot server discovery (pixiecore
///   and dnsmasq do the same). BIOS ROMs need it, and so does OVMF's EDK2 PXE in normal mode:
///   an offer with 60 "PXEClient" and no 43 is a PXE 1.0 offer to EDK2 (PxeBcDhcp4.c), which
///   then sends its boot-server REQUEST to port 4011 (recorded in
///   tests/data/captures/recorded/ovmf-edk2-bootserver-request.hex).
/// - ProxyOffer: the same for BIOS ROMs and iPXE; nothing for a UEFI PXE firmware
///   (redirects_to_boot_server): EDK2's DHCPv4 code drops the first proxy offer that carries
///   discovery sub-options (PxeBcCacheDhcp4Offer), so it gets a "BINL" offer and asks port 4011.
/// - HTTPClient: nothing (UEFI HTTP boot reads only the URL).
[[nodiscard]] std::optional<PxeVendorOptions> pxe_vendor_options_for(const ClientIdentity& client,
                                                                     PxeReply kind = PxeReply::Lease);

}  // namespace netboot::dhcp
