#include "dhcp/option_catalog.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace netboot::dhcp {
namespace {

using K = OptionKind;
using C = OptionCode;

// Sorted by code.
constexpr std::array kCatalog{
    OptionInfo{C::SubnetMask, "subnet-mask", K::Address},
    OptionInfo{C::TimeOffset, "time-offset", K::U32},
    OptionInfo{C::Router, "routers", K::AddressList},
    OptionInfo{C::DomainNameServer, "domain-name-servers", K::AddressList},
    OptionInfo{C::HostName, "host-name", K::Text},
    OptionInfo{C::BootFileSize, "boot-size", K::U16},
    OptionInfo{C::DomainName, "domain-name", K::Text},
    OptionInfo{C::RootPath, "root-path", K::Text},
    OptionInfo{C::InterfaceMtu, "interface-mtu", K::U16},
    OptionInfo{C::BroadcastAddress, "broadcast-address", K::Address},
    OptionInfo{C::NtpServers, "ntp-servers", K::AddressList},
    OptionInfo{C::VendorSpecific, "vendor-encapsulated-options", K::Bytes},
    OptionInfo{C::RequestedAddress, "dhcp-requested-address", K::Address},
    OptionInfo{C::LeaseTime, "dhcp-lease-time", K::U32},
    OptionInfo{C::Overload, "dhcp-option-overload", K::U8},
    OptionInfo{C::MessageType, "dhcp-message-type", K::U8},
    OptionInfo{C::ServerIdentifier, "dhcp-server-identifier", K::Address},
    OptionInfo{C::ParameterRequestList, "dhcp-parameter-request-list", K::CodeList},
    OptionInfo{C::Message, "dhcp-message", K::Text},
    OptionInfo{C::MaxMessageSize, "dhcp-max-message-size", K::U16},
    OptionInfo{C::RenewalTime, "dhcp-renewal-time", K::U32},
    OptionInfo{C::RebindingTime, "dhcp-rebinding-time", K::U32},
    OptionInfo{C::VendorClassIdentifier, "vendor-class-identifier", K::Text},
    OptionInfo{C::ClientIdentifier, "dhcp-client-identifier", K::Bytes},
    OptionInfo{C::TftpServerName, "tftp-server-name", K::Text},
    OptionInfo{C::BootFileName, "boot-file-name", K::Text},
    OptionInfo{C::UserClass, "user-class", K::Bytes},
    OptionInfo{C::ClientFqdn, "fqdn", K::Bytes},
    OptionInfo{C::RelayAgentInformation, "relay-agent-information", K::Bytes},
    OptionInfo{C::ClientSystemArchitecture, "client-system-architecture", K::U16List},
    OptionInfo{C::ClientNetworkInterface, "client-network-interface", K::Bytes},
    OptionInfo{C::ClientMachineIdentifier, "client-machine-identifier", K::Bytes},
    OptionInfo{C::DomainSearch, "domain-search", K::Bytes},
    OptionInfo{C::ClasslessStaticRoute, "classless-static-route", K::Bytes},
    OptionInfo{C::IpxeEncapsulated, "ipxe-encapsulated-options", K::Bytes},
};

static_assert(std::is_sorted(kCatalog.begin(), kCatalog.end(),
                             [](const OptionInfo& a, const OptionInfo& b) { return a.code < b.code; }));

}  // namespace

std::optional<OptionInfo> find_option_info(OptionCode code) noexcept {
  const auto* it = std::lower_bound(kCatalog.begin(), kCatalog.end(), code,
                                    [](const OptionInfo& info, OptionCode c) { return info.code < c; });
  if (it == kCatalog.end() || it->code != code) return std::nullopt;
  return *it;
}

std::string option_name(OptionCode code) {
  if (const auto info = find_option_info(code)) return std::string(info->name);
  return "option-" + std::to_string(code_value(code));
}

}  // namespace netboot::dhcp
