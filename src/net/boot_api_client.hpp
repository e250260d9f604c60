#pragma once
// The HTTP side of [boot_api]: GETs to the boot API through libcurl on a CurlMulti helper
// thread; each answer is read (boot::read_boot_api_answer) and posted back to the event
// loop, so a slow or dead API delays only the machine it is asked about.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <asio.hpp>
#include <spdlog/logger.h>

#include "boot/boot_api.hpp"
#include "core/result.hpp"

namespace netboot::net {

struct BootApiClientOptions {
  std::chrono::milliseconds timeout{2000};  // [boot_api] timeout: the whole request, connect included
  std::size_t max_body = 64 * 1024;         // [boot_api] max_answer_bytes: a longer answer fails (closed)
  std::size_t max_in_flight = 1024;         // more questions at once fail at once
};

class BootApiClient final : public boot::BootApi {
 public:
  static Result<std::unique_ptr<BootApiClient>> create(asio::io_context& io, BootApiClientOptions options);
  ~BootApiClient() override;
  /// http(s) only, no redirect (a 3xx fails), no proxy, response headers at most 16 KiB.
  void ask(std::string url, Done done) override;
  /// Stops the helper thread; questions in flight get no answer (idempotent).
  void shutdown();

  struct Worker;

 private:
  explicit BootApiClient(std::shared_ptr<Worker> worker) : worker_(std::move(worker)) {}
  std::shared_ptr<Worker> worker_;
};

}  // namespace netboot::net
