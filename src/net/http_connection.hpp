#pragma once
// One HTTP client connection on the event loop: read and parse a request, plan the answer
// (http/response_plan), send the head, stream the body with sendfile(2) a slice per turn
// so that no client holds up the others, then wait for the next request (keep-alive) or close.
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include <asio.hpp>
#include <spdlog/logger.h>

#include "config/config.hpp"
#include "core/ipv4_address.hpp"
#include "core/log_limiter.hpp"
#include "http/request_parser.hpp"
#include "http/response_plan.hpp"
#include "core/unique_fd.hpp"
#include "lease/lease_store.hpp"
#include "status/telemetry.hpp"

namespace netboot::net {

/// Time limits of the HTTP service; tests shorten them.
struct HttpServiceLimits {
  std::chrono::milliseconds idle_timeout{15'000};   // for a whole request head, from connect or the previous answer
  // While an answer is sent, checked once per period: no byte sent in it is a stall, fewer than
  // [httpd] min_send_rate per second on average a client too slow to keep its slot.
  std::chrono::milliseconds stall_timeout{60'000};
  std::chrono::milliseconds linger_timeout{2'000};  // reading what a client still sends before closing
  http::ParserLimits parser;
};

class HttpConnection;
class BootScripts;

/// What the service and all its connections share; it outlives both (shared_ptr), so a
/// handler that runs after stop() finds it intact.
struct HttpShared {
  HttpShared(asio::io_context& io_context, const config::HttpServiceConfig& service_config,
             const lease::LeaseStore* lease_store, std::shared_ptr<spdlog::logger> logger, HttpServiceLimits time_limits)
      : io(io_context), config(service_config), leases(lease_store), log(std::move(logger)), limits(time_limits),
        acceptor(io_context), retry_timer(io_context) {}

  asio::io_context& io;
  config::HttpServiceConfig config;
  const lease::LeaseStore* leases;
  std::shared_ptr<spdlog::logger> log;
  HttpServiceLimits limits;
  asio::ip::tcp::acceptor acceptor;
  asio::steady_timer retry_timer;  // accept paused after EMFILE and the like
  UniqueFd root;
  std::unordered_map<const HttpConnection*, std::weak_ptr<HttpConnection>> live;
  std::unordered_map<std::uint32_t, unsigned> per_client;  // open connections by client address; no zero entries
  bool stopping = false;
  std::uint64_t refused_full = 0;  // connections turned away with 503 (max_connections or max_connections_per_client)
  LogLimiter log_limiter{kLogBurst, kLogInterval};  // error lines under a flood
  status::Telemetry* telemetry = nullptr;           // the status service's figures, when [status] is on
  const BootScripts* scripts = nullptr;             // "/boot/<mac>.ipxe": generated iPXE scripts (issue 20)
};

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(asio::ip::tcp::socket socket, std::shared_ptr<HttpShared> shared, Ipv4Address peer);
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  /// Registers with the service and waits for the first request.
  void start();
  /// Aborts whatever is in progress and closes the socket (service stop, timeouts).
  void close();

 private:
  using Clock = std::chrono::steady_clock;

  void read_more();
  void process_buffered();
  void respond();
  bool respond_with_script(const http::Request& request);
  void respond_error(int status, std::string note);
  void begin_response(http::ResponsePlan plan);
  void send_body();
  void finish_response(std::string_view failure);
  void linger();
  void drain();  // reads and discards until the client closes or the linger deadline
  void set_deadline(std::chrono::milliseconds from_now);
  void on_timer();

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<HttpShared> shared_;
  Ipv4Address peer_;
  http::RequestParser parser_;
  std::unique_ptr<std::array<char, 16384>> buffer_;
  std::size_t begin_ = 0;  // unparsed bytes are buffer_[begin_, end_)
  std::size_t end_ = 0;
  Clock::time_point deadline_;
  bool closed_ = false;
  bool responding_ = false;  // between begin_response and finish_response: owes a log line

  // The answer in progress.
  http::ResponsePlan plan_;
  std::string method_;
  std::string target_;
  std::string out_;  // head (and an error answer's text)
  UniqueFd file_;
  std::uint64_t body_sent_ = 0;
  Clock::time_point started_;
  std::uint64_t checked_sent_ = 0;  // body_sent_ at the previous send-rate check
  Clock::time_point checked_at_;
};

}  // namespace netboot::net
