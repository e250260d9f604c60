#pragma once
// One TFTP transfer on the event loop: its own socket (its TID, RFC 1350 §4), one timer,
// and the state machine that decides what to send and when: a ReadTransfer (RRQ) or a
// WriteTransfer (WRQ). The session moves datagrams and time, and asks the ReadTransfer to
// build the next window while the client acknowledges.
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio.hpp>
#include <spdlog/logger.h>

#include "core/ipv4_address.hpp"
#include "core/log_limiter.hpp"
#include "net/blocking_worker.hpp"
#include "status/telemetry.hpp"
#include "tftp/file_source.hpp"
#include "tftp/memory_budget.hpp"
#include "tftp/packet_batch.hpp"
#include "tftp/read_ahead_source.hpp"
#include "tftp/read_transfer.hpp"
#include "tftp/write_transfer.hpp"
#include "tftp/tftp_packet.hpp"

namespace netboot::net {

class TftpSession;

/// What every session of one service shares: the loop is single-threaded, so one outgoing
/// batch serves all sessions without allocation per packet.
struct TftpSessionContext {
  asio::io_context& io;
  std::shared_ptr<spdlog::logger> log;
  tftp::RetryPolicy retry;
  std::uint16_t max_window_size = 1;
  tftp::PacketBatch batch;
  LogLimiter refusals{kLogBurst, kLogInterval};  // "refused" lines under a flood
  std::function<void(TftpSession&)> on_finished;  // the service forgets the session
  unsigned max_timeout = 255;                     // [tftp] max_timeout: cap on the negotiated timeout
  tftp::MemoryBudget memory{0};                   // [tftp] max_transfer_memory
  BlockingWorker* worker = nullptr;               // an upload's final sync and rename, off the loop
  status::Telemetry* telemetry = nullptr;         // the status service's figures, when [status] is on
};

class TftpSession : public std::enable_shared_from_this<TftpSession> {
 public:
  /// `on_link`: the client is reached without a router (see open_socket).
  TftpSession(TftpSessionContext& context, UdpEndpoint client, Ipv4Address local_address, tftp::Request request,
              std::uint16_t max_block_size, bool on_link = false);
  ~TftpSession();
  TftpSession(const TftpSession&) = delete;
  TftpSession& operator=(const TftpSession&) = delete;

  /// Binds the session socket to the local address the request arrived on, port 0. For an
  /// on-link client the DATA carry DF: blocks are clamped to the interface MTU, which is
  /// then the path MTU, and the kernel skips the shared IP ID generator (about 5% of the
  /// CPU of a boot storm). Routed clients keep fragmentation as a fallback.
  Result<void> open_socket();
  /// The file is open (or could not be): negotiate and start, or send the ERROR and finish.
  void begin(tftp::OpenResult opened, std::string shown_name);
  /// A WRQ whose file is created: negotiate and acknowledge.
  void begin_write(std::unique_ptr<tftp::ByteSink> sink, std::uint64_t max_size);
  /// Refuses the request from this session's TID and finishes.
  void refuse(tftp::ErrorCode code, std::string_view message, std::string_view reason);
  /// The file is being opened from a remote root: unless begin() comes within `limit` (the
  /// transfer's timeout and retries), the client gets an ERROR and the session ends, however
  /// slowly the remote answers.
  void expect_source_within(Duration limit);
  /// The client repeated its RRQ on the listening port: it is still there (see
  /// ReadTransfer::note_client_alive).
  void note_client_alive() {
    if (transfer_) transfer_->note_client_alive();
  }
  /// Server shutdown: ERROR to the client, close, finish.
  void abort(std::string_view reason);

  [[nodiscard]] const UdpEndpoint& client() const noexcept { return client_; }
  [[nodiscard]] std::uint16_t local_port() const;
  /// A download in progress, for the status service; nullopt before it starts and for uploads.
  [[nodiscard]] std::optional<status::LiveTransfer> progress(SteadyTime now) const;

 private:
  void receive_next();
  void on_datagram(std::size_t size);
  void handle(ByteView datagram);
  void after_step();
  void flush();
  void allow_fragments();
  void arm_timer();
  void on_timer();
  void finish();
  /// Takes the window and read-ahead memory this transfer is about to hold from the budget.
  [[nodiscard]] bool reserve_window_memory();
  /// Over max_transfer_memory: ERROR "Server busy" and a rate-limited line, then finish.
  void refuse_over_memory();
  /// Hands the finished upload's sink to the worker: sync, rename, then the final ACK.
  void commit_upload();
  [[nodiscard]] bool started() const noexcept { return transfer_.has_value() || upload_.has_value(); }
  [[nodiscard]] bool transfer_done() const noexcept;
  [[nodiscard]] SteadyTime deadline() const noexcept;

  TftpSessionContext& context_;
  UdpEndpoint client_;
  asio::ip::udp::endpoint client_endpoint_;
  Ipv4Address local_address_;
  tftp::Request request_;
  std::uint16_t max_block_size_;
  bool on_link_;
  std::string shown_;
  asio::ip::udp::socket socket_;
  // Own receive buffer: a read completes inside the reactor, before its handler runs, so
  // sessions cannot share one. An RRQ only receives ACK and ERROR; a WRQ receives DATA.
  std::vector<std::uint8_t> rx_;
  asio::ip::udp::endpoint sender_;
  asio::steady_timer timer_;
  std::optional<SteadyTime> timer_at_;  // when the armed timer fires, if armed
  std::shared_ptr<tftp::ReadAheadSource> read_ahead_;  // local files in octet mode
  std::optional<tftp::ReadTransfer> transfer_;  // RRQ
  std::optional<tftp::WriteTransfer> upload_;   // WRQ
  SteadyTime started_;
  std::chrono::system_clock::time_point started_wall_;
  std::optional<std::uint64_t> size_;  // the source's size, when known
  std::size_t reserved_ = 0;  // bytes taken from context_.memory
  bool finished_ = false;
};

}  // namespace netboot::net
