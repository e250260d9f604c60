#pragma once
// The subnets this server gives addresses on ([bootp] is subnet 0, then every [subnet NAME]),
// and select_subnet(): which one a request belongs to. Pure and immutable once built (a
// reload builds a new one with its pipeline); one O(log n) index lookup per request.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "core/interval_index.hpp"
#include "core/ipv4_subnet.hpp"
#include "dhcp/dhcp_packet.hpp"
#include "dhcp/relay_agent_info.hpp"

namespace netboot::dhcp {

/// What option 3 says on a subnet.
enum class RouterPolicy : std::uint8_t {
  Fixed,          // `gateway` ([bootp]: its gateway, default the server; [subnet]: gateway =)
  None,           // set_gateway = no
  RelayOrServer,  // [subnet] without gateway: giaddr when relayed, else our address on the link
};

struct Subnet {
  std::uint32_t id = 0;          // 0: [bootp]
  std::string name;              // "" for [bootp]
  Ipv4Subnet network;
  Ipv4Address netmask;           // option 1
  RouterPolicy router_policy = RouterPolicy::Fixed;
  std::optional<Ipv4Address> gateway;
  std::vector<Ipv4Address> dns;
  std::string domain;
  std::uint32_t lease_time = 0;
  std::optional<Ipv4Address> next_server;    // siaddr of this subnet, when set
  config::BootFileTable boot_files;
  Ipv4Address server_address;    // [bootp]: the detected server address; else our first address on it, if any
  std::string interface;         // the local link: [bootp]'s detected interface, [subnet]'s interface or detected one
  [[nodiscard]] bool primary() const { return id == 0; }
};

class SubnetMap {
 public:
  /// The interface index of a name (0 = unknown): if_nametoindex in the daemon, a table in tests.
  using InterfaceIndex = std::function<unsigned(const std::string& name)>;

  /// [bootp] (subnet 0) and config.subnets. An interface `index_of` resolves selects its subnet
  /// for unrelayed requests; without one the arrival's local address does.
  explicit SubnetMap(const config::DhcpConfig& config, const InterfaceIndex& index_of = {});

  [[nodiscard]] const Subnet* containing(Ipv4Address address) const;
  [[nodiscard]] const Subnet* for_relay(Ipv4Address giaddr) const;     // [subnet] relay =
  [[nodiscard]] const Subnet* for_interface(unsigned ifindex) const;  // the link of an unrelayed request
  [[nodiscard]] bool interface_bound(const Subnet& subnet) const;     // its link is known by index
  /// One of this host's addresses on a served subnet (a REQUEST naming it is for us).
  [[nodiscard]] bool is_own_address(Ipv4Address address) const;
  /// [bootp] trusted_relays: whether a relayed datagram from `source` (its UDP source address)
  /// is believed. Without the key every source is (the pybootd-era behaviour, open to spoofing).
  [[nodiscard]] bool trusts_relay(Ipv4Address source) const;
  [[nodiscard]] bool relays_restricted() const { return !trusted_relays_.empty(); }
  [[nodiscard]] const std::vector<Subnet>& subnets() const { return subnets_; }
  /// Comparisons made by the network index (instrumentation only: the O(log n) bound).
  [[nodiscard]] std::uint64_t comparisons() const { return networks_.comparisons(); }

 private:
  std::vector<Subnet> subnets_;
  IntervalIndex networks_;
  std::vector<std::pair<Ipv4Address, std::uint32_t>> relays_;      // sorted by address
  std::vector<std::pair<unsigned, std::uint32_t>> interfaces_;     // sorted by ifindex
  std::vector<Ipv4Address> own_;                                   // sorted
  std::vector<Ipv4Subnet> trusted_relays_;                         // empty: every relay believed
};

/// Where a datagram arrived (net/'s IP_PKTINFO), as select_subnet needs it.
struct Arrival {
  Ipv4Address local_address;  // ipi_spec_dst: our address on the arrival interface
  Ipv4Address destination;    // ipi_addr: the datagram's destination (broadcast, or one of ours)
  unsigned ifindex = 0;
  Ipv4Address source;         // the datagram's UDP source address: a relay agent's own address when relayed
};

struct SubnetSelection {
  const Subnet* subnet = nullptr;        // nullptr: not ours to answer (refusal says why)
  std::string_view decided_by;           // "link selection (option 82.5)", "giaddr", "ciaddr", ...
  std::string refusal;
  bool relayed = false;                  // giaddr set: the reply goes to giaddr:67
  bool untrusted_relay = false;          // refused: relayed by a source trusted_relays does not list
  /// Option 82, parsed, from a relay that is believed (relayed, and listed when trusted_relays is
  /// set): its ids are kept with the lease and logged, its 82.11 names us. Echoed verbatim by
  /// echo-relay-agent-info whatever this says.
  std::optional<RelayAgentInfo> agent;
  bool unrelayed_agent_info = false;     // option 82 with giaddr 0 (a snooping switch, or the client): echoed only
  Ipv4Address server_id;                 // option 54 of the reply: 82.11, else the address the request reached
};

/// The subnet of a request, first hit wins (docs/plans/proxy-and-subnets.md §2.1, with the
/// trust rules of docs/security.md D1-D6):
/// - a malformed option 82 drops the request;
/// - relayed (giaddr set) from a source [bootp] trusted_relays does not list: refused
///   (untrusted_relay, logged by the service within its budget);
/// - relayed (giaddr set): giaddr, where the reply goes, must be a relay's address on a served
///   subnet (not its network or broadcast address, not ours) or listed in a `relay` key (D2,
///   D6); then option 82.5 (RFC 3527), else option 118 (RFC 3011), else the `relay` key, else
///   the subnet holding giaddr;
/// - not relayed: options 82 and 118 are never trusted (D1, no relay vouches for them; option
///   82 is echoed, RFC 3046 §2.2, but its ids are no relay's: agent stays empty);
///   a unicast to one of our addresses with ciaddr set (a relayed client renewing straight to
///   us) selects the subnet holding ciaddr; else the arrival interface's subnet, else the one
///   holding the arrival's local address. An INFORM's ciaddr must lie in the subnet chosen (D3:
///   its ACK is unicast there).
[[nodiscard]] SubnetSelection select_subnet(const DhcpPacket& request, const Arrival& arrival, const SubnetMap& map);

}  // namespace netboot::dhcp
