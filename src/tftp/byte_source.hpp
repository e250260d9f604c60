#pragma once
// The seam between transfers and storage (pixiecore's Handler, with positional reads so a
// retransmission or an RFC 7440 window restart re-reads instead of buffering, and so that
// concurrent transfers of one file share one descriptor, as dnsmasq does).
#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "core/result.hpp"

namespace netboot::tftp {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  /// The size when known (tsize); a remote file without Content-Length has none.
  [[nodiscard]] virtual std::optional<std::uint64_t> size() const = 0;
  /// Reads up to `out.size()` bytes at `offset`; fewer only at the end of the data.
  /// Errc::Busy: those bytes are not there yet (a remote source still downloading): call
  /// again after the ready callback fires. Any other error is final.
  virtual Result<std::size_t> read_at(std::uint64_t offset, std::span<std::uint8_t> out) = 0;
  /// Registers who to wake when data that was Busy arrives (remote sources only).
  virtual void set_ready_callback(std::function<void()> /*on_ready*/) {}
  /// True when reads cost a system call each (a local file: pread), so that reading the
  /// next window in one go while the client acknowledges pays (wrap_for_transfer).
  [[nodiscard]] virtual bool benefits_from_read_ahead() const { return false; }
};

}  // namespace netboot::tftp
