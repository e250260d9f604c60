#pragma once
// [tftp] root = http(s)://prefix: files streamed through libcurl while they are sent,
// never stored whole. One helper thread runs every download (curl multi); it only moves
// bytes into per-download buffers and posts "more data" to the event loop, which owns all
// transfer logic. A slow remote therefore never delays other transfers.
//
// Against a hostile or broken remote (docs/security.md): no redirect is followed unless
// same_host_redirects (then only to the same scheme, host and port, beneath the root's path);
// only a 200 with at most one well-formed Content-Length is a file; URLs are logged without
// their password (url_for_log);
// the transfers of one file share one download while its start is still buffered (a
// reader far behind the others is detached rather than gating them); every
// download reserves its buffer's worst case from one budget (memory_limit), and an open past
// it is refused (Errc::Busy); buffers are mmap'd chunks, unmapped when no longer needed, so
// the memory goes back to the system when transfers end; a download slower than min_rate
// over stall_time, or longer than deadline, fails.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include <asio.hpp>
#include <spdlog/logger.h>

#include "core/log_limiter.hpp"
#include "core/url_text.hpp"
#include "tftp/file_source.hpp"

namespace netboot::net {

struct UrlSourceOptions {
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds stall_time{10};            // min_rate is measured over this long
  std::uint64_t min_rate = 8192;                  // bytes/s ([tftp] remote_min_rate); 0: 1 byte/s
  std::chrono::seconds deadline{1800};            // [tftp] remote_deadline: a whole download
  std::size_t read_ahead = std::size_t{4} << 20;  // bytes buffered ahead of the furthest reader, then pause
  std::size_t keep_behind = std::size_t{4} << 20; // bytes kept behind the slowest reader for window restarts
  std::uint64_t memory_limit = std::uint64_t{256} << 20;  // [tftp] remote_memory_mb: every download together
  bool same_host_redirects = false;               // [tftp] remote_redirects = same_host
  unsigned max_redirects = 5;
};

class UrlSource final : public tftp::FileSource {
 public:
  /// `prefix`: "http://host[:port]/path" (a trailing '/' is optional).
  static Result<std::unique_ptr<UrlSource>> create(asio::io_context& io, std::string prefix,
                                                   std::shared_ptr<spdlog::logger> log, UrlSourceOptions options = {});
  ~UrlSource() override;
  UrlSource(const UrlSource&) = delete;
  UrlSource& operator=(const UrlSource&) = delete;

  /// Starts the download, or joins the one running for the same file while its first bytes
  /// are still buffered; `done` runs on the loop once the status is known: HTTP 404/410 ->
  /// Errc::NotFound, 401/403 -> Errc::AccessDenied, the memory budget spent -> Errc::Busy,
  /// anything but a 200 -> Errc::Io. The size (tsize) is the Content-Length when sent.
  void open(std::string_view relative, OpenCallback done) override;
  [[nodiscard]] std::string describe() const override { return url_for_log(prefix_); }
  /// Stops the helper thread and abandons every download (idempotent).
  void shutdown() override;
  /// Bytes reserved by the downloads alive now (for tests and the refusal line).
  [[nodiscard]] std::uint64_t reserved() const;

  struct Worker;  // the downloads and the CurlMulti that runs them (public for the .cpp's helpers)

 private:
  UrlSource(std::string prefix, std::shared_ptr<Worker> worker) : prefix_(std::move(prefix)), worker_(std::move(worker)) {}
  std::string prefix_;
  std::shared_ptr<Worker> worker_;
};

}  // namespace netboot::net
