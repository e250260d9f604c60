#include "tftp/read_transfer.hpp"

#include <algorithm>
#include <utility>

namespace netboot::tftp {

std::string_view to_string(TransferOutcome::Kind kind) noexcept {
  switch (kind) {
    case TransferOutcome::Kind::Completed: return "completed";
    case TransferOutcome::Kind::ClientAborted: return "aborted by client";
    case TransferOutcome::Kind::TimedOut: return "timed out";
    case TransferOutcome::Kind::SourceFailed: return "read failed";
    case TransferOutcome::Kind::Cancelled: return "cancelled";
  }
  return "?";
}

ReadTransfer::ReadTransfer(std::shared_ptr<ByteSource> source, AcceptedOptions options, RetryPolicy retry)
    : source_(std::move(source)), options_(std::move(options)), retry_(retry), size_(source_->size()) {
  if (options_.timeout_seconds) retry_.timeout = std::chrono::seconds(*options_.timeout_seconds);
  options_.block_size = std::clamp<std::uint16_t>(options_.block_size, kMinBlockSize, kMaxBlockSize);
  options_.window_size = std::max<std::uint16_t>(options_.window_size, 1);
}

TransferStatus ReadTransfer::finish(TransferOutcome::Kind kind, std::string detail) {
  if (!outcome_) outcome_ = TransferOutcome{kind, std::move(detail)};
  waiting_for_source_ = false;
  return TransferStatus::Done;
}

void ReadTransfer::send_oack(PacketBatch& out) {
  auto slot = out.prepare(kMaxDatagram);
  out.commit(write_oack(slot, options_.oack));
  ++stats_.packets_sent;
}

TransferStatus ReadTransfer::start(SteadyTime now, PacketBatch& out) {
  if (!options_.oack.empty()) {
    oack_pending_ = true;
    send_oack(out);
    deadline_ = now + retry_.timeout;
    return TransferStatus::Running;
  }
  return send_window(1, now, out);
}

TransferStatus ReadTransfer::send_window(std::uint64_t from, SteadyTime now, PacketBatch& out) {
  next_ = from;
  window_end_ = from + options_.window_size - 1;
  if (last_block_) window_end_ = std::min(window_end_, *last_block_);
  deadline_ = now + retry_.timeout;
  // (More datagrams than the window holds: the file changed size meanwhile. Read again.)
  const bool use_prepared = prepared_from_ == from && out.empty() && !prepared_.empty() &&
                            prepared_.size() <= window_end_ - from + 1;
  prepared_from_ = 0;
  if (!use_prepared) {
    prepared_.clear();
    return fill_window(out);
  }
  waiting_for_source_ = false;
  out.swap(prepared_);
  prepared_.clear();
  prepared_lent_ = true;
  for (std::size_t i = 0; i < out.size(); ++i) note_sent(out[i].size() - kHeaderSize);
  return TransferStatus::Running;
}

void ReadTransfer::reclaim_buffer(PacketBatch& sent) noexcept {
  if (!prepared_lent_) return;
  prepared_lent_ = false;
  sent.clear();
  prepared_.clear();
  prepared_.swap(sent);
}

std::size_t ReadTransfer::block_length(std::uint64_t block) const noexcept {
  const std::size_t block_size = options_.block_size;
  if (!size_) return block_size;
  const std::uint64_t offset = (block - 1) * block_size;
  return offset >= *size_ ? 0 : static_cast<std::size_t>(std::min<std::uint64_t>(block_size, *size_ - offset));
}

TransferStatus ReadTransfer::fail_shrunk(std::uint64_t block, std::size_t got, PacketBatch& out) {
  auto error_slot = out.prepare(kMaxDatagram);
  out.commit(write_error(error_slot, ErrorCode::NotDefined, "file changed during transfer"));
  // A read that returned some bytes ended at the end of the file; one that returned none
  // only says that the file ends there or before.
  return finish(TransferOutcome::Kind::SourceFailed,
                "file shrank during the transfer to " + std::to_string((block - 1) * options_.block_size + got) +
                    (got > 0 ? " bytes" : " bytes or fewer") + " where " + std::to_string(*size_) +
                    " were announced");
}

void ReadTransfer::prepare_next_window() {
  const bool due = next_window_offset().has_value();
  const std::uint64_t from = oack_pending_ ? 1 : window_end_ + 1;
  if (due && prepared_from_ == from) return;  // already built (the step was a duplicate ACK)
  prepared_.clear();
  prepared_from_ = 0;
  if (!due) return;
  const std::size_t block_size = options_.block_size;
  prepared_.reserve(window_bytes(), options_.window_size);
  for (std::uint64_t block = from; block < from + options_.window_size; ++block) {
    const std::size_t wanted = block_length(block);
    auto slot = prepared_.prepare(kHeaderSize + block_size);
    write_data_header(slot, static_cast<std::uint16_t>(block & 0xFFFF));
    auto got = source_->read_at((block - 1) * block_size, slot.subspan(kHeaderSize, wanted));
    // Busy, failed or short (the file shrank): the window is read when it is due, and the
    // error seen and answered then.
    if (!got || (size_ && *got < wanted)) {
      prepared_.clear();
      return;
    }
    prepared_.commit(kHeaderSize + *got);
    if (*got < block_size) break;  // the final block
  }
  prepared_from_ = from;
}

void ReadTransfer::note_sent(std::size_t payload) {
  ++stats_.packets_sent;
  if (next_ <= high_water_) {
    ++stats_.retransmissions;
  } else {
    high_water_ = next_;
  }
  if (payload < options_.block_size) {
    // The final block (empty when the size is a multiple of the block size, RFC 1350 §6).
    last_block_ = next_;
    last_payload_ = payload;
    window_end_ = next_;
  }
  ++next_;
}

TransferStatus ReadTransfer::fill_window(PacketBatch& out) {
  waiting_for_source_ = false;
  const std::size_t block_size = options_.block_size;
  while (next_ <= window_end_) {
    const std::size_t wanted = block_length(next_);
    auto slot = out.prepare(kHeaderSize + block_size);
    write_data_header(slot, static_cast<std::uint16_t>(next_ & 0xFFFF));
    const std::uint64_t offset = (next_ - 1) * block_size;
    auto got = source_->read_at(offset, slot.subspan(kHeaderSize, wanted));
    if (!got) {
      if (got.error().code == Errc::Busy) {
        // Remote data not here yet: send what we have, continue on on_source_ready().
        waiting_for_source_ = true;
        return TransferStatus::Running;
      }
      auto error_slot = out.prepare(kMaxDatagram);
      out.commit(write_error(error_slot, ErrorCode::NotDefined, "read error"));
      return finish(TransferOutcome::Kind::SourceFailed, got.error().detail);
    }
    if (size_ && *got < wanted) {
      // Shorter than announced: ending with this block would look like a complete file.
      return fail_shrunk(next_, *got, out);
    }
    out.commit(kHeaderSize + *got);
    note_sent(*got);
  }
  return TransferStatus::Running;
}

TransferStatus ReadTransfer::on_ack(std::uint16_t block, SteadyTime now, PacketBatch& out) {
  if (done()) return TransferStatus::Done;
  if (oack_pending_) {
    if (block != 0) return TransferStatus::Running;  // stray: only ACK 0 acknowledges an OACK
    oack_pending_ = false;
    acknowledged_ = true;
    retries_ = 0;
    return send_window(1, now, out);
  }
  // Map the 16-bit number into [base_ - 1, next_ - 1], the only blocks an ACK can name.
  const std::uint64_t floor = base_ - 1;
  const std::uint64_t distance = static_cast<std::uint16_t>(block - static_cast<std::uint16_t>(floor & 0xFFFF));
  const std::uint64_t acked = floor + distance;
  if (distance == 0 || acked >= next_) {  // duplicate or stale: ignore, but the client is there
    client_heard_ = true;
    return TransferStatus::Running;
  }
  stats_.blocks_acked += acked - floor;
  acknowledged_ = true;
  base_ = acked + 1;
  retries_ = 0;
  if (last_block_ && acked == *last_block_) {
    // Every block but the last was full.
    stats_.bytes = (acked - 1) * options_.block_size + last_payload_;
    return finish(TransferOutcome::Kind::Completed, {});
  }
  stats_.bytes = acked * options_.block_size;
  // Whole window acknowledged: the next window. Partial: restart after the ACKed block.
  return send_window(base_, now, out);
}

std::optional<std::uint64_t> ReadTransfer::next_window_offset() const noexcept {
  if (done() || waiting_for_source_ || !acknowledged_) return std::nullopt;
  if (next_ <= window_end_) return std::nullopt;
  if (last_block_ && window_end_ >= *last_block_) return std::nullopt;
  return window_end_ * options_.block_size;  // block window_end_ + 1 starts here
}

TransferStatus ReadTransfer::on_packet(const TftpPacket& packet, SteadyTime now, PacketBatch& out) {
  if (done()) return TransferStatus::Done;
  if (const auto* ack = std::get_if<Ack>(&packet)) return on_ack(ack->block, now, out);
  if (const auto* error = std::get_if<ErrorPacket>(&packet)) {
    // RFC 2347: a client that dislikes the OACK answers ERROR 8; UEFI does that on purpose
    // after a tsize-only probe. Either way, no reply to an ERROR (RFC 1350 §7).
    return finish(TransferOutcome::Kind::ClientAborted,
                  "client error " + std::to_string(static_cast<unsigned>(error->code)) + ": " + error->message);
  }
  return TransferStatus::Running;  // DATA, OACK or a repeated RRQ on our TID: ignore
}

TransferStatus ReadTransfer::on_timeout(SteadyTime now, PacketBatch& out) {
  if (done()) return TransferStatus::Done;
  if (now < deadline_) return TransferStatus::Running;
  if (waiting_for_source_ && next_ == base_) {
    // Nothing outstanding: the client waits for us, and shows it by repeating its last ACK
    // (or RRQ) when its own timer fires. A client heard from since the last timeout keeps
    // the transfer waiting (the source enforces its own rate and deadline); one silent for
    // the whole retry budget is gone, whatever the source is doing.
    deadline_ = now + retry_.timeout;
    if (std::exchange(client_heard_, false)) {
      retries_ = 0;
      return TransferStatus::Running;
    }
    if (++retries_ > retry_.max_retries)
      return finish(TransferOutcome::Kind::TimedOut, "client gone while waiting for the source");
    return TransferStatus::Running;
  }
  if (++retries_ > retry_.max_retries) {
    return finish(TransferOutcome::Kind::TimedOut,
                  oack_pending_ ? "no ACK for the OACK" : "no ACK for block " + std::to_string(base_));
  }
  if (oack_pending_) {
    send_oack(out);
    ++stats_.retransmissions;
    deadline_ = now + retry_.timeout;
    return TransferStatus::Running;
  }
  return send_window(base_, now, out);
}

TransferStatus ReadTransfer::on_source_ready(SteadyTime now, PacketBatch& out) {
  if (done()) return TransferStatus::Done;
  if (!waiting_for_source_ || oack_pending_) return TransferStatus::Running;
  const bool window_unsent = next_ == base_;
  const auto status = fill_window(out);
  // The deadline moves only when the window's first block goes out: a source that trickles
  // without completing a block must not keep a silent client's transfer alive.
  if (window_unsent && next_ != base_) deadline_ = now + retry_.timeout;
  return status;
}

TransferStatus ReadTransfer::cancel(std::string_view reason, PacketBatch& out) {
  if (done()) return TransferStatus::Done;
  auto slot = out.prepare(kMaxDatagram);
  out.commit(write_error(slot, ErrorCode::NotDefined, reason));
  return finish(TransferOutcome::Kind::Cancelled, std::string(reason));
}

}  // namespace netboot::tftp
