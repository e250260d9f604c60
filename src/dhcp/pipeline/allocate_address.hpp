#pragma once
#include <chrono>

#include "core/lease_defaults.hpp"
#include "core/ipv4_subnet.hpp"
#include "dhcp/pipeline/step.hpp"
#include "lease/address_allocator.hpp"
#include "lease/lease_store.hpp"
#include "lease/pool_set.hpp"

namespace netboot::dhcp {

struct AllocationSettings {
  std::chrono::seconds lease_time = kDefaultLeaseTime;  // [bootp] lease_time
  std::chrono::seconds offer_hold{120};           // how long an OFFER keeps its address
  std::chrono::seconds decline_probation{86400};  // a DECLINEd address stays unused (Kea's default)
  Ipv4Subnet subnet;                              // the served subnet (default: every address)
};

/// Decides the lease (RFC 2131 §4.3) and writes it into ex.lease / ex.lease_write; the
/// service commits it (LeaseStore::commit) and, for an ACK, sends the reply from the durable
/// completion. Reads the store and the allocator, changes neither.
/// - DISCOVER: the allocator's address (option 50 as a hint) as an Offered lease; a client
///   already Bound to that address keeps its Bound record. Nothing free: dropped.
/// - REQUEST: ACK when the allocator would give this client exactly the address it asks for
///   (its own lease, its reservation, or a free pool address), else NAK. INIT-REBOOT, RENEWING
///   or REBINDING from a client we have no record of (no record, or only an offer of another
///   address, which it did not take): NAK only an address known to be wrong for it (off the
///   subnet, unusable, reserved for or recorded for another MAC), else silent (§4.3.2): it may
///   be another server's client.
/// - BOOTP: like DISCOVER, but Bound at once.
/// - DECLINE: the client's address goes on probation. RELEASE: the lease is Released (the
///   address stays tied to the MAC). Either for an address the client does not hold: dropped.
/// - INFORM: no lease, no yiaddr.
class AllocateAddress final : public Step {
 public:
  AllocateAddress(const lease::LeaseStore& leases, const lease::AddressAllocator& allocator,
                  AllocationSettings settings = {})
      : leases_(leases), allocator_(allocator), settings_(settings) {}
  /// Many subnets: the allocator of ex.subnet (PoolSet, index = subnet id) and that subnet's
  /// network and lease_time; subnet 0 ([bootp]) uses `settings`.
  AllocateAddress(const lease::LeaseStore& leases, const lease::PoolSet& pools, AllocationSettings settings = {})
      : leases_(leases), allocator_(pools.for_subnet(0)), pools_(&pools), settings_(settings) {}
  [[nodiscard]] std::string_view name() const override { return "allocate-address"; }
  Verdict apply(Exchange& ex) override;

 private:
  [[nodiscard]] lease::Lease make_lease(const Exchange& ex, const std::optional<lease::Lease>& stored,
                                        Ipv4Address address, lease::LeaseState state,
                                        std::chrono::seconds validity) const;
  /// What one exchange allocates from: its subnet's allocator and settings.
  struct Scope {
    const lease::AddressAllocator& allocator;
    AllocationSettings settings;
  };
  [[nodiscard]] Scope scope_of(const Exchange& ex) const;
  Verdict offer(Exchange& ex, const std::optional<lease::Lease>& stored, bool bootp, const Scope& scope);
  Verdict acknowledge(Exchange& ex, const std::optional<lease::Lease>& stored, const Scope& scope);

  const lease::LeaseStore& leases_;
  const lease::AddressAllocator& allocator_;
  const lease::PoolSet* pools_ = nullptr;
  AllocationSettings settings_;
};

}  // namespace netboot::dhcp
