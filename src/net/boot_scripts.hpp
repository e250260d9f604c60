#pragma once
// The generated iPXE scripts as the HTTP and TFTP services serve them ("boot/<mac>.ipxe"):
// the lease store, the MachineDirectory and the profiles in, boot::answer_script_request out.
#include <optional>
#include <string_view>

#include "boot/machine_directory.hpp"
#include "boot/script_answer.hpp"
#include "config/config.hpp"
#include "lease/lease_store.hpp"

namespace netboot::net {

class BootScripts {
 public:
  /// `leases`: address mode's store (only the address a machine holds may fetch its script),
  /// null in proxy mode. `httpd`: the HTTP service's settings, null when it is off.
  BootScripts(config::BootProfiles profiles, const boot::MachineDirectory& directory, const lease::LeaseStore* leases,
              std::optional<config::HttpServiceConfig> httpd)
      : profiles_(std::move(profiles)), directory_(directory), leases_(leases), httpd_(std::move(httpd)) {}

  /// nullopt when `path` is no script path (the file is looked up as usual); else the answer
  /// for `peer`, who reached this host at `local`.
  [[nodiscard]] std::optional<boot::ScriptAnswer> answer(std::string_view path, Ipv4Address peer,
                                                         Ipv4Address local) const;
  /// SIGHUP: the profiles of the new file.
  void replace_profiles(config::BootProfiles profiles) { profiles_ = std::move(profiles); }

 private:
  config::BootProfiles profiles_;
  const boot::MachineDirectory& directory_;
  const lease::LeaseStore* leases_;
  std::optional<config::HttpServiceConfig> httpd_;
};

}  // namespace netboot::net
