#pragma once
// One WRQ (upload, only when [tftp] writable is on) as a state machine: DATA in, ACKs out.
// The receiver side of RFC 1350: each DATA n in order is written and acknowledged; a
// repeated DATA n-1 (our ACK was lost) is acknowledged again; a short block ends the upload.
#include <cstdint>
#include <memory>
#include <optional>

#include "core/clock.hpp"
#include "tftp/negotiation.hpp"
#include "tftp/packet_batch.hpp"
#include "tftp/read_transfer.hpp"
#include "tftp/tftp_packet.hpp"

namespace netboot::tftp {

/// Where an upload goes. The file appears complete or not at all: commit() makes it durable
/// and visible (it may block on the disk: called off the event loop), abort() removes it.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Result<void> write_at(std::uint64_t offset, ByteView data) = 0;
  virtual Result<void> commit() = 0;
  virtual void abort() = 0;
};

class WriteTransfer {
 public:
  /// `max_size`: uploads growing past it get ERROR 3 (disk full) and are removed.
  WriteTransfer(std::unique_ptr<ByteSink> sink, AcceptedOptions options, RetryPolicy retry, std::uint64_t max_size);
  ~WriteTransfer();
  WriteTransfer(WriteTransfer&&) = default;
  WriteTransfer& operator=(WriteTransfer&&) = delete;

  /// OACK when options were accepted, else ACK 0.
  TransferStatus start(SteadyTime now, PacketBatch& out);
  TransferStatus on_packet(const TftpPacket& packet, SteadyTime now, PacketBatch& out);
  TransferStatus on_timeout(SteadyTime now, PacketBatch& out);
  TransferStatus cancel(std::string_view reason, PacketBatch& out);
  /// The last block is written: the sink must now be committed (synced, put in place) off
  /// the event loop. take_sink() hands it out; on_committed() reports the result.
  /// Until then the final ACK waits: the client repeats its last block, which is ignored, and
  /// timeouts neither resend nor give up (the disk, not the client, is late).
  [[nodiscard]] bool commit_due() const noexcept { return commit_due_; }
  std::unique_ptr<ByteSink> take_sink();
  /// Success: the final ACK. Errc::BadValue (the name was taken meanwhile): ERROR 6; any
  /// other failure: ERROR 3. The sink has already removed what it wrote.
  TransferStatus on_committed(Result<void> committed, SteadyTime now, PacketBatch& out);

  [[nodiscard]] SteadyTime deadline() const noexcept { return deadline_; }
  [[nodiscard]] bool done() const noexcept { return outcome_.has_value(); }
  [[nodiscard]] const std::optional<TransferOutcome>& outcome() const noexcept { return outcome_; }
  [[nodiscard]] const TransferStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const AcceptedOptions& options() const noexcept { return options_; }

 private:
  void send_reply(PacketBatch& out);  // the last ACK, or the OACK before DATA 1
  TransferStatus fail_with(ErrorCode code, std::string_view message, TransferOutcome::Kind kind, PacketBatch& out);
  TransferStatus finish(TransferOutcome::Kind kind, std::string detail);

  std::unique_ptr<ByteSink> sink_;
  AcceptedOptions options_;
  RetryPolicy retry_;
  std::uint64_t max_size_;
  std::uint64_t expected_ = 1;  // next DATA block wanted
  unsigned retries_ = 0;
  bool commit_due_ = false;  // the last block is written; the sink waits to be taken
  bool committing_ = false;  // taken: waiting for on_committed()
  SteadyTime deadline_{};
  TransferStats stats_;
  std::optional<TransferOutcome> outcome_;
};

}  // namespace netboot::tftp
