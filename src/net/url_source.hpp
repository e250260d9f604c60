#pragma once
// [tftp] root = http(s)://prefix: files streamed through libcurl while they are sent,
// never stored whole. One helper thread runs every download (curl multi); it only moves
// bytes into per-download buffers and posts "more data" to the event loop, which owns all
// transfer logic. A slow remote therefore never delays other transfers.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <asio.hpp>
#include <spdlog/logger.h>

#include "tftp/file_source.hpp"

namespace netboot::net {

struct UrlSourceOptions {
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds stall_timeout{30};        // less than 1 byte/s for this long: the read fails
  std::size_t read_ahead = std::size_t{8} << 20;  // bytes buffered ahead of the client, then pause
  std::size_t keep_behind = std::size_t{8} << 20; // bytes kept behind for window restarts
};

class UrlSource final : public tftp::FileSource {
 public:
  /// `prefix`: "http://host[:port]/path" (a trailing '/' is optional).
  static Result<std::unique_ptr<UrlSource>> create(asio::io_context& io, std::string prefix,
                                                   std::shared_ptr<spdlog::logger> log, UrlSourceOptions options = {});
  ~UrlSource() override;
  UrlSource(const UrlSource&) = delete;
  UrlSource& operator=(const UrlSource&) = delete;

  /// Starts the download; `done` runs on the loop once the status is known: HTTP 404/410 ->
  /// Errc::NotFound, 401/403 -> Errc::AccessDenied, other failures -> Errc::Io. The size
  /// (tsize) is the Content-Length when the server sent one.
  void open(std::string_view relative, OpenCallback done) override;
  [[nodiscard]] std::string describe() const override { return prefix_; }
  /// Stops the helper thread and abandons every download (idempotent).
  void shutdown();

  struct Worker;  // the helper thread and its curl multi handle (public for the .cpp's helpers)

 private:
  UrlSource(std::string prefix, std::shared_ptr<Worker> worker) : prefix_(std::move(prefix)), worker_(std::move(worker)) {}
  std::string prefix_;
  std::shared_ptr<Worker> worker_;
};

}  // namespace netboot::net
