#pragma once
// DHCP option 82, relay agent information (RFC 3046): what a relay adds to a request it
// forwards. Pure: parse_relay_agent_info() reads the sub-options the server uses; the option
// itself is echoed byte for byte in every reply (RFC 3046 §2.2), never rebuilt from these.
#include <cstdint>
#include <optional>
#include <string>

#include "core/byte_reader.hpp"
#include "core/ipv4_address.hpp"
#include "core/result.hpp"

namespace netboot::dhcp {

/// The longest option 82 accepted (the value, all RFC 3396 instances concatenated). A real relay
/// writes a few dozen bytes; the echo of a longer one would be a forger's payload reflected to
/// giaddr, so such a request is refused like a malformed one.
inline constexpr std::size_t kMaxRelayAgentInfo = 1024;

struct RelayAgentInfo {
  std::optional<Bytes> circuit_id;                // sub-option 1: the relay's port / VLAN / interface
  std::optional<Bytes> remote_id;                 // sub-option 2: the remote host (modem, switch)
  std::optional<Ipv4Address> link_selection;      // sub-option 5 (RFC 3527): the client's link
  std::optional<Ipv4Address> server_id_override;  // sub-option 11 (RFC 5107): option 54 to send
  friend bool operator==(const RelayAgentInfo&, const RelayAgentInfo&) = default;
};

/// Walks the sub-options (code, length, data). Errc::BadLength when the option is longer than
/// kMaxRelayAgentInfo or a sub-option runs past the end,
/// or when sub-option 5 or 11 is not 4 bytes long: a relay that wrote that is not to be
/// trusted with the link or the server identifier, so the request is dropped. Unknown
/// sub-options are skipped; a repeated one keeps its last value.
[[nodiscard]] Result<RelayAgentInfo> parse_relay_agent_info(ByteView option);

/// Circuit-id or remote-id for a log line: printable ASCII as text, anything else as hex
/// (aa:bb:...), at most 64 characters (then "..."); core's printable_id, which the lease
/// listing uses too. A relay or a forged request chooses these bytes.
[[nodiscard]] std::string agent_id_text(std::string_view id);

}  // namespace netboot::dhcp
