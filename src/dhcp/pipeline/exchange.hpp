#pragma once
// Everything one request and its reply need, shared by the pipeline steps (Kea's packet
// context). The request is const; steps write the reply draft and the decisions below.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/ipv4_address.hpp"
#include "dhcp/boot_event.hpp"
#include "dhcp/dhcp_packet.hpp"
#include "dhcp/pipeline/verdict.hpp"
#include "dhcp/pxe.hpp"
#include "dhcp/relay_agent_info.hpp"
#include "dhcp/subnet_map.hpp"
#include "lease/lease.hpp"

namespace netboot::dhcp {

/// Where and when a datagram arrived (recvmsg + IP_PKTINFO in net/).
struct PacketInfo {
  UdpEndpoint peer;            // source address and port
  Ipv4Address local_address;   // the address of the arrival interface (ipi_spec_dst)
  unsigned ifindex = 0;        // the arrival interface
  WallTime now{};              // wall clock: leases are stored in wall time
  std::uint16_t local_port = 0;  // the port it arrived on (67, or the PXE boot server's 4011)
  Ipv4Address destination;     // the datagram's destination (ipi_addr): broadcast, or one of our addresses
};

/// RFC 2131 §4.3 reading of the request, decided by ClassifyRequest.
enum class RequestKind : std::uint8_t {
  Unclassified,
  Discover,
  Selecting,    // REQUEST with our server identifier, after an OFFER
  InitReboot,   // REQUEST with option 50, no server identifier, no ciaddr
  Renewing,     // REQUEST with ciaddr (RENEWING unicast or REBINDING broadcast)
  Decline,
  Release,
  Inform,
  Bootp,        // RFC 951 request, no option 53
  ProxyDiscover,      // proxy mode, port 67: a DISCOVER, answered by an OFFER without address
  ProxyRequest,       // proxy mode, port 67: a REQUEST naming us (option 54), answered like 4011
  BootServerRequest,  // port 4011: a REQUEST (or INFORM) from a client that has its address
};
std::string_view to_string(RequestKind kind) noexcept;

/// What the service does with Exchange::lease after a Continue.
enum class LeaseWrite : std::uint8_t {
  None,
  Hold,               // LeaseStore::hold: taken at once, not durable; the reply leaves at once (OFFER)
  Commit,             // commit; the reply (if any) may leave at once (RELEASE, DECLINE, a phase note)
  CommitBeforeReply,  // commit, and send the reply only from the durable completion (ACK)
};
std::string_view to_string(LeaseWrite write) noexcept;

/// The reply skeleton RFC 2131 table 3 asks for: op BOOTREPLY, htype/hlen/chaddr, xid,
/// flags and giaddr copied, everything else empty; no message type yet. A request without
/// the magic cookie gets a cookie-less (RFC 951) reply.
[[nodiscard]] DhcpPacket make_reply_draft(const DhcpPacket& request);

struct Exchange {
  Exchange(DhcpPacket request_in, PacketInfo received_in)
      : request(std::move(request_in)), received(received_in), reply(make_reply_draft(request)) {}

  const DhcpPacket request;            // as received; steps read it, never write it
  PacketInfo received;
  const Subnet* subnet = nullptr;       // SelectSubnet: the subnet served (its settings); null without that step
  const SubnetMap* subnet_map = nullptr;         // SelectSubnet: which addresses are ours (option 54 checks)
  std::optional<RelayAgentInfo> relay_agent;     // SelectSubnet: option 82 of a believed relay, parsed
  bool unrelayed_agent_info = false;             // SelectSubnet: option 82 without giaddr (echoed, not believed)
  ClientIdentity client;               // IdentifyClient
  RequestKind kind = RequestKind::Unclassified;  // ClassifyRequest
  std::optional<Ipv4Address> requested_address;  // ClassifyRequest: option 50 or ciaddr
  Ipv4Address server_address;          // ClassifyRequest: our identifier (option 54) for this reply
  lease::BootPhase phase = lease::BootPhase::Idle;  // TrackBootPhase: the phase of this request
  PxeReply pxe_reply = PxeReply::Lease;            // which PXE options the reply carries (the classify steps)
  std::optional<std::string> assigned_boot_file;   // remote access check ("file:" line)
  std::optional<std::string> assigned_hostname;    // remote access check ("client:" line)
  DhcpPacket reply;                    // the draft
  bool send_reply = true;              // false for RELEASE and DECLINE (no answer, lease still written)
  bool force_broadcast = false;        // ForceBroadcast: pass to choose_reply_destination
  std::optional<lease::Lease> lease;   // AllocateAddress: the record to write
  Ipv4Address inform_relay;            // AllocateAddress, INFORM only: the relay of the client's active lease
                                       // on ciaddr (0.0.0.0: none); the INFORM writes no lease
  LeaseWrite lease_write = LeaseWrite::None;
  std::vector<BootEvent> events;       // RecordEvents
  std::size_t next_step = 0;           // where run() resumes (after Park)
  std::string drop_reason;             // set by the step that dropped
  bool drop_is_warning = false;        // the operator must act (pool exhausted), not a routine refusal
  bool drop_is_debug = false;          // routine and frequent (a laptop's DHCP seen by a proxy): debug only
  bool boot_file_size_awaited = false; // AwaitBootFileSize parked this exchange once already
  std::vector<std::string> notes;      // decisions worth an info line (an expired lease reused, ...)
  std::string_view dropped_by;         // that step's name

  [[nodiscard]] bool is_nak() const { return reply.message_type == MessageType::Nak; }
  /// Steps that fill in reply content skip exchanges that send none, or a NAK.
  [[nodiscard]] bool builds_reply() const { return send_reply && !is_nak(); }
};

/// Records the reason and returns Verdict::Drop: `return drop(ex, "no free address");`
Verdict drop(Exchange& ex, std::string reason);
/// The same, logged at debug only: what every non-PXE machine on a proxied LAN sends.
Verdict drop_quietly(Exchange& ex, std::string reason);

/// Turns the draft into a DHCPNAK (RFC 2131 table 3): no addresses, no file or sname, only
/// 53, 54, 56 (`message`) and 61; broadcast bit set when it goes through a relay (§4.3.2).
void make_nak(Exchange& ex, std::string_view message);

}  // namespace netboot::dhcp
