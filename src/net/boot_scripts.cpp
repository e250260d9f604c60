#include "net/boot_scripts.hpp"

#include <chrono>

#include <fmt/format.h>

#include "boot/ipxe_script.hpp"

namespace netboot::net {

std::optional<boot::ScriptAnswer> BootScripts::answer(std::string_view path, Ipv4Address peer, Ipv4Address local) const {
  const auto mac = boot::script_path_mac(path);
  if (!mac) return std::nullopt;
  boot::ScriptQuestion q;
  q.mac = *mac;
  q.peer = peer;
  q.server = local;
  if (httpd_) {
    const Ipv4Address host = httpd_->address && !httpd_->address->is_unspecified() ? *httpd_->address : local;
    q.http_base = httpd_->port == 80 ? fmt::format("http://{}", host.to_string())
                                     : fmt::format("http://{}:{}", host.to_string(), httpd_->port);
  }
  q.leases_known = leases_ != nullptr;
  if (leases_ != nullptr) {
    if (auto lease = leases_->find_by_mac(*mac)) {
      const bool active = lease->state == lease::LeaseState::Bound &&
                          lease->expires > std::chrono::system_clock::now();
      q.lease = boot::LeaseView{lease->address, active, lease->uuid, lease->hostname};
    }
  }
  return boot::answer_script_request(profiles_, directory_.find(*mac), q);
}

}  // namespace netboot::net
