#pragma once
// The answer to "GET /boot/<mac>.ipxe" (HTTP) or "RRQ boot/<mac>.ipxe" (TFTP), pure.
#include <optional>
#include <string>

#include "boot/boot_spec.hpp"
#include "boot/machine_directory.hpp"
#include "config/config.hpp"

namespace netboot::boot {

/// What the lease store knows of the MAC in the path (address mode).
struct LeaseView {
  Ipv4Address address;
  bool active = false;  // offered or bound and not expired
  std::optional<Uuid> uuid;
  std::string hostname;
};

struct ScriptQuestion {
  MacAddress mac;           // from the path
  Ipv4Address peer;         // who asks
  Ipv4Address server;       // the address it reached netbootd on
  std::string http_base;    // netbootd's HTTP service as that machine reaches it ("" when off)
  bool leases_known = false;         // address mode: the lease store decides who may ask
  std::optional<LeaseView> lease;    // that MAC's lease, if any
};

struct ScriptAnswer {
  int status = 200;     // 200, 403 (not that machine's address), 404 (no boot for it), 500 (cannot be made)
  std::string script;   // for 200
  std::string reason;   // for the log
};

/// A script is made for the machine whose MAC the path names. In address mode only the
/// address that machine holds may fetch it (another machine's command line may hold secrets,
/// and the MAC in a path costs nothing to forge); in proxy mode, where netbootd gives no
/// addresses, anyone who knows the MAC may. The profile is chosen as at DHCP time
/// (choose_profile with the UUID remembered in the directory or the lease); a machine for
/// the boot API needs the API's answer in the directory (it asked DHCP first).
[[nodiscard]] ScriptAnswer answer_script_request(const config::BootProfiles& profiles, const MachineRecord* record,
                                                 const ScriptQuestion& question);

}  // namespace netboot::boot
