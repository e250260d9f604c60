#include "dhcp/dhcp_constants.hpp"

namespace netboot::dhcp {

std::string_view to_string(MessageType type) noexcept {
  switch (type) {
    case MessageType::Discover: return "DHCPDISCOVER";
    case MessageType::Offer: return "DHCPOFFER";
    case MessageType::Request: return "DHCPREQUEST";
    case MessageType::Decline: return "DHCPDECLINE";
    case MessageType::Ack: return "DHCPACK";
    case MessageType::Nak: return "DHCPNAK";
    case MessageType::Release: return "DHCPRELEASE";
    case MessageType::Inform: return "DHCPINFORM";
    case MessageType::ForceRenew: return "DHCPFORCERENEW";
    case MessageType::LeaseQuery: return "DHCPLEASEQUERY";
    case MessageType::LeaseUnassigned: return "DHCPLEASEUNASSIGNED";
    case MessageType::LeaseUnknown: return "DHCPLEASEUNKNOWN";
    case MessageType::LeaseActive: return "DHCPLEASEACTIVE";
    case MessageType::BulkLeaseQuery: return "DHCPBULKLEASEQUERY";
    case MessageType::LeaseQueryDone: return "DHCPLEASEQUERYDONE";
    case MessageType::ActiveLeaseQuery: return "DHCPACTIVELEASEQUERY";
    case MessageType::LeaseQueryStatus: return "DHCPLEASEQUERYSTATUS";
    case MessageType::Tls: return "DHCPTLS";
  }
  return "DHCP?";
}

std::string_view to_string(BootpOp op) noexcept {
  switch (op) {
    case BootpOp::Request: return "BOOTREQUEST";
    case BootpOp::Reply: return "BOOTREPLY";
  }
  return "BOOT?";
}

std::optional<MessageType> message_type_from(std::uint8_t value) noexcept {
  if (value < 1 || value > 18) return std::nullopt;
  return static_cast<MessageType>(value);
}

}  // namespace netboot::dhcp
