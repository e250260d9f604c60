#include "dhcp/pipeline/allocate_address.hpp"

#include <fmt/format.h>

namespace netboot::dhcp {

using lease::Lease;
using lease::LeaseState;

Lease AllocateAddress::make_lease(const Exchange& ex, const std::optional<Lease>& stored, Ipv4Address address,
                                  LeaseState state, std::chrono::seconds validity) const {
  Lease l;
  l.mac = *ex.client.mac;
  l.address = address;
  l.state = state;
  l.updated = ex.received.now;
  l.expires = ex.received.now + validity;
  l.uuid = ex.client.uuid ? ex.client.uuid : (stored ? stored->uuid : std::nullopt);
  l.phase = ex.phase;  // what TrackBootPhase decided: Pxe, Os (remembered), or Idle
  if (stored) {
    l.hostname = stored->hostname;
    l.boot_file = stored->boot_file;
  }
  // Which relay port / remote host the lease came through (RFC 3046), as a believed relay wrote
  // it. A renewal unicast straight to us carries no option 82 but comes from the same port: a
  // lease made through a relay keeps its ids while the client stays in that subnet.
  if (ex.relay_agent) {
    if (ex.relay_agent->circuit_id) l.circuit_id.assign(ex.relay_agent->circuit_id->begin(), ex.relay_agent->circuit_id->end());
    if (ex.relay_agent->remote_id) l.remote_id.assign(ex.relay_agent->remote_id->begin(), ex.relay_agent->remote_id->end());
  } else if (ex.request.giaddr.is_unspecified() && stored && !stored->relay_address.is_unspecified() &&
             ex.subnet != nullptr && ex.subnet->network.contains(stored->address)) {
    l.circuit_id = stored->circuit_id;
    l.remote_id = stored->remote_id;
  }
  // The relay it came through; a renewal unicast straight to us (no giaddr) is still behind it,
  // so the relay stays the default router of a [subnet] without gateway (add-network-options).
  if (!ex.request.giaddr.is_unspecified())
    l.relay_address = ex.request.giaddr;
  else if (stored && ex.subnet != nullptr && ex.subnet->network.contains(stored->relay_address))
    l.relay_address = stored->relay_address;
  if (ex.assigned_hostname) l.hostname = *ex.assigned_hostname;
  if (ex.assigned_boot_file) l.boot_file = *ex.assigned_boot_file;
  return l;
}

AllocateAddress::Scope AllocateAddress::scope_of(const Exchange& ex) const {
  if (pools_ == nullptr || ex.subnet == nullptr || ex.subnet->primary() || ex.subnet->id >= pools_->size())
    return Scope{allocator_, settings_};
  AllocationSettings settings = settings_;
  settings.lease_time = std::chrono::seconds(ex.subnet->lease_time);
  settings.subnet = ex.subnet->network;
  return Scope{pools_->for_subnet(ex.subnet->id), settings};
}

Verdict AllocateAddress::offer(Exchange& ex, const std::optional<Lease>& stored, bool bootp, const Scope& scope) {
  const auto& allocator = scope.allocator;
  const auto& settings = scope.settings;
  const auto allocation = allocator.allocate(*ex.client.mac, ex.requested_address, ex.received.now);
  if (!allocation) {
    ex.drop_is_warning = allocation.error().code == Errc::Busy;
    return drop(ex, fmt::format("no address for {}: {}", ex.client.mac->to_string(), allocation.error().detail));
  }
  const Ipv4Address address = allocation->address;
  if (allocation->previous && allocation->previous->mac != *ex.client.mac)
    ex.notes.push_back(fmt::format("{} taken over from {} ({}, {})", address.to_string(),
                                   allocation->previous->mac.to_string(), lease::to_string(allocation->previous->state),
                                   allocation->source == lease::AllocationSource::Reservation
                                       ? std::string("reserved for this client in [static_dhcp]")
                                       : fmt::format("{} since the pool is full", lease::to_string(allocation->source))));
  ex.reply.yiaddr = address;
  if (bootp) {
    ex.lease = make_lease(ex, stored, address, LeaseState::Bound, settings.lease_time);
    ex.lease_write = LeaseWrite::CommitBeforeReply;
    return Verdict::Continue;
  }
  if (stored && stored->address == address && stored->state == LeaseState::Bound && stored->expires > ex.received.now) {
    // Still bound (a reboot that starts over with DISCOVER): keep the binding, note the phase.
    Lease kept = *stored;
    kept.phase = ex.phase;
    if (ex.client.uuid) kept.uuid = ex.client.uuid;
    ex.lease = kept;
    ex.lease_write = kept == *stored ? LeaseWrite::None : LeaseWrite::Commit;
    return Verdict::Continue;
  }
  ex.lease = make_lease(ex, stored, address, LeaseState::Offered, settings.offer_hold);
  ex.lease_write = LeaseWrite::Hold;  // the offered address counts as taken at once
  return Verdict::Continue;
}

Verdict AllocateAddress::acknowledge(Exchange& ex, const std::optional<Lease>& stored, const Scope& scope) {
  const auto& allocator = scope.allocator;
  const auto& settings = scope.settings;
  const Ipv4Address wanted = *ex.requested_address;
  // A record of this client: what we bound, released, or the very address we offered. An offer
  // of another address says the client took another server's, not that its address is wrong.
  const bool known_client = stored && !stored->address.is_unspecified() &&
                            (stored->state != LeaseState::Offered || stored->address == wanted);
  if (ex.kind != RequestKind::Selecting && !known_client) {
    if (!settings.subnet.contains(wanted)) {
      make_nak(ex, fmt::format("address {} is not on this network", wanted.to_string()));
      return Verdict::Continue;
    }
    if (const auto wrong = allocator.known_wrong_for(*ex.client.mac, wanted)) {
      make_nak(ex, *wrong);
      return Verdict::Continue;
    }
    return drop(ex, fmt::format("{} for {} from a client we have no record of",
                                ex.kind == RequestKind::InitReboot ? "INIT-REBOOT" : "RENEWING/REBINDING",
                                wanted.to_string()));
  }
  // A RENEWING client renews the address it holds: ciaddr naming another (a free address of
  // another subnet, which ciaddr also selects) would move its lease there unasked.
  if (ex.kind == RequestKind::Renewing && known_client && stored->address != wanted) {
    make_nak(ex, fmt::format("address {} is not the one this client holds ({})", wanted.to_string(),
                             stored->address.to_string()));
    return Verdict::Continue;
  }
  const auto allocation = allocator.allocate(*ex.client.mac, wanted, ex.received.now);
  if (!allocation || allocation->address != wanted) {
    make_nak(ex, fmt::format("address {} is not available to this client", wanted.to_string()));
    return Verdict::Continue;
  }
  ex.reply.yiaddr = wanted;
  if (ex.kind == RequestKind::Renewing) ex.reply.ciaddr = ex.request.ciaddr;
  ex.lease = make_lease(ex, stored, wanted, LeaseState::Bound, settings.lease_time);
  ex.lease_write = LeaseWrite::CommitBeforeReply;
  return Verdict::Continue;
}

Verdict AllocateAddress::apply(Exchange& ex) {
  if (!ex.client.mac) return drop(ex, "no MAC address");
  const auto stored = leases_.find_by_mac(*ex.client.mac);
  const Scope scope = scope_of(ex);
  switch (ex.kind) {
    case RequestKind::Discover: return offer(ex, stored, false, scope);
    case RequestKind::Bootp: return offer(ex, stored, true, scope);
    case RequestKind::Selecting:
    case RequestKind::InitReboot:
    case RequestKind::Renewing: return acknowledge(ex, stored, scope);
    case RequestKind::Decline:
    case RequestKind::Release: {
      const Ipv4Address address = *ex.requested_address;
      if (!stored || stored->address != address)
        return drop(ex, fmt::format("{} for {}, which this client does not hold",
                                    ex.kind == RequestKind::Decline ? "DECLINE" : "RELEASE", address.to_string()));
      // A RELEASE of a lease that is not active (released already, expired, only offered)
      // changes nothing: no commit, no notification, however often it is repeated.
      if (ex.kind == RequestKind::Release &&
          (stored->state != LeaseState::Bound || stored->expires <= ex.received.now))
        return drop(ex, fmt::format("RELEASE for {}, whose lease is not active", address.to_string()));
      Lease changed = *stored;
      changed.updated = ex.received.now;
      if (ex.kind == RequestKind::Decline) {
        changed.state = LeaseState::Declined;  // RFC 2131 §4.3.3: the address is in use elsewhere
        changed.expires = ex.received.now + scope.settings.decline_probation;
      } else {
        changed.state = LeaseState::Released;  // RFC 2131 §4.3.4; the address stays tied to the MAC
        changed.expires = std::min(changed.expires, ex.received.now);
      }
      ex.lease = changed;
      ex.lease_write = LeaseWrite::Commit;
      return Verdict::Continue;
    }
    case RequestKind::Inform:
      ex.reply.yiaddr = Ipv4Address::any();  // RFC 2131 §4.3.5: configuration only
      // Straight to us from behind a relay, the INFORM has no giaddr: the relay this MAC's
      // active lease of that very address came through stays its router (add-network-options),
      // as for a renewal. An INFORM never sets it, so a forged one learns only what the lease says.
      if (stored && stored->state == LeaseState::Bound && stored->expires > ex.received.now &&
          stored->address == ex.request.ciaddr && ex.subnet != nullptr &&
          ex.subnet->network.contains(stored->relay_address))
        ex.inform_relay = stored->relay_address;
      return Verdict::Continue;
    case RequestKind::Unclassified: break;
    case RequestKind::ProxyDiscover:  // the proxy and boot-server pipelines have no allocate-address
    case RequestKind::ProxyRequest:
    case RequestKind::BootServerRequest: return drop(ex, "no address is given to a proxy or boot-server request");
  }
  return drop(ex, "request not classified");
}

}  // namespace netboot::dhcp
