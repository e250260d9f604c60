#include "boot/script_answer.hpp"

#include <fmt/format.h>

#include "boot/ipxe_script.hpp"
#include "boot/profile_choice.hpp"

namespace netboot::boot {

ScriptAnswer answer_script_request(const config::BootProfiles& profiles, const MachineRecord* record,
                                   const ScriptQuestion& q) {
  if (q.leases_known && (!q.lease || !q.lease->active || q.lease->address != q.peer))
    return {403, {}, fmt::format("{} holds no lease of {}", q.peer.to_string(), q.mac.to_string())};
  std::optional<Uuid> uuid = record != nullptr && record->uuid ? record->uuid : std::nullopt;
  if (!uuid && q.lease) uuid = q.lease->uuid;
  const auto choice = choose_profile(profiles, q.mac, uuid);
  std::optional<BootSpec> spec;
  std::string profile_name;
  if (choice.profile != nullptr) {
    spec = spec_of(*choice.profile);
    profile_name = choice.profile->name;
  } else if (choice.ask_api) {
    if (record == nullptr || !record->api_spec)
      return {404, {}, fmt::format("no boot API answer for {} (it boots through DHCP first)", q.mac.to_string())};
    spec = record->api_spec;
  } else {
    return {404, {}, fmt::format("no boot profile for {}", q.mac.to_string())};
  }
  MachineFacts facts;
  facts.mac = q.mac;
  facts.address = q.lease ? q.lease->address : q.peer;
  facts.uuid = uuid;
  facts.hostname = q.lease ? q.lease->hostname : std::string();
  facts.server = q.server;
  facts.http_base = q.http_base;
  facts.profile = profile_name;
  auto script = render_ipxe_script(*spec, facts);
  if (!script) return {500, {}, fmt::format("{} for {}: {}", spec->source, q.mac.to_string(), script.error().detail)};
  return {200, std::move(*script), spec->source};
}

}  // namespace netboot::boot
