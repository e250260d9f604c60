#include "dhcp/pxe.hpp"

#include <algorithm>
#include <span>

namespace netboot::dhcp {

std::string arch_name(std::uint16_t code) {
  switch (code) {
    case 0: return "x86 BIOS";
    case 1: return "NEC PC98";
    case 2: return "Itanium";
    case 3: return "DEC Alpha";
    case 4: return "Arc x86";
    case 5: return "Intel Lean Client";
    case 6: return "x86 UEFI";
    case 7: return "x86-64 UEFI";
    case 8: return "Xscale UEFI";
    case 9: return "x86-64 UEFI";
    case 10: return "ARM32 UEFI";
    case 11: return "ARM64 UEFI";
    case 15: return "x86 UEFI HTTP";
    case 16: return "x86-64 UEFI HTTP";
    case 17: return "EBC UEFI HTTP";
    case 18: return "ARM32 UEFI HTTP";
    case 19: return "ARM64 UEFI HTTP";
    case 20: return "x86 BIOS HTTP";
    case 23: return "ARM32 U-Boot HTTP";
    case 24: return "ARM64 U-Boot HTTP";
    case 26: return "RISC-V 32 UEFI HTTP";
    case 28: return "RISC-V 64 UEFI HTTP";
    case 30: return "RISC-V 128 UEFI HTTP";
    case 38: return "LoongArch32 UEFI HTTP";
    case 40: return "LoongArch64 UEFI HTTP";
    default: return "arch " + std::to_string(code);
  }
}

std::optional<Uuid> client_uuid(const OptionMap& options) {
  const auto* v = options.find(OptionCode::ClientMachineIdentifier);
  if (v == nullptr || v->size() != 17 || (*v)[0] != 0) return std::nullopt;
  return Uuid::from_smbios_bytes(std::span<const std::uint8_t, 16>(v->data() + 1, 16));
}

std::optional<std::uint16_t> arch_from_vendor_class(std::string_view vendor_class) {
  for (const std::string_view prefix : {"PXEClient:Arch:", "HTTPClient:Arch:"}) {
    if (!vendor_class.starts_with(prefix)) continue;
    const auto digits = vendor_class.substr(prefix.size(), 5);
    if (digits.size() != 5 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
    if (vendor_class.size() > prefix.size() + 5 && vendor_class[prefix.size() + 5] != ':') return std::nullopt;
    unsigned value = 0;
    for (const char c : digits) value = value * 10 + static_cast<unsigned>(c - '0');
    if (value > 0xFFFF) return std::nullopt;
    return static_cast<std::uint16_t>(value);
  }
  return std::nullopt;
}

std::optional<std::uint16_t> client_arch(const OptionMap& options) {
  // RFC 4578 §2.1: a list of one or more 16-bit codes; the first is the preferred one.
  if (const auto* v = options.find(OptionCode::ClientSystemArchitecture); v != nullptr && v->size() >= 2 &&
                                                                          v->size() % 2 == 0)
    return *ByteReader(*v).u16();
  if (const auto vendor = options.get_string(OptionCode::VendorClassIdentifier))
    return arch_from_vendor_class(*vendor);
  return std::nullopt;
}

std::vector<std::string> parse_user_classes(ByteView value) {
  std::vector<std::string> out;
  if (value.empty()) return out;
  // RFC 3004 §4: UC_Len_i (non-zero) then the class data, repeated to the end exactly.
  std::size_t pos = 0;
  while (pos < value.size()) {
    const std::size_t len = value[pos];
    if (len == 0 || pos + 1 + len > value.size()) break;
    out.emplace_back(as_text(value.subspan(pos + 1, len)));
    pos += 1 + len;
  }
  if (pos == value.size()) return out;
  out.assign(1, std::string(as_text(value)));
  while (!out[0].empty() && out[0].back() == '\0') out[0].pop_back();
  return out;
}

bool is_pxe_client(const OptionMap& options) {
  const auto vendor = options.get_string(OptionCode::VendorClassIdentifier);
  return vendor && vendor->starts_with("PXEClient");
}

bool is_http_client(const OptionMap& options) {
  const auto vendor = options.get_string(OptionCode::VendorClassIdentifier);
  return vendor && vendor->starts_with("HTTPClient");
}

bool is_ipxe_client(const OptionMap& options) {
  if (options.contains(OptionCode::IpxeEncapsulated)) return true;
  const auto* user_class = options.find(OptionCode::UserClass);
  if (user_class == nullptr) return false;
  const auto classes = parse_user_classes(*user_class);
  return std::any_of(classes.begin(), classes.end(),
                     [](const std::string& c) { return c.find("iPXE") != std::string::npos; });
}

ClientIdentity identify_client(const DhcpPacket& request) {
  ClientIdentity id;
  id.hardware = request.chaddr;
  id.mac = request.mac();
  id.uuid = client_uuid(request.options);
  id.arch = client_arch(request.options);
  id.vendor_class = request.options.get_string(OptionCode::VendorClassIdentifier).value_or("");
  if (const auto* uc = request.options.find(OptionCode::UserClass)) id.user_classes = parse_user_classes(*uc);
  id.is_pxe = is_pxe_client(request.options);
  id.is_http_client = is_http_client(request.options);
  id.is_ipxe = is_ipxe_client(request.options);
  return id;
}

Bytes encode_pxe_vendor_options(const PxeVendorOptions& options) {
  Bytes out;
  ByteWriter w(out);
  if (options.discovery_control) {
    w.u8(pxe::kDiscoveryControl);
    w.u8(1);
    w.u8(*options.discovery_control);
  }
  if (!options.menu.empty()) {
    Bytes menu;
    ByteWriter m(menu);
    for (const auto& item : options.menu) {
      const auto text = item.description.substr(0, 250);
      if (menu.size() + 3 + text.size() > 255) break;  // a sub-option holds at most 255 bytes
      m.u16(item.boot_server_type);
      m.u8(static_cast<std::uint8_t>(text.size()));
      m.text(text);
    }
    w.u8(pxe::kBootMenu);
    w.u8(static_cast<std::uint8_t>(menu.size()));
    w.bytes(menu);
  }
  if (options.prompt_timeout) {
    const auto text = options.prompt.substr(0, 254);
    w.u8(pxe::kMenuPrompt);
    w.u8(static_cast<std::uint8_t>(1 + text.size()));
    w.u8(*options.prompt_timeout);
    w.text(text);
  }
  w.u8(pxe::kEnd);
  return out;
}

std::string_view to_string(PxeReply kind) noexcept {
  switch (kind) {
    case PxeReply::Lease: return "lease";
    case PxeReply::ProxyOffer: return "proxy OFFER";
    case PxeReply::BootServerAck: return "boot-server ACK";
  }
  return "?";
}

bool redirects_to_boot_server(const ClientIdentity& client) {
  return client.is_pxe && !client.is_ipxe && client.arch && *client.arch >= arch::kEfiIa32;
}

std::optional<PxeVendorOptions> pxe_vendor_options_for(const ClientIdentity& client, PxeReply kind) {
  if (!client.is_pxe) return std::nullopt;
  if (kind == PxeReply::ProxyOffer && redirects_to_boot_server(client)) return std::nullopt;
  PxeVendorOptions options;
  options.discovery_control = pxe::kUseBootFile;
  return options;
}

}  // namespace netboot::dhcp
