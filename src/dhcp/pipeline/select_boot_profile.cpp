#include "dhcp/pipeline/select_boot_profile.hpp"

#include <fmt/format.h>

#include "boot/ipxe_script.hpp"
#include "boot/profile_choice.hpp"
#include "core/url_text.hpp"

namespace netboot::dhcp {

std::string script_url(const ScriptLocation& location, Ipv4Address server, const MacAddress& mac) {
  if (!location.http) return boot::script_path(mac);
  const Ipv4Address host = location.http_address.is_unspecified() ? server : location.http_address;
  if (location.http_port == 80) return fmt::format("http://{}/{}", host.to_string(), boot::script_path(mac));
  return fmt::format("http://{}:{}/{}", host.to_string(), location.http_port, boot::script_path(mac));
}

SelectBootProfile::SelectBootProfile(config::BootProfiles profiles, ScriptLocation location,
                                     boot::MachineDirectory& directory, boot::BootApi* api, Resume resume,
                                     WallClock clock, Log log, std::size_t max_entries)
    : profiles_(std::move(profiles)),
      location_(location),
      directory_(directory),
      api_(api),
      resume_(std::move(resume)),
      clock_(std::move(clock)),
      log_(std::move(log)),
      max_entries_(max_entries == 0 ? 1 : max_entries) {}

Verdict SelectBootProfile::apply(Exchange& ex) {
  if (!ex.builds_reply() || !ex.client.mac || ex.assigned_boot_file) return Verdict::Continue;
  if (!ex.client.is_pxe && !ex.client.is_ipxe) return Verdict::Continue;
  const auto choice = boot::choose_profile(profiles_, *ex.client.mac, ex.client.uuid);
  if (choice.none()) return Verdict::Continue;
  if (choice.profile != nullptr) return boot_script(ex, std::nullopt);
  const auto it = entries_.find(*ex.client.mac);
  if (it == entries_.end()) return ask_api(ex);
  if (!it->second.answer) {  // in flight: this request waits for the same answer
    it->second.xid = ex.request.xid;
    return Verdict::Park;
  }
  const bool kept = it->second.answer->outcome != boot::ApiOutcome::Failed && clock_() < it->second.expires;
  if (kept || it->second.xid == ex.request.xid) return use_answer(ex, it);
  return ask_api(ex);
}

Verdict SelectBootProfile::ask_api(Exchange& ex) {
  const MacAddress mac = *ex.client.mac;
  if (api_ == nullptr) return drop(ex, "[boot_api] configured but no client to ask it: no boot file (fail closed)");
  if (!entries_.contains(mac) && !make_room())
    return drop(ex, fmt::format("{} boot API questions in flight: no boot file (fail closed)", entries_.size()));
  Entry& entry = entries_[mac];
  entry.generation = next_generation_++;
  entry.xid = ex.request.xid;
  entry.answer.reset();
  std::string url = boot::boot_api_url(profiles_.api, mac);
  api_->ask(url, [this, alive = std::weak_ptr<int>(alive_), mac, generation = entry.generation,
                  url](boot::BootApiAnswer answer) {
    if (alive.expired()) return;
    on_answer(mac, generation, url, std::move(answer));
  });
  return Verdict::Park;
}

void SelectBootProfile::on_answer(const MacAddress& mac, std::uint64_t generation, const std::string& url,
                                  boot::BootApiAnswer answer) {
  const auto it = entries_.find(mac);
  if (it == entries_.end() || it->second.generation != generation) return;
  if (log_) {
    LogLimiter::Decision admitted;
    if (answer.outcome == boot::ApiOutcome::Failed) admitted = log_limiter_.admit("boot-api-failed");
    else if (answer.outcome == boot::ApiOutcome::NoBoot) admitted = log_limiter_.admit("boot-api-no-boot");
    if (admitted.log)
      log_(fmt::format("{} GET {}: {} ({}){}{}", mac.to_string(), url_for_log(url), boot::to_string(answer.outcome),
                       answer.detail, answer.outcome == boot::ApiOutcome::Failed ? ": no boot file (fail closed)" : "",
                       LogLimiter::suffix(admitted)));
  }
  const WallTime now = clock_();
  it->second.expires = now + std::chrono::seconds(profiles_.api.cache_seconds);
  // A "no boot" answer only clears what the directory holds: a new record for it would evict
  // another machine's answer (a flood of spoofed MACs the API refuses emptied the directory).
  const auto* known = directory_.find(mac);
  if (answer.outcome == boot::ApiOutcome::Boot || (answer.outcome == boot::ApiOutcome::NoBoot && known != nullptr)) {
    boot::MachineRecord record;
    if (known != nullptr) record = *known;
    record.api_spec = answer.outcome == boot::ApiOutcome::Boot ? std::optional(answer.spec) : std::nullopt;
    record.written = now;
    directory_.remember(mac, std::move(record));
  }
  it->second.answer = std::move(answer);
  resume_(mac, it->second.xid);
}

Verdict SelectBootProfile::use_answer(Exchange& ex, std::map<MacAddress, Entry>::iterator it) {
  const boot::BootApiAnswer answer = *it->second.answer;
  if (answer.outcome == boot::ApiOutcome::Failed) entries_.erase(it);  // the next request asks again
  switch (answer.outcome) {
    case boot::ApiOutcome::Boot: return boot_script(ex, answer.spec);
    case boot::ApiOutcome::NoBoot: return drop(ex, "the boot API does not boot this machine (404): no boot file");
    case boot::ApiOutcome::Failed: break;
  }
  return drop(ex, fmt::format("no answer from the boot API ({}): no boot file (fail closed)", answer.detail));
}

Verdict SelectBootProfile::boot_script(Exchange& ex, const std::optional<boot::BootSpec>& api_spec) {
  boot::MachineRecord record;
  if (const auto* known = directory_.find(*ex.client.mac)) record = *known;
  if (ex.client.uuid) record.uuid = ex.client.uuid;
  if (api_spec) record.api_spec = api_spec;
  record.written = clock_();
  directory_.remember(*ex.client.mac, std::move(record));
  if (!ex.client.is_ipxe) return Verdict::Continue;  // firmware: [bootfile]'s iPXE first
  const Ipv4Address server = !ex.server_address.is_unspecified() ? ex.server_address : ex.received.local_address;
  ex.reply.file = script_url(location_, server, *ex.client.mac);
  return Verdict::Continue;
}

bool SelectBootProfile::make_room() {
  if (entries_.size() < max_entries_) return true;
  for (auto it = entries_.begin(); it != entries_.end(); ++it)
    if (it->second.answer) {  // never forget a question in flight: its answer resumes a client
      entries_.erase(it);
      return true;
    }
  return false;
}

}  // namespace netboot::dhcp
