#include "dhcp/pipeline/check_remote_access.hpp"

#include <fmt/format.h>

#include "dhcp/pipeline/check_local_access.hpp"

namespace netboot::dhcp {

using acl::RemoteDecision;
using acl::RemoteVerdict;

namespace {

/// access = http without a checker to ask: a wiring mistake, and access control fails closed.
class DenyAccess final : public Step {
 public:
  [[nodiscard]] std::string_view name() const override { return "check-remote-access"; }
  Verdict apply(Exchange& ex) override { return drop(ex, "access = http but no authorization checker: denied"); }
};

}  // namespace

CheckRemoteAccess::CheckRemoteAccess(config::HttpAccessConfig config, acl::AccessChecker& checker,
                                     const lease::LeaseStore& leases, std::map<MacAddress, Ipv4Address> static_leases,
                                     Resume resume, acl::AccessLog log, std::size_t max_entries)
    : config_(std::move(config)),
      checker_(checker),
      leases_(leases),
      reserved_(std::move(static_leases)),
      resume_(std::move(resume)),
      log_(std::move(log)),
      max_entries_(max_entries == 0 ? 1 : max_entries) {}

Verdict CheckRemoteAccess::apply(Exchange& ex) {
  if (!ex.client.mac) return drop(ex, "no MAC address");
  const auto it = entries_.find({*ex.client.mac, ex.phase});
  if (it == entries_.end()) return ask(ex);
  Entry& entry = it->second;
  const bool same_request = entry.xid == ex.request.xid;
  if (!entry.decision) {
    // In flight: this request waits for the same answer (a retransmission, the next message
    // of the same boot phase, or with always_check a new request): one question per MAC and
    // phase at a time, however many datagrams a client sends.
    entry.xid = ex.request.xid;
    return Verdict::Park;
  }
  const bool reusable = !config_.always_check && entry.decision->cacheable();
  if (reusable || same_request) return deliver(ex, it);
  return ask(ex);
}

Verdict CheckRemoteAccess::ask(Exchange& ex) {
  const MacAddress mac = *ex.client.mac;
  const Key key{mac, ex.phase};
  // A phase change asks anew (as pybootd does): the other phases' decisions are forgotten;
  // their questions in flight are not, their answers resume whoever waits.
  for (auto it = entries_.lower_bound({mac, lease::BootPhase::Idle}); it != entries_.end() && it->first.first == mac;) {
    if (it->first != key && it->second.decision) it = entries_.erase(it);
    else ++it;
  }
  if (!entries_.contains(key)) make_room();
  Entry& entry = entries_[key];
  entry.generation = next_generation_++;
  entry.xid = ex.request.xid;
  entry.decision.reset();
  std::string url = acl::access_url(config_, {mac, ex.client.uuid, held_address(ex), ex.client.is_boot_firmware()});
  checker_.check(url, [this, alive = std::weak_ptr<int>(alive_), key, generation = entry.generation,
                       url](RemoteDecision decision) {
    if (alive.expired()) return;
    on_answer(key, generation, url, std::move(decision));
  });
  return Verdict::Park;
}

void CheckRemoteAccess::on_answer(const Key& key, std::uint64_t generation, const std::string& url,
                                  RemoteDecision decision) {
  const auto it = entries_.find(key);
  if (it == entries_.end() || it->second.generation != generation) return;  // superseded by a newer question
  if (log_) {
    std::string line = fmt::format("GET {}: {} ({})", url, acl::to_string(decision.verdict), decision.detail);
    if (decision.granted()) {
      if (decision.grant.hostname) line += fmt::format(", client {}", *decision.grant.hostname);
      if (decision.grant.boot_file) line += fmt::format(", file {}", *decision.grant.boot_file);
      for (const auto& note : decision.grant.ignored) line += fmt::format(", ignored {}", note);
    } else {
      line += ": access denied";
      if (decision.verdict == RemoteVerdict::Failed) line += " (fail closed)";
    }
    log_(line);
  }
  it->second.decision = std::move(decision);
  resume_(key.first, it->second.xid);
}

Verdict CheckRemoteAccess::deliver(Exchange& ex, Entries::iterator it) {
  const RemoteDecision decision = *it->second.decision;
  // An answer that holds for the phase stays; one meant for a single request is spent.
  if (config_.always_check || !decision.cacheable()) entries_.erase(it);
  switch (decision.verdict) {
    case RemoteVerdict::Granted:
      ex.assigned_hostname = decision.grant.hostname;
      ex.assigned_boot_file = decision.grant.boot_file;
      return Verdict::Continue;
    case RemoteVerdict::Refused:
      return drop(ex, fmt::format("refused by the authorization server ({})", decision.detail));
    case RemoteVerdict::Failed: break;
  }
  return drop(ex, fmt::format("no decision from the authorization server ({}): denied", decision.detail));
}

std::optional<Ipv4Address> CheckRemoteAccess::held_address(const Exchange& ex) const {
  if (ex.client.is_boot_firmware()) return std::nullopt;
  if (const auto stored = leases_.find_by_mac(*ex.client.mac); stored && !stored->address.is_unspecified())
    return stored->address;
  if (const auto reserved = reserved_.find(*ex.client.mac); reserved != reserved_.end()) return reserved->second;
  // A DISCOVER's ciaddr is 0 (RFC 2131 Table 5): one set is the client's claim, not its address.
  if (!ex.request.ciaddr.is_unspecified() && ex.request.message_type != MessageType::Discover)
    return ex.request.ciaddr;
  return std::nullopt;
}

void CheckRemoteAccess::make_room() {
  if (entries_.size() < max_entries_) return;
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->second.decision) {  // never forget a question in flight: its answer resumes a client
      entries_.erase(it);
      return;
    }
  }
}

std::vector<std::unique_ptr<Step>> make_access_steps(const config::DhcpConfig& dhcp, const config::AccessLists& lists,
                                                     const config::HttpAccessConfig& http,
                                                     const lease::LeaseStore& leases, acl::AccessChecker* checker,
                                                     CheckRemoteAccess::Resume resume, acl::AccessLog log,
                                                     acl::AccessLog debug_log) {
  std::vector<std::unique_ptr<Step>> steps;
  switch (dhcp.access) {
    case config::AccessMode::None: break;
    case config::AccessMode::Mac:
    case config::AccessMode::Uuid:
      steps.push_back(std::make_unique<CheckLocalAccess>(dhcp.access, lists, dhcp.static_leases, std::move(log),
                                                         std::move(debug_log)));
      break;
    case config::AccessMode::Http:
      if (checker == nullptr) steps.push_back(std::make_unique<DenyAccess>());
      else
        steps.push_back(std::make_unique<CheckRemoteAccess>(http, *checker, leases, dhcp.static_leases,
                                                            std::move(resume), std::move(log)));
      break;
  }
  return steps;
}

std::chrono::milliseconds access_park_timeout(const config::HttpAccessConfig& http) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(http.timeout * 1000.0)) + std::chrono::seconds(1);
}

}  // namespace netboot::dhcp
