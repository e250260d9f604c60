#pragma once
// The [tftp] service: a listener on address:port, one session per transfer on the event
// loop (no thread per client), a cap on concurrent transfers, and a root that is either a
// local directory or an http(s):// prefix streamed through libcurl.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <map>
#include <string>
#include <vector>
#include <unordered_map>

#include <asio.hpp>
#include <spdlog/logger.h>

#include "config/config.hpp"
#include "core/network_interface.hpp"
#include "core/service.hpp"
#include "lease/lease_store.hpp"
#include "net/blocking_worker.hpp"
#include "net/tftp_session.hpp"
#include "net/udp_listener.hpp"
#include "tftp/file_locator.hpp"

namespace netboot::net {

struct TftpCounters {
  std::uint64_t requests = 0;
  std::uint64_t refused = 0;        // not found, access denied, WRQ on a read-only server
  std::uint64_t busy = 0;           // over max_transfers or max_transfers_per_client
  std::uint64_t malformed = 0;
  std::uint64_t duplicates = 0;     // a client's retransmitted RRQ while its transfer runs
  std::uint64_t finished = 0;       // sessions ended, whatever the outcome
};

/// Seams for tests: `before_upload_sync` runs where an upload's final sync does (a slow disk).
struct TftpServiceHooks {
  std::function<void()> before_upload_sync;
};

class BootScripts;

class TftpService final : public Service {
 public:
  /// `leases` (may be null, must outlive the service) gives {bootfile} in [filters]: the
  /// per-client boot file of the lease held by the requesting address.
  TftpService(asio::io_context& io, const config::TftpConfig& config, std::shared_ptr<spdlog::logger> log,
              const lease::LeaseStore* leases = nullptr, TftpServiceHooks hooks = {});
  ~TftpService() override;
  TftpService(const TftpService&) = delete;
  TftpService& operator=(const TftpService&) = delete;

  /// Opens the root (local directory, or starts the HTTP client) and binds address:port.
  Result<void> start() override;
  /// Closes the listener; every transfer gets ERROR 0 "server shutting down" and ends.
  void stop() override;
  /// "tftp 0.0.0.0:69 root /srv/tftp".
  [[nodiscard]] std::string describe() const override;

  [[nodiscard]] std::uint16_t local_port() const { return listener_.local_port(); }
  [[nodiscard]] std::size_t active_transfers() const noexcept { return sessions_.size(); }
  [[nodiscard]] const TftpCounters& counters() const noexcept { return counters_; }
  /// Client addresses with a transfer counted against max_transfers_per_client.
  [[nodiscard]] std::size_t tracked_clients() const noexcept { return per_client_.size(); }
  /// Bytes of window and read-ahead memory transfers hold (capped by max_transfer_memory).
  [[nodiscard]] std::size_t transfer_memory() const noexcept { return context_.memory.held(); }
  /// Counts into `telemetry` (the status service's figures) from now on.
  void attach_telemetry(status::Telemetry* telemetry) noexcept { context_.telemetry = telemetry; }
  /// Serves "boot/<mac>.ipxe" from `scripts` from now on (it must outlive the service).
  void serve_boot_scripts(const BootScripts* scripts) noexcept { scripts_ = scripts; }
  /// The downloads in progress, for the status service.
  [[nodiscard]] std::vector<status::LiveTransfer> live_transfers() const;
  [[nodiscard]] std::uint64_t log_lines_suppressed() const noexcept { return context_.refusals.suppressed_total(); }

  /// A reload's [filters]: requests from now on are rewritten by these. A transfer under way
  /// has its file open already and goes on unchanged.
  void replace_filters(std::vector<config::FilterRule> filters);

 private:
  void on_datagram(ByteView datagram, const PacketInfo& info);
  std::optional<tftp::Request> admit(ByteView datagram, const PacketInfo& info);
  std::shared_ptr<TftpSession> open_session(tftp::Request request, const PacketInfo& info);
  void start_upload(TftpSession& session, const std::string& requested);
  void remove_upload_leftovers();
  void start_download(const std::shared_ptr<TftpSession>& session, const std::string& requested,
                      const PacketInfo& info);
  void open_remote(const std::shared_ptr<TftpSession>& session, const tftp::Located& located);
  void reply_error(const PacketInfo& info, tftp::ErrorCode code, std::string_view message);
  void count_refusal(const PacketInfo& info, std::string_view reason);
  void forget(TftpSession& session);
  [[nodiscard]] std::uint16_t max_block_size(unsigned ifindex) const;

  asio::io_context& io_;
  const config::TftpConfig& config_;
  std::shared_ptr<spdlog::logger> log_;
  const lease::LeaseStore* leases_;
  const BootScripts* scripts_ = nullptr;
  UdpListener listener_;
  TftpSessionContext context_;
  tftp::SharedFileCache cache_;
  std::unique_ptr<tftp::FileSource> root_;
  tftp::DirectorySource* local_root_ = nullptr;
  std::vector<config::FilterRule> filters_;  // [filters], replaced by a reload
  std::unique_ptr<tftp::FileLocator> locator_;
  std::unordered_map<TftpSession*, std::shared_ptr<TftpSession>> sessions_;
  std::unordered_map<Ipv4Address, unsigned> per_client_;
  std::map<UdpEndpoint, TftpSession*> active_peers_;  // a repeated RRQ from one of these is ignored
  std::unordered_map<unsigned, unsigned> mtu_by_ifindex_;
  std::vector<NetworkInterface> interfaces_;  // at start: which peers are on-link
  TftpCounters counters_;
  TftpServiceHooks hooks_;
  bool running_ = false;
  BlockingWorker worker_;  // last: joined first, while the sessions it may report to exist
};

}  // namespace netboot::net
