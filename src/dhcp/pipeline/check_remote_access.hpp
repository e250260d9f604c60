#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <memory>
#include <optional>
#include <vector>

#include "acl/access_list.hpp"
#include "acl/remote_access.hpp"
#include "config/config.hpp"
#include "dhcp/pipeline/step.hpp"
#include "lease/lease_store.hpp"

namespace netboot::dhcp {

/// [bootp] access = http: the authorization server decides (pybootd README, "HTTP-based
/// authentication"). The step asks through an acl::AccessChecker and Parks the exchange;
/// when the answer is in it calls `resume(mac, xid)` and, run again, finds the decision in
/// its cache. Nothing blocks: other clients are served while one waits.
/// - 200 grants; its "client:" and "file:" lines become ex.assigned_hostname (option 12)
///   and ex.assigned_boot_file (select-boot-file sends it, allocate-address stores it in
///   the lease for TFTP). Any other answer, a timeout or a failed connection denies.
/// - Decisions are kept per MAC for the boot phase (pybootd asks only on a phase change):
///   the next request of the same phase reuses the server's answer. Failures (no answer,
///   5xx) are not kept: the client's next request asks again. With always_check every
///   request asks, and an answer serves only the request (xid) it was asked for.
/// - At most one question per MAC and boot phase is in flight: a request that comes while
///   it is (a retransmission, a new xid, always_check or not) waits for that answer, so a
///   client switching between PXE and plain DISCOVERs cannot open connection after connection.
/// - `ip=` is sent for plain DHCP requests of a client that holds an address (its lease or
///   reservation), as pybootd sends its pool address; PXE requests carry none.
class CheckRemoteAccess final : public Step {
 public:
  using Resume = std::function<void(const MacAddress& mac, std::uint32_t xid)>;
  CheckRemoteAccess(config::HttpAccessConfig config, acl::AccessChecker& checker, const lease::LeaseStore& leases,
                    std::map<MacAddress, Ipv4Address> static_leases, Resume resume, acl::AccessLog log = {},
                    std::size_t max_entries = 16384);
  [[nodiscard]] std::string_view name() const override { return "check-remote-access"; }
  Verdict apply(Exchange& ex) override;

  /// Clients with a decision or a question in flight (bounded by max_entries: decided
  /// entries are forgotten first).
  [[nodiscard]] std::size_t cached() const { return entries_.size(); }

 private:
  struct Entry {
    std::uint64_t generation = 0;                 // which question an answer belongs to
    std::uint32_t xid = 0;                        // the request waiting for / asking this question
    std::optional<acl::RemoteDecision> decision;  // empty while the question is in flight
  };
  using Key = std::pair<MacAddress, lease::BootPhase>;  // at most one question in flight per key
  using Entries = std::map<Key, Entry>;

  Verdict ask(Exchange& ex);
  Verdict deliver(Exchange& ex, Entries::iterator it);
  void on_answer(const Key& key, std::uint64_t generation, const std::string& url, acl::RemoteDecision decision);
  [[nodiscard]] std::optional<Ipv4Address> held_address(const Exchange& ex) const;
  void make_room();

  config::HttpAccessConfig config_;
  acl::AccessChecker& checker_;
  const lease::LeaseStore& leases_;
  std::map<MacAddress, Ipv4Address> reserved_;
  Resume resume_;
  acl::AccessLog log_;
  std::size_t max_entries_;
  Entries entries_;
  std::uint64_t next_generation_ = 1;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // answers arriving after the step died are dropped
};

/// The access steps for the configured mode (none, one CheckLocalAccess, or one
/// CheckRemoteAccess, which needs `checker`); make_pipeline places them.
[[nodiscard]] std::vector<std::unique_ptr<Step>> make_access_steps(
    const config::DhcpConfig& dhcp, const config::AccessLists& lists, const config::HttpAccessConfig& http,
    const lease::LeaseStore& leases, acl::AccessChecker* checker, CheckRemoteAccess::Resume resume,
    acl::AccessLog log = {}, acl::AccessLog debug_log = {});

/// How long the DHCP service should keep an exchange parked: the check's own timeout plus
/// a margin, so that the checker's "timeout" answer (fail closed, logged) comes first.
[[nodiscard]] std::chrono::milliseconds access_park_timeout(const config::HttpAccessConfig& http);

}  // namespace netboot::dhcp
