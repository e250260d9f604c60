#pragma once
// Option 13 when [tftp] root is an http(s):// prefix: the boot file's size is the remote
// server's Content-Length, learnt with a HEAD request on a helper thread (curl multi) and
// kept per file for a short while. A DHCP reply waits for it at most `max_wait` (a PXE ROM
// retransmits its DISCOVER after about 4 s): a late, absent, lying or hostile answer only
// means a reply without option 13. Redirects follow the downloads' rule (url_source):
// none unless [tftp] remote_redirects = same_host, then same origin beneath the root only.
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <asio.hpp>
#include <spdlog/logger.h>

#include "core/result.hpp"
#include "dhcp/pipeline/await_boot_file_size.hpp"

namespace netboot::net {

struct RemoteFileSizeOptions {
  std::chrono::milliseconds max_wait{1000};     // how long a reply may wait for a size
  std::chrono::milliseconds head_timeout{5000}; // the whole HEAD request, connect included
  std::chrono::seconds lifetime{30};            // how long an answer (or its absence) is kept
  std::size_t max_files = 256;                  // cached names (from [bootfile] and "file:" answers)
  std::size_t max_waiters = 4096;               // parked replies at once; more go without option 13
  bool same_host_redirects = false;             // [tftp] remote_redirects = same_host, as for downloads
  unsigned max_redirects = 5;
};

class HttpRemoteFileSize final : public dhcp::RemoteFileSize {
 public:
  /// `prefix`: the [tftp] root URL. Fails when libcurl cannot be loaded.
  static Result<std::unique_ptr<HttpRemoteFileSize>> create(asio::io_context& io, std::string prefix,
                                                            std::shared_ptr<spdlog::logger> log,
                                                            RemoteFileSizeOptions options = {});
  ~HttpRemoteFileSize() override;

  Answer lookup(std::string_view file, std::function<void()> ready) override;
  /// Stops the helper thread; waiting replies are not resumed (idempotent).
  void shutdown();

  struct Worker;  // the HEAD requests and the CurlMulti that runs them

 private:
  using Clock = std::chrono::steady_clock;
  struct Waiter {
    Clock::time_point deadline;
    std::function<void()> ready;
  };
  struct Entry {
    std::optional<std::uint64_t> bytes;  // the last answer's size (none: no usable answer)
    bool answered = false;
    Clock::time_point expires{};
    std::uint64_t generation = 0;        // which HEAD the next answer must belong to; 0: none in flight
    std::vector<Waiter> waiters;
  };

  HttpRemoteFileSize(asio::io_context& io, std::string prefix, std::shared_ptr<spdlog::logger> log,
                     RemoteFileSizeOptions options, std::shared_ptr<Worker> worker);
  void ask(const std::string& file, Entry& entry);
  void on_answer(const std::string& file, std::uint64_t generation, std::optional<std::uint64_t> bytes,
                 const std::string& detail);
  void release(std::vector<Waiter> waiters);
  void expire_waiters();
  bool make_room();
  [[nodiscard]] std::string url_of(std::string_view file) const;

  asio::io_context& io_;
  std::string prefix_;
  std::shared_ptr<spdlog::logger> log_;
  RemoteFileSizeOptions options_;
  std::shared_ptr<Worker> worker_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::size_t waiting_ = 0;
  std::uint64_t next_generation_ = 1;
  asio::steady_timer timer_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // answers posted after destruction are dropped
};

}  // namespace netboot::net
