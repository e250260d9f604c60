#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/ipv4_address.hpp"
#include "core/mac_address.hpp"
#include "core/uuid.hpp"

namespace netboot::lease {

using WallTime = std::chrono::system_clock::time_point;

/// pybootd's per-MAC boot phase: idle -> PXE (firmware asked with PXE options) -> OS
/// (the booted system asked again with plain DHCP). Stored with the lease so the
/// "served after it PXE-booted" memory survives a restart.
enum class BootPhase : std::uint8_t { Idle = 0, Pxe = 1, Os = 2 };

enum class LeaseState : std::uint8_t {
  Offered = 0,   // held for a client between OFFER and REQUEST
  Bound = 1,     // ACKed
  Released = 2,  // client sent RELEASE: the address stays tied to the MAC, reused only under pool pressure
  Declined = 3,  // client sent DECLINE: address unusable until `expires` (probation)
};

/// One address binding. The address stays tied to its MAC after expiry or release
/// (pybootd gives a client the same address back); it is reused only under pool pressure.
struct Lease {
  MacAddress mac;                // for a Declined address: the MAC that declined it
  Ipv4Address address;
  LeaseState state = LeaseState::Offered;
  WallTime expires{};            // end of validity (or of the DECLINE probation)
  WallTime updated{};            // last change, for "oldest expired first"
  std::optional<Uuid> uuid;      // PXE option 97, remembered for the OS phase
  BootPhase phase = BootPhase::Idle;
  std::string hostname;          // from the HTTP access check ("client:" line)
  std::string boot_file;         // per-client boot file ("file:" line), for TFTP [filters]
  std::string circuit_id;        // option 82.1 of the request that made it, raw bytes ("" = none; <= 255)
  std::string remote_id;         // option 82.2, likewise (RFC 3046: which port / which modem it came through)
  Ipv4Address relay_address;     // giaddr of the request that made it (0.0.0.0 = not relayed), kept by a
                                 // unicast renewal: a relayed subnet's default router when it has no gateway
  friend bool operator==(const Lease&, const Lease&) = default;
};

std::string_view to_string(LeaseState state) noexcept;
std::string_view to_string(BootPhase phase) noexcept;

}  // namespace netboot::lease
