// libFuzzer target: the TFTP codec (RFC 1350, RFC 2347 OACK) and option negotiation
// (RFC 2347/2348/2349/7440). The first two bytes of the input choose the negotiation limits
// and the file size; the rest is the datagram. Invariants: no crash; what the negotiation
// accepts lies within the limits and is a subset of what was asked; a parsed request
// serializes and parses back to the same value.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_check.hpp"
#include "tftp/negotiation.hpp"
#include "tftp/tftp_packet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace netboot;
  using namespace netboot::tftp;
  std::uint8_t knobs[2] = {0, 0};
  const std::size_t skip = std::min<std::size_t>(size, 2);
  std::copy(data, data + skip, knobs);
  const ByteView datagram(data + skip, size - skip);

  (void)peek_opcode(datagram);
  const auto parsed = parse_tftp_packet(datagram);
  if (!parsed) return 0;
  const Bytes wire = serialize(*parsed);
  const auto reparsed = parse_tftp_packet(wire);
  FUZZ_CHECK(reparsed.has_value());

  const auto* request = std::get_if<Request>(&*parsed);
  if (request == nullptr) return 0;
  const auto* again = std::get_if<Request>(&*reparsed);
  FUZZ_CHECK(again != nullptr && *again == *request);
  NegotiationLimits limits;
  limits.max_block_size = max_block_size_for_mtu(576u + 64u * knobs[0]);
  limits.max_window_size = static_cast<std::uint16_t>(1 + (knobs[1] & 0x7F));
  const std::optional<std::uint64_t> file_size =
      (knobs[1] & 0x80) != 0 ? std::optional<std::uint64_t>(std::uint64_t{knobs[0]} << 24) : std::nullopt;
  const auto accepted = negotiate(request->options, limits, file_size, request->mode, request->write);
  FUZZ_CHECK(accepted.block_size >= 8 && accepted.block_size <= std::max<std::size_t>(limits.max_block_size, kDefaultBlockSize));
  FUZZ_CHECK(accepted.window_size >= 1 && accepted.window_size <= limits.max_window_size);
  FUZZ_CHECK(!accepted.timeout_seconds || *accepted.timeout_seconds >= 1);
  for (const auto& option : accepted.oack) {
    const bool asked = std::any_of(request->options.begin(), request->options.end(),
                                   [&](const TftpOption& o) { return o.name == option.name; });
    FUZZ_CHECK(asked);
  }
  // The OACK must fit a datagram the client can take (RFC 2347: at most 512 bytes unless
  // blksize was negotiated); the caller's buffer is a full datagram.
  std::uint8_t out[65536];
  (void)write_oack(out, accepted.oack);
  return 0;
}
