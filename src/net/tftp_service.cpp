#include "net/tftp_service.hpp"

#include <algorithm>

#include <fmt/format.h>

#include <chrono>

#include "core/text.hpp"
#include "net/boot_scripts.hpp"
#include "net/interfaces.hpp"
#include "net/limited_log.hpp"
#include "net/url_source.hpp"
#include "tftp/local_file_sink.hpp"
#include "tftp/memory_source.hpp"
#include "tftp/negotiation.hpp"
#include "tftp/refusal.hpp"

namespace netboot::net {
namespace {
constexpr std::uint64_t kMaxUpload = std::uint64_t{4} << 30;  // 4 GiB: a bound, not a quota

/// Runs the test hook where the sync happens, then the real commit.
class HookedSink final : public tftp::ByteSink {
 public:
  HookedSink(std::unique_ptr<tftp::ByteSink> inner, std::function<void()> hook)
      : inner_(std::move(inner)), hook_(std::move(hook)) {}
  Result<void> write_at(std::uint64_t offset, ByteView data) override { return inner_->write_at(offset, data); }
  Result<void> commit() override {
    hook_();
    return inner_->commit();
  }
  void abort() override { inner_->abort(); }

 private:
  std::unique_ptr<tftp::ByteSink> inner_;
  std::function<void()> hook_;
};
}

TftpService::TftpService(asio::io_context& io, const config::TftpConfig& config, std::shared_ptr<spdlog::logger> log,
                         const lease::LeaseStore* leases, TftpServiceHooks hooks)
    : io_(io),
      config_(config),
      log_(std::move(log)),
      leases_(leases),
      listener_(io, log_),
      context_{.io = io,
               .log = log_,
               .retry = {},  // set below from [tftp]
               .max_window_size = 1,
               .batch = {},
               .refusals = LogLimiter{kLogBurst, kLogInterval},
               .on_finished = {},
               .max_timeout = config_.max_timeout,
               .memory = tftp::MemoryBudget(static_cast<std::size_t>(config_.max_transfer_memory)),
               .worker = nullptr},  // set below: worker_ is built after the context
      worker_(io) {
  context_.retry.timeout = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(config_.timeout > 0 ? config_.timeout : 2.0));
  context_.retry.max_retries = config_.retries;
  context_.max_window_size = std::max<std::uint16_t>(config_.max_window_size, 1);
  context_.on_finished = [this](TftpSession& session) { forget(session); };
  hooks_ = std::move(hooks);
  context_.worker = &worker_;
  filters_ = config_.filters;
}

TftpService::~TftpService() { stop(); }

void TftpService::replace_filters(std::vector<config::FilterRule> filters) {
  filters_ = std::move(filters);
  // locate() is synchronous: nothing holds the previous locator past a request.
  if (locator_) locator_ = std::make_unique<tftp::FileLocator>(tftp::PathRewriter(filters_), config_.base_dir, local_root_, cache_);
}

Result<void> TftpService::start() {
  if (config_.remote_root()) {
    UrlSourceOptions options;
    options.same_host_redirects = config_.remote_same_host_redirects;
    options.memory_limit = config_.remote_memory_limit;
    options.min_rate = config_.remote_min_rate;
    options.deadline = std::chrono::seconds(config_.remote_deadline);
    auto remote = UrlSource::create(io_, config_.root_url, log_, options);
    if (!remote) return fail(remote.error().code, remote.error().detail);
    root_ = std::move(*remote);
  } else {
    auto local = tftp::DirectorySource::create(config_.root_dir.string(), cache_);
    if (!local) return fail(local.error().code, local.error().detail);
    local_root_ = local->get();
    root_ = std::move(*local);
    if (config_.writable) remove_upload_leftovers();
  }
  locator_ = std::make_unique<tftp::FileLocator>(tftp::PathRewriter(filters_), config_.base_dir, local_root_, cache_);
  interfaces_ = list_interfaces();
  for (const auto& interface : interfaces_) mtu_by_ifindex_[interface.index] = interface.mtu;

  UdpListenerOptions options;
  options.address = config_.address.value_or(Ipv4Address::any());
  options.port = config_.port;
  if (auto opened = listener_.open(options); !opened) return opened;
  listener_.start([this](ByteView datagram, const PacketInfo& info) { on_datagram(datagram, info); });
  running_ = true;
  log_->info("tftp: listening on {}:{}, root {}", options.address.to_string(), listener_.local_port(), root_->describe());
  return {};
}

// Uploads never survive a restart: every temporary upload file beneath the root is a crash's
// leftover, a partial file that would otherwise stay (and fill the disk) for good.
void TftpService::remove_upload_leftovers() {
  const auto sweep = tftp::remove_upload_leftovers(local_root_->fd());
  for (const auto& name : sweep.removed)
    log_->info("tftp: removed {}, left over from an upload interrupted by a crash", printable(name));
  if (sweep.removed_count > sweep.removed.size())
    log_->info("tftp: removed {} more upload leftovers ({} in all)", sweep.removed_count - sweep.removed.size(),
               sweep.removed_count);
  for (const auto& failure : sweep.failures) log_->warn("tftp: cannot remove upload leftover {}", printable(failure));
  if (sweep.failed_count > sweep.failures.size())
    log_->warn("tftp: {} more upload leftovers could not be removed", sweep.failed_count - sweep.failures.size());
}

void TftpService::stop() {
  if (!running_) return;
  running_ = false;
  listener_.close();
  // abort() finishes each session, which erases it from sessions_: iterate over a copy.
  std::vector<std::shared_ptr<TftpSession>> live;
  live.reserve(sessions_.size());
  for (auto& entry : sessions_) live.push_back(entry.second);
  for (auto& session : live) session->abort("server shutting down");
  if (const auto held_back = context_.refusals.unreported(); held_back > 0)
    log_->info("tftp: {} lines about refused or failed transfers not logged since the last one", held_back);
  sessions_.clear();
  per_client_.clear();
  active_peers_.clear();
  if (root_) root_->shutdown();
}

std::string TftpService::describe() const {
  return fmt::format("tftp {}:{}", config_.address.value_or(Ipv4Address::any()).to_string(), listener_.local_port());
}

std::uint16_t TftpService::max_block_size(unsigned ifindex) const {
  const auto it = mtu_by_ifindex_.find(ifindex);
  std::uint16_t limit = tftp::max_block_size_for_mtu(it == mtu_by_ifindex_.end() ? 1500 : it->second);
  if (config_.blocksize >= tftp::kMinBlockSize) limit = std::min(limit, config_.blocksize);
  return limit;
}

void TftpService::reply_error(const PacketInfo& info, tftp::ErrorCode code, std::string_view message) {
  std::array<std::uint8_t, 512> buffer{};
  const auto n = tftp::write_error(buffer, code, message);
  listener_.send(ByteView(buffer.data(), n), info.peer, info.ifindex, info.local_address);
}

void TftpService::count_refusal(const PacketInfo& info, std::string_view reason) {
  if (context_.telemetry == nullptr) return;
  context_.telemetry->refusals.add("tftp", reason);
  context_.telemetry->activity.on_refusal("tftp", info.peer.address.to_string(), reason, std::chrono::system_clock::now());
}

std::vector<status::LiveTransfer> TftpService::live_transfers() const {
  std::vector<status::LiveTransfer> out;
  out.reserve(sessions_.size());
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [key, session] : sessions_)
    if (auto live = session->progress(now)) out.push_back(std::move(*live));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.started < b.started; });
  return out;
}

void TftpService::on_datagram(ByteView datagram, const PacketInfo& info) {
  auto request = admit(datagram, info);
  if (!request) return;
  std::string requested = request->filename;
  const bool is_write = request->write;
  auto session = open_session(std::move(*request), info);
  if (!session) return;
  if (is_write) start_upload(*session, requested);
  else start_download(session, requested, info);
}

// Parsing, duplicates, the transfer caps and what this server refuses outright: the request
// when a session may serve it, else nothing (answered or ignored here).
std::optional<tftp::Request> TftpService::admit(ByteView datagram, const PacketInfo& info) {
  auto packet = tftp::parse_tftp_packet(datagram);
  if (!packet) {
    ++counters_.malformed;
    count_refusal(info, "malformed");
    log_->debug("{}: malformed request: {}", info.peer.to_string(), printable(packet.error().detail));
    if (packet.error().code == Errc::BadValue) reply_error(info, tftp::ErrorCode::IllegalOperation, "Unknown mode");
    return std::nullopt;
  }
  auto* request = std::get_if<tftp::Request>(&*packet);
  if (request == nullptr) {
    // An ACK or DATA on port 69 belongs to no transfer.
    log_->debug("{}: {} on the listening port ignored", info.peer.to_string(), packet->index());
    return std::nullopt;
  }
  if (const auto active = active_peers_.find(info.peer); active != active_peers_.end()) {
    // The client repeated its request before our first answer reached it: one transfer
    // per client TID, not two racing ones (dnsmasq does the same). It is still there,
    // though: a transfer waiting for a remote source keeps waiting for it.
    active->second->note_client_alive();
    ++counters_.duplicates;
    log_->debug("{} {}: repeated request ignored, transfer already running", info.peer.to_string(),
                printable(request->filename));
    return std::nullopt;
  }
  ++counters_.requests;
  // Looked up, never inserted: an entry exists only while its client has a session (forget()
  // removes it at zero), so refused and spoofed requests leave nothing behind.
  const auto max_per_client = config_.max_transfers_per_client;
  const auto client_count = per_client_.find(info.peer.address);
  if (sessions_.size() >= config_.max_transfers ||
      (max_per_client > 0 && client_count != per_client_.end() && client_count->second >= max_per_client)) {
    ++counters_.busy;
    count_refusal(info, "busy");
    if (const auto end = admit_line(*log_, context_.refusals, spdlog::level::warn, "busy"))
      log_->warn("{} {}: refused, too many transfers ({} running){}", info.peer.to_string(), printable(request->filename),
                 sessions_.size(), *end);
    reply_error(info, tftp::ErrorCode::NotDefined, "Server busy, try again later");
    return std::nullopt;
  }
  if (request->write && !config_.writable) {
    ++counters_.refused;
    count_refusal(info, "read_only");
    if (const auto end = admit_line(*log_, context_.refusals, spdlog::level::warn, "refused"))
      log_->warn("{} {}: write refused, the server is read-only{}", info.peer.to_string(), printable(request->filename),
                 *end);
    reply_error(info, tftp::ErrorCode::AccessViolation, "Server is read-only");
    return std::nullopt;
  }
  if (request->write && (local_root_ == nullptr || request->mode != tftp::TransferMode::Octet)) {
    ++counters_.refused;
    count_refusal(info, "unsupported_upload");
    if (const auto end = admit_line(*log_, context_.refusals, spdlog::level::warn, "refused"))
      log_->warn("{} {}: write refused ({}){}", info.peer.to_string(), printable(request->filename),
                 local_root_ == nullptr ? "remote root" : "netascii uploads are not supported", *end);
    reply_error(info, local_root_ == nullptr ? tftp::ErrorCode::AccessViolation : tftp::ErrorCode::IllegalOperation,
                local_root_ == nullptr ? "Server is read-only" : "Only octet uploads");
    return std::nullopt;
  }
  if (request->mode == tftp::TransferMode::Mail) {
    ++counters_.refused;
    count_refusal(info, "unsupported_mode");
    reply_error(info, tftp::ErrorCode::IllegalOperation, "Mail mode not supported");
    return std::nullopt;
  }
  return std::move(*request);
}

// A session with its own socket (its TID), counted against the caps; null when no socket.
std::shared_ptr<TftpSession> TftpService::open_session(tftp::Request request, const PacketInfo& info) {
  const std::string requested = request.filename;
  auto session = std::make_shared<TftpSession>(context_, info.peer, info.local_address, std::move(request),
                                               max_block_size(info.ifindex),
                                               on_link(interfaces_, info.ifindex, info.peer.address));
  if (auto opened = session->open_socket(); !opened) {
    // Reached by flooding (EMFILE): limited like the refusals.
    if (const auto end = admit_line(*log_, context_.refusals, spdlog::level::err, "socket"))
      log_->error("{} {}: {}{}", info.peer.to_string(), printable(requested), opened.error().detail, *end);
    reply_error(info, tftp::ErrorCode::NotDefined, "Server error");
    return nullptr;
  }
  sessions_.emplace(session.get(), session);
  ++per_client_[info.peer.address];
  active_peers_.emplace(info.peer, session.get());
  return session;
}

// Uploads go beneath the root as asked; [filters] rewrite reads only.
void TftpService::start_upload(TftpSession& session, const std::string& requested) {
  auto name = tftp::sanitize_name(requested);
  auto created = name ? tftp::create_beneath(local_root_->fd(), *name) : Result<tftp::CreatedFile>(fail(name.error().code, name.error().detail));
  if (!created) {
    ++counters_.refused;
    const auto refusal = tftp::refusal_for(created.error().code, tftp::Direction::Write);
    session.refuse(refusal.code, refusal.message, created.error().detail);
    return;
  }
  std::unique_ptr<tftp::ByteSink> sink = std::make_unique<tftp::LocalFileSink>(std::move(*created));
  if (hooks_.before_upload_sync) sink = std::make_unique<HookedSink>(std::move(sink), hooks_.before_upload_sync);
  session.begin_write(std::move(sink), kMaxUpload);
}

// [filters] and the lease's boot file decide the name; a local file starts at once, a
// remote root answers later.
void TftpService::start_download(const std::shared_ptr<TftpSession>& session, const std::string& requested,
                                 const PacketInfo& info) {
  if (scripts_ != nullptr) {
    if (auto answer = scripts_->answer(requested, info.peer.address, info.local_address)) {
      if (answer->status == 200) {
        session->begin(std::shared_ptr<tftp::ByteSource>(std::make_shared<tftp::MemorySource>(std::move(answer->script))),
                       requested);
        return;
      }
      ++counters_.refused;
      session->refuse(answer->status == 403 ? tftp::ErrorCode::AccessViolation : answer->status == 404
                                                ? tftp::ErrorCode::FileNotFound
                                                : tftp::ErrorCode::NotDefined,
                      answer->status == 403 ? "Access violation" : answer->status == 404 ? "File not found" : "Server error",
                      answer->reason);
      return;
    }
  }
  std::string bootfile;
  if (leases_ != nullptr) {
    if (auto lease = leases_->find_by_address(info.peer.address)) bootfile = lease->boot_file;
  }
  auto located = locator_->locate(requested, bootfile);
  if (!located) {
    ++counters_.refused;
    const auto refusal = tftp::refusal_for(located.error().code, tftp::Direction::Read);
    session->refuse(refusal.code, refusal.message, located.error().detail);
    return;
  }
  if (located->local) {
    session->begin(std::move(located->local), located->shown);
    return;
  }
  open_remote(session, *located);
}

// The root may answer later (remote): the session waits, holding its slot, for a bounded time.
void TftpService::open_remote(const std::shared_ptr<TftpSession>& session, const tftp::Located& located) {
  root_->open(located.root_name, [weak = std::weak_ptr<TftpSession>(session), shown = located.shown,
                                  this](tftp::OpenResult opened) {
    auto self = weak.lock();
    if (!self) return;
    if (!opened) ++counters_.refused;
    self->begin(std::move(opened), shown);
  });
  session->expect_source_within(context_.retry.timeout * (context_.retry.max_retries + 1));
}

void TftpService::forget(TftpSession& session) {
  const auto it = sessions_.find(&session);
  if (it == sessions_.end()) return;
  if (auto count = per_client_.find(session.client().address); count != per_client_.end()) {
    if (--count->second == 0) per_client_.erase(count);
  }
  active_peers_.erase(session.client());
  ++counters_.finished;
  // Keep the session alive until its own handler has returned.
  asio::post(io_, [keep = std::move(it->second)] {});
  sessions_.erase(it);
}

}  // namespace netboot::net
