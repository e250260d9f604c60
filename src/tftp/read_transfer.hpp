#pragma once
// One RRQ as a state machine: events and the time come in, datagrams go out (in a
// PacketBatch the caller sends right away). No sockets, no clock.
//
// RFC 1350 lock-step is the window-size-1 case of RFC 7440: the server sends a window of
// blocks, the client ACKs the last block it received in order. An ACK for the last block of
// the window opens the next window; an ACK inside the window restarts from the block after
// it (RFC 7440 §4); an ACK for the block before the window is a duplicate and is ignored, so
// a duplicated ACK never duplicates DATA (the Sorcerer's Apprentice bug, RFC 1123 §4.2.3.1).
// Block numbers are 16-bit on the wire and wrap to 0 after 65535; internally they are 64-bit.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "tftp/byte_source.hpp"
#include "tftp/negotiation.hpp"
#include "tftp/packet_batch.hpp"
#include "tftp/tftp_packet.hpp"

namespace netboot::tftp {

struct RetryPolicy {
  Duration timeout = std::chrono::seconds(2);  // [tftp] timeout, or the negotiated one
  unsigned max_retries = 5;                    // [tftp] retries: timeouts in a row before giving up
};

enum class TransferStatus : std::uint8_t { Running, Done };

struct TransferOutcome {
  enum class Kind : std::uint8_t {
    Completed,      // the last block was acknowledged
    ClientAborted,  // the client sent ERROR (e.g. ERROR 8 after a UEFI tsize probe)
    TimedOut,       // no progress after the allowed retries
    SourceFailed,   // the file could not be read; the client got an ERROR
    Cancelled,      // the server stopped; the client got an ERROR
  };
  Kind kind = Kind::Completed;
  std::string detail;
};

std::string_view to_string(TransferOutcome::Kind kind) noexcept;

struct TransferStats {
  std::uint64_t bytes = 0;            // payload bytes acknowledged by the client
  std::uint64_t packets_sent = 0;     // DATA and OACK, first sends and resends
  std::uint64_t retransmissions = 0;  // resent DATA/OACK packets (timeouts and window restarts)
  std::uint64_t blocks_acked = 0;
};

class ReadTransfer {
 public:
  ReadTransfer(std::shared_ptr<ByteSource> source, AcceptedOptions options, RetryPolicy retry);

  /// Sends the OACK (when options were accepted) or the first window of DATA.
  TransferStatus start(SteadyTime now, PacketBatch& out);
  /// A packet from the client's TID (the shell filters strangers).
  TransferStatus on_packet(const TftpPacket& packet, SteadyTime now, PacketBatch& out);
  /// Fast path for the common case, equivalent to on_packet(Ack{block}).
  TransferStatus on_ack(std::uint16_t block, SteadyTime now, PacketBatch& out);
  /// Call when now >= deadline(): resends the OACK or the window, or gives up.
  TransferStatus on_timeout(SteadyTime now, PacketBatch& out);
  /// The source reported data that was Busy is now readable: continue the window.
  TransferStatus on_source_ready(SteadyTime now, PacketBatch& out);
  /// Server shutdown: an ERROR for the client, then Done.
  TransferStatus cancel(std::string_view reason, PacketBatch& out);

  [[nodiscard]] SteadyTime deadline() const noexcept { return deadline_; }
  [[nodiscard]] bool done() const noexcept { return outcome_.has_value(); }
  [[nodiscard]] const std::optional<TransferOutcome>& outcome() const noexcept { return outcome_; }
  [[nodiscard]] const TransferStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const AcceptedOptions& options() const noexcept { return options_; }
  /// Where the window the next ACK opens starts, so a shell can read it ahead; nullopt when
  /// no further block is due (done, the last block already sent, a window still being filled
  /// from a slow source) or the client has not acknowledged anything yet.
  [[nodiscard]] std::optional<std::uint64_t> next_window_offset() const noexcept;
  /// Builds the datagrams of the window the next ACK opens (the next_window_offset() one)
  /// while the client is busy acknowledging the current one; when that ACK comes they are
  /// handed out as they are, so no file read or copy sits on the round trip. Anything else
  /// (a partial ACK, a timeout) discards them. A source that fails or is Busy leaves none.
  void prepare_next_window();
  /// The client showed it is still there other than by an ACK this transfer counts (a
  /// repeated RRQ on the listening port). A duplicate ACK counts the same way.
  void note_client_alive() noexcept { client_heard_ = true; }
  /// Waiting for the source (remote root) rather than for the client.
  [[nodiscard]] bool waiting_for_source() const noexcept { return waiting_for_source_; }
  /// The client has acknowledged something (the OACK or a block): only then is a window
  /// built ahead, so a request from a forged address costs no window of memory.
  [[nodiscard]] bool acknowledged() const noexcept { return acknowledged_; }
  /// After the shell sent a batch that was a window built ahead: takes the transfer's own
  /// buffer back from `sent` (the batch swapped them), so each transfer keeps one buffer sized
  /// for its own window and the shell's batch its own.
  void reclaim_buffer(PacketBatch& sent) noexcept;
  /// Bytes a transfer building windows ahead holds: one window of datagrams.
  [[nodiscard]] std::size_t window_bytes() const noexcept {
    return std::size_t{options_.window_size} * (kHeaderSize + options_.block_size);
  }

 private:
  TransferStatus send_window(std::uint64_t from, SteadyTime now, PacketBatch& out);
  TransferStatus fill_window(PacketBatch& out);
  /// Bookkeeping for block next_ just put in a batch with `payload` bytes.
  void note_sent(std::size_t payload);
  TransferStatus finish(TransferOutcome::Kind kind, std::string detail);
  /// How many bytes block `block` should hold: a block, or what is left of the size announced
  /// (a file grown since it was opened is served as it was).
  [[nodiscard]] std::size_t block_length(std::uint64_t block) const noexcept;
  /// A read that came back shorter than block_length(): the file shrank under the transfer.
  TransferStatus fail_shrunk(std::uint64_t block, std::size_t got, PacketBatch& out);
  void send_oack(PacketBatch& out);

  std::shared_ptr<ByteSource> source_;
  AcceptedOptions options_;
  RetryPolicy retry_;
  std::uint64_t base_ = 1;        // first block not yet acknowledged
  std::uint64_t next_ = 1;        // next block to send in the current window
  std::uint64_t window_end_ = 0;  // last block of the current window
  std::uint64_t high_water_ = 0;  // highest block sent so far: anything below is a resend
  std::optional<std::uint64_t> last_block_;  // the short (final) block, once read
  std::size_t last_payload_ = 0;             // its payload size
  std::optional<std::uint64_t> size_;  // the size announced (tsize), when the source knows it
  bool oack_pending_ = false;
  bool acknowledged_ = false;
  bool prepared_lent_ = false;  // prepared_ holds the shell's buffer, swapped out with a window
  bool waiting_for_source_ = false;
  bool client_heard_ = false;  // since the last timeout, while waiting for the source
  unsigned retries_ = 0;
  SteadyTime deadline_{};
  PacketBatch prepared_;              // the next window, built ahead (prepare_next_window)
  std::uint64_t prepared_from_ = 0;   // its first block; 0: none
  TransferStats stats_;
  std::optional<TransferOutcome> outcome_;
};

}  // namespace netboot::tftp
