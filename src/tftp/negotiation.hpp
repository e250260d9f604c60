#pragma once
// RFC 2347 option negotiation: what the client asked for -> what this server accepts.
// Pure: the caller supplies the limits (MTU, configuration caps) and the file size.
#include <cstdint>
#include <optional>
#include <vector>

#include "tftp/tftp_packet.hpp"

namespace netboot::tftp {

struct NegotiationLimits {
  /// Largest block the path allows: the arrival interface's MTU minus IP/UDP/TFTP headers,
  /// further capped by [tftp] blocksize. Clamped to [8, 65464].
  std::uint16_t max_block_size = kMaxBlockSize;
  /// [tftp] max_windowsize; 1 disables RFC 7440 windowing.
  std::uint16_t max_window_size = 64;
  /// [tftp] max_timeout: a larger RFC 2349 timeout is not acknowledged.
  unsigned max_timeout_seconds = 255;
};

struct AcceptedOptions {
  std::uint16_t block_size = kDefaultBlockSize;     // RFC 2348
  std::uint16_t window_size = 1;                    // RFC 7440
  std::optional<std::uint8_t> timeout_seconds;      // RFC 2349, echoed verbatim
  std::optional<std::uint64_t> transfer_size;       // RFC 2349 tsize as answered
  /// The OACK body: accepted options only, in the client's order. Empty: no OACK, the
  /// transfer starts with DATA 1 (RFC 2347 §3: "no options accepted" means plain RFC 1350).
  std::vector<TftpOption> oack;
};

/// The MTU-derived block size cap: MTU - 20 (IPv4) - 8 (UDP) - 4 (TFTP header), clamped.
[[nodiscard]] std::uint16_t max_block_size_for_mtu(unsigned mtu) noexcept;

/// Negotiates a read (`write == false`) or write request.
/// - blksize: 8..65464, larger values are lowered to `limits.max_block_size`; below 8 or
///   non-numeric: ignored (RFC 2348 §"the server may ignore").
/// - tsize: for a read, answered with `file_size` when known (else not acknowledged); for a
///   write, the client's announced size is echoed. Not offered in netascii mode, where the
///   size on the wire differs from the file size (tftpd-hpa does the same).
/// - timeout: 1..`limits.max_timeout_seconds` (at most 255), accepted as given or not at all
///   (RFC 2349): a larger one is not acknowledged and the configured timeout applies.
/// - windowsize: 1..65535, lowered to `limits.max_window_size`; refused for writes.
/// - anything else, and repeats of an option already seen: ignored.
[[nodiscard]] AcceptedOptions negotiate(const std::vector<TftpOption>& requested, const NegotiationLimits& limits,
                                        std::optional<std::uint64_t> file_size, TransferMode mode,
                                        bool write = false);

}  // namespace netboot::tftp
