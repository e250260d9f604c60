#include "dhcp/pipeline/check_local_access.hpp"

#include <fmt/format.h>

namespace netboot::dhcp {
namespace {

template <class Prefix>
std::string describe_rule(std::string_view section, const config::AccessRule<Prefix>& rule) {
  const std::string where = rule.where.to_string();
  return where.empty() ? fmt::format("[{}] {}", section, rule.key.to_string())
                       : fmt::format("[{}] {} ({})", section, rule.key.to_string(), where);
}

}  // namespace

CheckLocalAccess::CheckLocalAccess(config::AccessMode mode, const config::AccessLists& lists,
                                   const std::map<MacAddress, Ipv4Address>& static_leases, acl::AccessLog log,
                                   acl::AccessLog debug_log)
    : mode_(mode), macs_(lists.mac), uuids_(lists.uuid), log_(std::move(log)), debug_log_(std::move(debug_log)) {
  for (const auto& [mac, address] : static_leases) reserved_.insert(mac);
}

void CheckLocalAccess::allowed(std::string message) const {
  if (log_) log_(message);
}

Verdict CheckLocalAccess::apply(Exchange& ex) {
  if (mode_ != config::AccessMode::Mac && mode_ != config::AccessMode::Uuid) return Verdict::Continue;
  if (!ex.client.mac) return drop(ex, "no MAC address");
  const MacAddress& mac = *ex.client.mac;
  const std::string who = mac.to_string();
  const auto by_mac = macs_.check(mac);
  if (by_mac.access == acl::Access::Denied)
    return drop(ex, fmt::format("{} blocked by {}", who, describe_rule("mac", *by_mac.rule)));
  if (reserved_.contains(mac) && by_mac.access != acl::Access::Allowed) {
    allowed(fmt::format("{} allowed: [static_dhcp] reservation", who));
    return Verdict::Continue;
  }
  if (mode_ == config::AccessMode::Mac) {
    if (by_mac.access == acl::Access::Unlisted) return drop(ex, fmt::format("{} is not listed in [mac]", who));
    allowed(fmt::format("{} allowed by {}", who, describe_rule("mac", *by_mac.rule)));
    return Verdict::Continue;
  }
  if (reserved_.contains(mac)) {
    allowed(fmt::format("{} allowed by {} ([static_dhcp] reservation)", who, describe_rule("mac", *by_mac.rule)));
    return Verdict::Continue;
  }
  if (!ex.client.uuid) return drop(ex, fmt::format("{} sent no UUID (option 97) and has not PXE-booted here", who));
  const std::string uuid = ex.client.uuid->to_string();
  // The request itself has no option 97: TrackBootPhase took the UUID from the PXE boot.
  const char* remembered = client_uuid(ex.request.options) ? "" : " (remembered from its PXE boot)";
  // pybootd matched (and logged) option 97's bytes as sent: UUID(bytes=...), no swap.
  const Uuid pybootd_order(ex.client.uuid->to_smbios_bytes());
  bool by_pybootd_order = false;
  const auto by_uuid = uuids_.check_either(*ex.client.uuid, pybootd_order, by_pybootd_order);
  std::string order_note;
  if (by_pybootd_order) {
    order_note = fmt::format(" (in pybootd's byte order, {})", pybootd_order.to_string());
    if (debug_log_)
      debug_log_(fmt::format("{} UUID {} matched {} only in pybootd's byte order {} (option 97 as sent); write it "
                             "{} to match in netbootd's order",
                             who, uuid, describe_rule("uuid", *by_uuid.rule), pybootd_order.to_string(), uuid));
  }
  switch (by_uuid.access) {
    case acl::Access::Denied:
      return drop(ex, fmt::format("{} UUID {}{} blocked by {}{}", who, uuid, remembered,
                                  describe_rule("uuid", *by_uuid.rule), order_note));
    case acl::Access::Unlisted:
      return drop(ex, fmt::format("{} UUID {}{} is not listed in [uuid]", who, uuid, remembered));
    case acl::Access::Allowed: break;
  }
  allowed(fmt::format("{} UUID {}{} allowed by {}{}", who, uuid, remembered, describe_rule("uuid", *by_uuid.rule),
                      order_note));
  return Verdict::Continue;
}

}  // namespace netboot::dhcp
