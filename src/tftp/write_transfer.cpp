#include "tftp/write_transfer.hpp"

#include <algorithm>

namespace netboot::tftp {

WriteTransfer::WriteTransfer(std::unique_ptr<ByteSink> sink, AcceptedOptions options, RetryPolicy retry,
                             std::uint64_t max_size)
    : sink_(std::move(sink)), options_(std::move(options)), retry_(retry), max_size_(max_size) {
  if (options_.timeout_seconds) retry_.timeout = std::chrono::seconds(*options_.timeout_seconds);
  options_.block_size = std::clamp<std::uint16_t>(options_.block_size, kMinBlockSize, kMaxBlockSize);
  options_.window_size = 1;
}

WriteTransfer::~WriteTransfer() {
  // Destroyed unfinished (server stop): leave no partial file behind.
  if (sink_ && (!outcome_ || outcome_->kind != TransferOutcome::Kind::Completed)) sink_->abort();
}

TransferStatus WriteTransfer::finish(TransferOutcome::Kind kind, std::string detail) {
  if (!outcome_) outcome_ = TransferOutcome{kind, std::move(detail)};
  if (kind != TransferOutcome::Kind::Completed && sink_) sink_->abort();
  return TransferStatus::Done;
}

void WriteTransfer::send_reply(PacketBatch& out) {
  auto slot = out.prepare(kMaxDatagram);
  if (expected_ == 1 && !options_.oack.empty()) {
    out.commit(write_oack(slot, options_.oack));
  } else {
    out.commit(write_ack(slot, static_cast<std::uint16_t>((expected_ - 1) & 0xFFFF)));
  }
  ++stats_.packets_sent;
}

TransferStatus WriteTransfer::fail_with(ErrorCode code, std::string_view message, TransferOutcome::Kind kind,
                                        PacketBatch& out) {
  auto slot = out.prepare(kMaxDatagram);
  out.commit(write_error(slot, code, message));
  return finish(kind, std::string(message));
}

TransferStatus WriteTransfer::start(SteadyTime now, PacketBatch& out) {
  send_reply(out);
  deadline_ = now + retry_.timeout;
  return TransferStatus::Running;
}

TransferStatus WriteTransfer::on_packet(const TftpPacket& packet, SteadyTime now, PacketBatch& out) {
  if (done()) return TransferStatus::Done;
  if (const auto* error = std::get_if<ErrorPacket>(&packet)) {
    return finish(TransferOutcome::Kind::ClientAborted,
                  "client error " + std::to_string(static_cast<unsigned>(error->code)) + ": " + error->message);
  }
  const auto* data = std::get_if<Data>(&packet);
  if (data == nullptr || commit_due_ || committing_) return TransferStatus::Running;
  if (data->block == static_cast<std::uint16_t>((expected_ - 1) & 0xFFFF) && expected_ > 1) {
    // The client did not get our last ACK and sent the block again: acknowledge it again.
    send_reply(out);
    ++stats_.retransmissions;
    return TransferStatus::Running;
  }
  if (data->block != static_cast<std::uint16_t>(expected_ & 0xFFFF)) return TransferStatus::Running;
  if (data->payload.size() > options_.block_size) {
    return fail_with(ErrorCode::IllegalOperation, "block larger than negotiated", TransferOutcome::Kind::SourceFailed, out);
  }
  const std::uint64_t offset = (expected_ - 1) * options_.block_size;
  if (offset + data->payload.size() > max_size_) {
    return fail_with(ErrorCode::DiskFull, "upload too large", TransferOutcome::Kind::SourceFailed, out);
  }
  if (auto written = sink_->write_at(offset, data->payload); !written) {
    return fail_with(ErrorCode::DiskFull, "write failed", TransferOutcome::Kind::SourceFailed, out);
  }
  stats_.bytes = offset + data->payload.size();
  ++stats_.blocks_acked;
  ++expected_;
  retries_ = 0;
  deadline_ = now + retry_.timeout;
  if (data->payload.size() < options_.block_size) {
    commit_due_ = true;  // the final ACK once the data is on disk and in place
    return TransferStatus::Running;
  }
  send_reply(out);
  return TransferStatus::Running;
}

std::unique_ptr<ByteSink> WriteTransfer::take_sink() {
  if (!commit_due_) return nullptr;
  commit_due_ = false;
  committing_ = true;
  return std::move(sink_);
}

TransferStatus WriteTransfer::on_committed(Result<void> committed, SteadyTime now, PacketBatch& out) {
  if (done() || !committing_) return done() ? TransferStatus::Done : TransferStatus::Running;
  committing_ = false;
  deadline_ = now + retry_.timeout;
  if (!committed) {
    return committed.error().code == Errc::BadValue
               ? fail_with(ErrorCode::FileExists, "File already exists", TransferOutcome::Kind::SourceFailed, out)
               : fail_with(ErrorCode::DiskFull, "write failed", TransferOutcome::Kind::SourceFailed, out);
  }
  send_reply(out);  // the final ACK; a lost one is the client's to retry, per RFC 1350 §6
  return finish(TransferOutcome::Kind::Completed, {});
}

TransferStatus WriteTransfer::on_timeout(SteadyTime now, PacketBatch& out) {
  if (done()) return TransferStatus::Done;
  if (now < deadline_) return TransferStatus::Running;
  if (commit_due_ || committing_) {
    deadline_ = now + retry_.timeout;
    return TransferStatus::Running;
  }
  if (++retries_ > retry_.max_retries) {
    return finish(TransferOutcome::Kind::TimedOut, "no DATA " + std::to_string(expected_));
  }
  send_reply(out);
  ++stats_.retransmissions;
  deadline_ = now + retry_.timeout;
  return TransferStatus::Running;
}

TransferStatus WriteTransfer::cancel(std::string_view reason, PacketBatch& out) {
  if (done()) return TransferStatus::Done;
  return fail_with(ErrorCode::NotDefined, reason, TransferOutcome::Kind::Cancelled, out);
}

}  // namespace netboot::tftp
