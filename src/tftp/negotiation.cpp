#include "tftp/negotiation.hpp"

#include <algorithm>
#include <string>

#include "core/text.hpp"

namespace netboot::tftp {

std::uint16_t max_block_size_for_mtu(unsigned mtu) noexcept {
  constexpr unsigned kOverhead = 20 + 8 + 4;
  const unsigned usable = mtu > kOverhead ? mtu - kOverhead : kMinBlockSize;
  return static_cast<std::uint16_t>(std::clamp<unsigned>(usable, kMinBlockSize, kMaxBlockSize));
}

AcceptedOptions negotiate(const std::vector<TftpOption>& requested, const NegotiationLimits& limits,
                          std::optional<std::uint64_t> file_size, TransferMode mode, bool write) {
  AcceptedOptions accepted;
  const auto block_cap = std::clamp<std::uint16_t>(limits.max_block_size, kMinBlockSize, kMaxBlockSize);
  const auto window_cap = std::max<std::uint16_t>(limits.max_window_size, 1);
  bool seen_blksize = false, seen_tsize = false, seen_timeout = false, seen_window = false;

  for (const auto& option : requested) {
    if (option.name == "blksize" && !seen_blksize) {
      seen_blksize = true;
      const auto value = parse_uint(option.value, kMinBlockSize, UINT64_MAX);
      if (!value) continue;
      accepted.block_size = static_cast<std::uint16_t>(std::min<std::uint64_t>(*value, block_cap));
      accepted.oack.push_back({"blksize", std::to_string(accepted.block_size)});
    } else if (option.name == "tsize" && !seen_tsize) {
      seen_tsize = true;
      if (mode == TransferMode::Netascii) continue;
      const auto value = parse_uint(option.value, 0, UINT64_MAX);
      if (!value) continue;
      if (write) {
        accepted.transfer_size = *value;
      } else if (file_size) {
        accepted.transfer_size = *file_size;
      } else {
        continue;
      }
      accepted.oack.push_back({"tsize", std::to_string(*accepted.transfer_size)});
    } else if (option.name == "timeout" && !seen_timeout) {
      seen_timeout = true;
      const auto value = parse_uint(option.value, 1, 255);
      // Accepted as asked or not at all (RFC 2349): above [tftp] max_timeout, not at all.
      if (!value || *value > limits.max_timeout_seconds) continue;
      accepted.timeout_seconds = static_cast<std::uint8_t>(*value);
      accepted.oack.push_back({"timeout", std::to_string(*value)});
    } else if (option.name == "windowsize" && !seen_window) {
      seen_window = true;
      if (write) continue;
      const auto value = parse_uint(option.value, 1, 65535);
      if (!value) continue;
      accepted.window_size = static_cast<std::uint16_t>(std::min<std::uint64_t>(*value, window_cap));
      accepted.oack.push_back({"windowsize", std::to_string(accepted.window_size)});
    }
  }
  return accepted;
}

}  // namespace netboot::tftp
