#pragma once
#include <set>

#include "acl/access_list.hpp"
#include "config/config.hpp"
#include "dhcp/pipeline/step.hpp"

namespace netboot::dhcp {

/// [bootp] access = mac | uuid: the [mac] or [uuid] list decides, with three outcomes.
/// - allowed: the request goes on, one line through `log`;
/// - blocked (an entry says no) and unlisted (no entry matches): dropped, the reason saying
///   which entry blocked or which list lacks the client (logged by the service).
/// A [static_dhcp] MAC is allowed in either mode unless a [mac] entry blocks it (pybootd
/// adds reservations to the MAC list and never checks UUIDs of reserved MACs).
/// In uuid mode the UUID is option 97; a request without one is refused, except in the OS
/// phase of a machine that PXE-booted: TrackBootPhase puts the UUID remembered in its lease
/// into the identity, and the [uuid] list judges that UUID again.
/// A [uuid] entry matches the UUID written in netbootd's order (SMBIOS text form) or in
/// pybootd's (option 97's bytes as sent, the first three fields byte-swapped), so lists
/// copied from pybootd's logs keep working; when only pybootd's order matched, both forms
/// go to `debug_log`, for converting the list.
class CheckLocalAccess final : public Step {
 public:
  CheckLocalAccess(config::AccessMode mode, const config::AccessLists& lists,
                   const std::map<MacAddress, Ipv4Address>& static_leases, acl::AccessLog log = {},
                   acl::AccessLog debug_log = {});
  [[nodiscard]] std::string_view name() const override { return "check-local-access"; }
  Verdict apply(Exchange& ex) override;

 private:
  void allowed(std::string message) const;

  config::AccessMode mode_;
  acl::MacAccessList macs_;
  acl::UuidAccessList uuids_;
  std::set<MacAddress> reserved_;
  acl::AccessLog log_;
  acl::AccessLog debug_log_;
};

}  // namespace netboot::dhcp
