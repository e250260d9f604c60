#include "net/tftp_session.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/text.hpp"
#include "net/limited_log.hpp"
#include "tftp/negotiation.hpp"
#include "tftp/refusal.hpp"
#include "tftp/transfer_source.hpp"

namespace netboot::net {
namespace {

constexpr std::size_t kMaxBatch = 64;  // datagrams per sendmmsg call
// What a read transfer receives: ACK (4 bytes) or ERROR (a message of up to a block); a
// longer datagram is truncated, which no valid ACK or ERROR needs.
constexpr std::size_t kMaxControlDatagram = 516;
// Read ahead at most this much of the next window (at least one block): 44 blocks of 1468.
constexpr std::size_t kReadAheadBytes = 64 * 1024;
// ... for windows of at least this much, where one pread replaces one per block. (Every
// window, lock-step included, is built ahead as datagrams: ReadTransfer::prepare_next_window.)
constexpr std::size_t kReadAheadMinimum = 16 * 1024;

sockaddr_in to_sockaddr(const UdpEndpoint& endpoint) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(endpoint.port);
  sa.sin_addr.s_addr = htonl(endpoint.address.to_host_order());
  return sa;
}

// Non-blocking: a full socket buffer drops the datagram, which the retransmission covers.
// Returns false only for EMSGSIZE (a datagram with DF over the route's MTU).
bool send_one(int fd, ByteView datagram, const sockaddr_in& to) {
  const auto sent =
      ::sendto(fd, datagram.data(), datagram.size(), MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  return sent >= 0 || errno != EMSGSIZE;
}

}  // namespace

TftpSession::TftpSession(TftpSessionContext& context, UdpEndpoint client, Ipv4Address local_address,
                         tftp::Request request, std::uint16_t max_block_size, bool on_link)
    : context_(context),
      client_(client),
      client_endpoint_(asio::ip::address_v4(client.address.to_host_order()), client.port),
      local_address_(local_address),
      request_(std::move(request)),
      max_block_size_(max_block_size),
      on_link_(on_link),
      shown_(request_.filename),
      socket_(context.io),
      timer_(context.io),
      started_(std::chrono::steady_clock::now()) {}

TftpSession::~TftpSession() = default;

Result<void> TftpSession::open_socket() {
  std::error_code ec;
  socket_.open(asio::ip::udp::v4(), ec);
  if (!ec) socket_.bind({asio::ip::address_v4(local_address_.to_host_order()), 0}, ec);
  if (!ec) socket_.non_blocking(true, ec);
  if (ec) return fail(Errc::Io, "tftp session socket: " + ec.message());
  if (on_link_) {
    // PROBE: DF without path-MTU state, so a forged ICMP "fragmentation needed" cannot
    // make the sends fail.
    const int probe = IP_PMTUDISC_PROBE;
    ::setsockopt(socket_.native_handle(), IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof probe);
  }
  // A WRQ without blksize uses 512-byte blocks whatever the cap; one spare byte lets the
  // transfer see a block longer than negotiated instead of a silently truncated one.
  rx_.resize(request_.write ? std::max<std::size_t>(max_block_size_, tftp::kDefaultBlockSize) + tftp::kHeaderSize + 1
                            : kMaxControlDatagram);
  receive_next();
  return {};
}

std::uint16_t TftpSession::local_port() const {
  std::error_code ec;
  const auto endpoint = socket_.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

void TftpSession::begin(tftp::OpenResult opened, std::string shown_name) {
  if (finished_) return;
  shown_ = std::move(shown_name);
  if (!opened) {
    const auto refusal = tftp::refusal_for(opened.error().code, tftp::Direction::Read);
    refuse(refusal.code, refusal.message, opened.error().detail);
    return;
  }
  auto wrapped = tftp::wrap_for_transfer(std::move(*opened), request_.mode);
  read_ahead_ = std::move(wrapped.read_ahead);
  auto source = std::move(wrapped.source);
  size_ = source->size();
  const tftp::NegotiationLimits limits{max_block_size_, context_.max_window_size, context_.max_timeout};
  auto accepted = tftp::negotiate(request_.options, limits, source->size(), request_.mode);
  if (accepted.window_size > 1) {
    // A window of large blocks must fit the socket buffer, or the kernel drops its tail.
    const int wanted = static_cast<int>(std::min<std::size_t>(
        std::size_t{accepted.window_size} * (accepted.block_size + tftp::kHeaderSize) * 2, 8u << 20));
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_SNDBUF, &wanted, sizeof wanted);
  }
  source->set_ready_callback([weak = weak_from_this()] {
    if (auto self = weak.lock(); self && self->transfer_ && !self->finished_) {
      self->context_.batch.clear();
      self->transfer_->on_source_ready(std::chrono::steady_clock::now(), self->context_.batch);
      self->after_step();
    }
  });
  transfer_.emplace(std::move(source), std::move(accepted), context_.retry);
  started_ = std::chrono::steady_clock::now();
  started_wall_ = std::chrono::system_clock::now();
  if (context_.telemetry) {
    ++context_.telemetry->tftp.started;
    context_.telemetry->activity.on_transfer_started(client_.address, shown_, started_wall_);
  }
  context_.batch.clear();
  transfer_->start(started_, context_.batch);
  after_step();
}

void TftpSession::expect_source_within(Duration limit) {
  if (finished_ || started()) return;
  timer_.expires_after(limit);
  timer_.async_wait([weak = weak_from_this()](const std::error_code& ec) {
    if (auto self = weak.lock(); self && !ec && !self->started() && !self->finished_)
      self->refuse(tftp::ErrorCode::NotDefined, "File source not responding", "no answer from the remote root in time");
  });
}

void TftpSession::begin_write(std::unique_ptr<tftp::ByteSink> sink, std::uint64_t max_size) {
  if (finished_) return;
  const tftp::NegotiationLimits limits{max_block_size_, 1, context_.max_timeout};
  auto accepted = tftp::negotiate(request_.options, limits, std::nullopt, request_.mode, true);
  upload_.emplace(std::move(sink), std::move(accepted), context_.retry, max_size);
  started_ = std::chrono::steady_clock::now();
  started_wall_ = std::chrono::system_clock::now();
  if (context_.telemetry) ++context_.telemetry->tftp.started;
  context_.batch.clear();
  upload_->start(started_, context_.batch);
  after_step();
}

bool TftpSession::transfer_done() const noexcept {
  return (transfer_ && transfer_->done()) || (upload_ && upload_->done());
}

SteadyTime TftpSession::deadline() const noexcept { return transfer_ ? transfer_->deadline() : upload_->deadline(); }

void TftpSession::refuse(tftp::ErrorCode code, std::string_view message, std::string_view reason) {
  if (finished_) return;
  std::array<std::uint8_t, 512> buffer{};
  const auto n = tftp::write_error(buffer, code, message);
  const auto to = to_sockaddr(client_);
  send_one(socket_.native_handle(), ByteView(buffer.data(), n), to);
  if (context_.telemetry) {
    const std::string_view kind = code == tftp::ErrorCode::FileNotFound      ? "not_found"
                                  : code == tftp::ErrorCode::AccessViolation ? "access_denied"
                                                                             : "error";
    context_.telemetry->refusals.add("tftp", kind);
    context_.telemetry->activity.on_refusal("tftp", client_.address.to_string(),
                                            fmt::format("{}: {}", printable(request_.filename), message),
                                            std::chrono::system_clock::now());
  }
  if (const auto end = admit_line(*context_.log, context_.refusals, spdlog::level::warn, "refused"))
    context_.log->warn("{} {} refused: {} (ERROR {} {}){}", client_.to_string(), printable(request_.filename),
                       printable(reason), static_cast<unsigned>(code), message, *end);
  finished_ = true;
  finish();
}

void TftpSession::abort(std::string_view reason) {
  if (finished_) return;
  if (started()) {
    context_.batch.clear();
    if (transfer_) transfer_->cancel(reason, context_.batch);
    if (upload_) upload_->cancel(reason, context_.batch);
    after_step();
  } else {
    refuse(tftp::ErrorCode::NotDefined, reason, reason);
  }
}

void TftpSession::receive_next() {
  // async_receive_from, not async_wait + recvfrom: Asio re-arms a wait with epoll_ctl each
  // time (one system call per block), while a receive is tried at once ("speculative": it
  // often finds the next ACK already queued) and otherwise waits on the edge-triggered
  // registration made when the socket was opened.
  socket_.async_receive_from(asio::buffer(rx_), sender_,
                             [self = shared_from_this()](const std::error_code& ec, std::size_t size) {
                               if (self->finished_ || ec == asio::error::operation_aborted) return;
                               if (ec) {
                                 // ICMP errors are the client's loss: the retransmission timer
                                 // covers them. Anything else ends the transfer, logged, rather
                                 // than spinning the loop or waiting for a timeout.
                                 if (ec != asio::error::connection_refused && ec != asio::error::host_unreachable &&
                                     ec != asio::error::network_unreachable) {
                                   self->abort("receive failed: " + ec.message());
                                   return;
                                 }
                               } else {
                                 self->on_datagram(size);
                               }
                               if (!self->finished_) self->receive_next();
                             });
}

void TftpSession::on_datagram(std::size_t size) {
  const UdpEndpoint sender{Ipv4Address::from_host_order(sender_.address().to_v4().to_uint()), sender_.port()};
  if (sender != client_) {
    // RFC 1350 §4: a packet from a stranger's port gets ERROR 5; the transfer goes on. Not
    // an ERROR, though: two servers answering each other's errors would never stop.
    if (size >= 2 && tftp::peek_opcode(ByteView(rx_.data(), size)) == tftp::Opcode::Error) return;
    std::array<std::uint8_t, 64> buffer{};
    const auto n = tftp::write_error(buffer, tftp::ErrorCode::UnknownTransferId, "Unknown transfer ID");
    send_one(socket_.native_handle(), ByteView(buffer.data(), n), to_sockaddr(sender));
    context_.log->debug("{}: packet from stranger {} answered with ERROR 5", client_.to_string(), sender.to_string());
    return;
  }
  handle(ByteView(rx_.data(), size));
}

void TftpSession::handle(ByteView datagram) {
  if (!started()) return;  // still opening (remote root): the client will repeat itself
  const auto now = std::chrono::steady_clock::now();
  context_.batch.clear();
  if (upload_) {
    if (auto packet = tftp::parse_tftp_packet(datagram)) upload_->on_packet(*packet, now, context_.batch);
    after_step();
    return;
  }
  // Fast path: ACKs are nearly all the traffic; no parse into a variant, no allocation.
  if (datagram.size() >= 4 && tftp::peek_opcode(datagram) == tftp::Opcode::Ack) {
    transfer_->on_ack(*ByteReader(datagram.subspan(2, 2)).u16(), now, context_.batch);
  } else {
    auto packet = tftp::parse_tftp_packet(datagram);
    if (!packet) return;
    transfer_->on_packet(*packet, now, context_.batch);
  }
  after_step();
}

void TftpSession::after_step() {
  // The first ACK is where a transfer starts holding memory between packets (a window built
  // ahead, a read-ahead buffer): a forged request never gets that far.
  if (read_ahead_ && transfer_ && reserved_ == 0 && transfer_->acknowledged() && !transfer_->done() &&
      !reserve_window_memory()) {
    refuse_over_memory();
    return;
  }
  flush();
  if (transfer_) transfer_->reclaim_buffer(context_.batch);
  if (upload_ && upload_->commit_due()) commit_upload();
  if (transfer_done()) {
    finished_ = true;
    finish();
    return;
  }
  // After the send, so the read overlaps the client's round trip instead of delaying a block:
  // the next window is built now and goes out untouched when its ACK comes.
  if (read_ahead_ && transfer_) {
    const std::size_t block = transfer_->options().block_size;
    const std::size_t window = transfer_->options().window_size;
    // A large window of small blocks: one pread for (up to 64 KiB of) it, then copies into
    // its datagrams; otherwise each block is read straight into its datagram.
    const auto next = transfer_->next_window_offset();
    if (next && window > 1 && block * window >= kReadAheadMinimum) {
      const std::size_t blocks = std::clamp<std::size_t>(kReadAheadBytes / block, 1, window);
      read_ahead_->read_ahead(*next, blocks * block);
    }
    transfer_->prepare_next_window();
  }
  arm_timer();
}

bool TftpSession::reserve_window_memory() {
  const std::size_t block = transfer_->options().block_size;
  const std::size_t window = transfer_->options().window_size;
  std::size_t need = transfer_->window_bytes();
  if (window > 1 && block * window >= kReadAheadMinimum) need += std::clamp<std::size_t>(kReadAheadBytes / block, 1, window) * block;
  if (!context_.memory.try_reserve(need)) return false;
  reserved_ = need;
  return true;
}

void TftpSession::refuse_over_memory() {
  context_.batch.clear();
  if (const auto end = admit_line(*context_.log, context_.refusals, spdlog::level::warn, "memory"))
    context_.log->warn("{} {}: refused, transfer memory cap reached ({} of {} bytes held){}", client_.to_string(),
                       printable(shown_), context_.memory.held(), context_.memory.cap(), *end);
  std::array<std::uint8_t, 64> buffer{};
  const auto n = tftp::write_error(buffer, tftp::ErrorCode::NotDefined, "Server busy, try again later");
  send_one(socket_.native_handle(), ByteView(buffer.data(), n), to_sockaddr(client_));
  finished_ = true;
  finish();  // no outcome line: the transfer never ended on its own
}

void TftpSession::commit_upload() {
  std::shared_ptr<tftp::ByteSink> sink = upload_->take_sink();
  auto job = [sink]() -> Result<void> {
    auto committed = sink->commit();
    if (!committed) sink->abort();
    return committed;
  };
  auto done = [weak = weak_from_this()](Result<void> committed) {
    auto self = weak.lock();
    if (!self || self->finished_ || !self->upload_) return;
    self->context_.batch.clear();
    self->upload_->on_committed(std::move(committed), std::chrono::steady_clock::now(), self->context_.batch);
    self->after_step();
  };
  context_.worker->run(std::move(job), std::move(done));
}

void TftpSession::allow_fragments() {
  // DF was set for an on-link client (open_socket), but the route's MTU is now below the
  // block (an MTU lowered since start, another interface): fragment, as for routed clients.
  const int dont = IP_PMTUDISC_DONT;
  ::setsockopt(socket_.native_handle(), IPPROTO_IP, IP_MTU_DISCOVER, &dont, sizeof dont);
  on_link_ = false;
  context_.log->info("{}: blocks larger than the path MTU, sending them fragmented", client_.to_string());
}

void TftpSession::flush() {
  auto& batch = context_.batch;
  if (batch.empty() || !socket_.is_open()) return;
  const auto to = to_sockaddr(client_);
  const int fd = socket_.native_handle();
  if (batch.size() == 1) {
    if (!send_one(fd, batch[0], to) && on_link_) {
      allow_fragments();
      send_one(fd, batch[0], to);
    }
  } else {
    // RFC 7440 windows go out in one sendmmsg call.
    std::array<mmsghdr, kMaxBatch> messages{};
    std::array<iovec, kMaxBatch> vectors{};
    for (std::size_t start = 0; start < batch.size(); start += kMaxBatch) {
      const std::size_t count = std::min(kMaxBatch, batch.size() - start);
      for (std::size_t i = 0; i < count; ++i) {
        const auto datagram = batch[start + i];
        vectors[i] = {const_cast<std::uint8_t*>(datagram.data()), datagram.size()};
        messages[i] = {};
        messages[i].msg_hdr.msg_name = const_cast<sockaddr_in*>(&to);
        messages[i].msg_hdr.msg_namelen = sizeof to;
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
      }
      const int sent = ::sendmmsg(fd, messages.data(), static_cast<unsigned>(count), MSG_DONTWAIT);
      if (sent < static_cast<int>(count) && errno == EMSGSIZE && on_link_) {
        allow_fragments();
        const std::size_t done = sent > 0 ? static_cast<std::size_t>(sent) : 0;
        (void)::sendmmsg(fd, messages.data() + done, static_cast<unsigned>(count - done), MSG_DONTWAIT);
      }
    }
  }
  batch.clear();
}

void TftpSession::arm_timer() {
  if (!started()) return;
  const auto deadline = this->deadline();
  // The deadline only moves later on progress: an armed timer that fires early re-checks and
  // re-arms, so an ACK costs no timer operation (dnsmasq and tftpd-hpa re-arm per packet).
  if (timer_at_ && *timer_at_ <= deadline) return;
  timer_at_ = deadline;
  timer_.expires_at(deadline);
  timer_.async_wait([weak = weak_from_this()](const std::error_code& ec) {
    if (auto self = weak.lock(); self && !ec) self->on_timer();
  });
}

void TftpSession::on_timer() {
  timer_at_.reset();
  if (finished_ || !started()) return;
  const auto now = std::chrono::steady_clock::now();
  if (now >= deadline()) {
    context_.batch.clear();
    if (transfer_) transfer_->on_timeout(now, context_.batch);
    if (upload_) upload_->on_timeout(now, context_.batch);
    after_step();
  } else {
    arm_timer();
  }
}

std::optional<status::LiveTransfer> TftpSession::progress(SteadyTime now) const {
  if (!transfer_ || finished_) return std::nullopt;
  return status::LiveTransfer{.client = client_.address,
                              .client_port = client_.port,
                              .file = shown_,
                              .bytes = transfer_->stats().bytes,
                              .size = size_,
                              .started = started_wall_,
                              .seconds = std::chrono::duration<double>(now - started_).count()};
}

void TftpSession::finish() {
  std::error_code ec;
  timer_.cancel();
  socket_.close(ec);
  context_.memory.release(reserved_);
  reserved_ = 0;
  const auto& maybe_outcome = transfer_ ? transfer_->outcome() : upload_ ? upload_->outcome() : std::nullopt;
  if (maybe_outcome) {
    const auto& outcome = *maybe_outcome;
    const auto& stats = transfer_ ? transfer_->stats() : upload_->stats();
    const auto& options = transfer_ ? transfer_->options() : upload_->options();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    const double rate = seconds > 0 ? static_cast<double>(stats.bytes) / seconds / 1e6 : 0.0;
    const bool completed = outcome.kind == tftp::TransferOutcome::Kind::Completed;
    const auto level = completed || outcome.kind == tftp::TransferOutcome::Kind::ClientAborted ? spdlog::level::info
                                                                                               : spdlog::level::warn;
    // A session needs no handshake, so a spoofed request ends in a "timed out" line: every
    // outcome but a completion shares the refusals' budget.
    const auto end = completed ? std::optional<std::string>(std::string())
                               : admit_line(*context_.log, context_.refusals, level, "outcome");
    // An upload's sink failing is a failed write, not a read.
    const auto what = upload_ && outcome.kind == tftp::TransferOutcome::Kind::SourceFailed
                          ? std::string_view("failed")
                          : tftp::to_string(outcome.kind);
    if (end)
      context_.log->log(level, "{} {}{} {}: {} bytes in {:.3f} s ({:.2f} MB/s), {} retransmissions, blksize {}, windowsize {}{}{}{}",
                        client_.to_string(), upload_ ? "upload " : "", printable(shown_), what, stats.bytes, seconds,
                        rate, stats.retransmissions, options.block_size, options.window_size,
                        outcome.detail.empty() ? "" : ": ", printable(outcome.detail), *end);
    if (context_.telemetry) {
      auto& figures = context_.telemetry->tftp;
      ++figures.ended[static_cast<std::size_t>(outcome.kind)];
      if (transfer_) figures.sent_bytes += stats.bytes;
      figures.retransmissions += stats.retransmissions;
      figures.duration_seconds.observe(seconds);
      if (transfer_)
        context_.telemetry->activity.on_transfer_ended(status::TransferRecord{
            .client = client_.address, .file = shown_, .bytes = stats.bytes, .size = size_,
            .started = started_wall_, .seconds = seconds, .outcome = std::string(tftp::to_string(outcome.kind))});
    }
  }
  if (context_.on_finished) context_.on_finished(*this);
}

}  // namespace netboot::net
