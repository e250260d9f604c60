#include "net/status_service.hpp"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "http/request_parser.hpp"
#include "net/bind_hint.hpp"
#include "net/dhcp_service.hpp"
#include "net/http_service.hpp"
#include "net/limited_log.hpp"
#include "net/tftp_service.hpp"
#include "core/text.hpp"
#include "status/exposition.hpp"
#include "status/host_check.hpp"
#include "status/json_views.hpp"
#include "status/status_page.hpp"

namespace netboot::net {

class StatusConnection;

struct StatusService::Shared {
  Shared(asio::io_context& io_context, const config::StatusConfig& service_config, std::shared_ptr<spdlog::logger> logger,
         StatusServiceLimits service_limits)
      : io(io_context), config(service_config), log(std::move(logger)), limits(service_limits), acceptor(io_context),
        retry_timer(io_context) {}
  asio::io_context& io;
  config::StatusConfig config;
  std::shared_ptr<spdlog::logger> log;
  StatusServiceLimits limits;
  asio::ip::tcp::acceptor acceptor;
  asio::steady_timer retry_timer;
  std::unordered_map<const StatusConnection*, std::weak_ptr<StatusConnection>> live;
  std::function<StatusService::Answer(std::string_view, std::string_view)> answer;
  LogLimiter log_limiter{kLogBurst, kLogInterval};
  bool stopping = false;
};

namespace {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

}  // namespace

/// One client of the status service: read a request head (bounded in size and time), write
/// the whole answer (bounded in time), then the next request or close.
class StatusConnection : public std::enable_shared_from_this<StatusConnection> {
 public:
  StatusConnection(asio::ip::tcp::socket socket, std::shared_ptr<StatusService::Shared> shared)
      : socket_(std::move(socket)), timer_(shared->io), shared_(std::move(shared)),
        parser_(http::ParserLimits{.max_target = 1024, .max_header_bytes = shared_->limits.max_request_bytes}) {}

  void start() {
    shared_->live.emplace(this, weak_from_this());
    std::error_code ec;
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    arm(shared_->limits.idle_timeout);
    read_more();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    shared_->live.erase(this);
    std::error_code ec;
    socket_.close(ec);
    timer_.cancel();
  }

 private:
  void arm(std::chrono::milliseconds limit) {
    timer_.expires_after(limit);
    timer_.async_wait([weak = weak_from_this()](const std::error_code& ec) {
      if (auto self = weak.lock(); self && !ec) self->close();  // idle, trickling or not reading
    });
  }

  void read_more() {
    socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
      if (self->closed_) return;
      if (ec) {
        self->close();
        return;
      }
      self->pending_.append(self->buffer_.data(), n);
      self->process();
    });
  }

  void process() {
    if (received_ + pending_.size() > shared_->limits.max_request_bytes + 1024) {
      respond_error(431);  // a head that never ends
      return;
    }
    const auto progress = parser_.feed(pending_);
    received_ += progress.consumed;
    pending_.erase(0, progress.consumed);
    switch (progress.state) {
      case http::RequestParser::State::NeedMore:
        pending_.clear();
        read_more();
        return;
      case http::RequestParser::State::Failed:
        respond_error(parser_.error_status());
        return;
      case http::RequestParser::State::Complete:
        respond();
        return;
    }
  }

  void respond() {
    const auto& request = parser_.request();
    keep_alive_ = request.keep_alive;
    // DNS rebinding: a page in the operator's browser whose name now resolves to us sends
    // that name. Without Host (HTTP/1.0 tools) there is no browser to fear.
    if (request.host && !status::host_accepted(*request.host, shared_->config.address, shared_->config.hostnames)) {
      if (const auto end = admit_line(*shared_->log, shared_->log_limiter, spdlog::level::warn, "host"))
        shared_->log->warn("request for Host '{}' refused (not this service's address, localhost or a name in "
                           "[status] hostnames){}",
                           printable(*request.host), *end);
      keep_alive_ = false;
      write(403, "text/plain; charset=utf-8",
            "403 Forbidden: this Host is not accepted; add the name to [status] hostnames\n", false, {});
      return;
    }
    if (request.method != http::Method::Get && request.method != http::Method::Head) {
      write(405, "text/plain; charset=utf-8", "405 Method Not Allowed\n", false, "Allow: GET, HEAD\r\n");
      return;
    }
    const auto question = request.target.find('?');
    const std::string_view query =
        question == std::string::npos ? std::string_view{} : std::string_view(request.target).substr(question + 1);
    auto answer = shared_->answer(request.path, query);
    write(answer.status, answer.content_type, std::move(answer.body), request.method == http::Method::Head, {});
  }

  void respond_error(int status) {
    keep_alive_ = false;
    write(status, "text/plain; charset=utf-8", fmt::format("{} {}\n", status, reason_phrase(status)), false, {});
  }

  void write(int status, std::string_view content_type, std::string body, bool head_only, std::string_view extra) {
    out_ = fmt::format(
        "HTTP/1.1 {} {}\r\nServer: netbootd\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\nContent-Security-Policy: default-src 'self'; script-src 'unsafe-inline' "
        "'self'; style-src 'unsafe-inline'; img-src data:\r\n{}Connection: {}\r\n\r\n",
        status, reason_phrase(status), content_type, body.size(), extra, keep_alive_ ? "keep-alive" : "close");
    if (!head_only) out_ += body;
    arm(shared_->limits.write_timeout);
    asio::async_write(socket_, asio::buffer(out_), [self = shared_from_this()](const std::error_code& ec, std::size_t) {
      if (self->closed_) return;
      if (ec) {
        self->close();
        return;
      }
      if (!self->keep_alive_) {
        self->linger();
        return;
      }
      self->out_.clear();
      self->out_.shrink_to_fit();  // an idle connection keeps no answer
      self->parser_.next();
      self->received_ = 0;
      self->arm(self->shared_->limits.idle_timeout);
      if (self->pending_.empty()) self->read_more();
      else self->process();
    });
  }

  // After the last answer: FIN, then read and discard what the client still sends until it
  // closes (2 s at most), so that closing with unread bytes (RST) cannot destroy the answer.
  void linger() {
    std::error_code ignored;
    socket_.shutdown(asio::socket_base::shutdown_send, ignored);
    arm(std::chrono::milliseconds(2000));
    drain();
  }

  void drain() {
    socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](const std::error_code& ec, std::size_t) {
      if (self->closed_) return;
      if (ec) self->close();
      else self->drain();
    });
  }

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<StatusService::Shared> shared_;
  http::RequestParser parser_;
  std::array<char, 4096> buffer_{};
  std::string pending_;      // received, not yet parsed (pipelined requests)
  std::size_t received_ = 0; // bytes of the current request head
  std::string out_;
  bool keep_alive_ = true;
  bool closed_ = false;
};

namespace {

void accept_next(const std::shared_ptr<StatusService::Shared>& shared);

void on_accept(const std::shared_ptr<StatusService::Shared>& shared, const std::error_code& ec,
               asio::ip::tcp::socket socket) {
  if (shared->stopping || ec == asio::error::operation_aborted) return;
  if (ec) {
    shared->log->warn("accept failed: {}; pausing 100 ms", ec.message());
    shared->retry_timer.expires_after(std::chrono::milliseconds(100));
    shared->retry_timer.async_wait([shared](const std::error_code& timer_ec) {
      if (!timer_ec) accept_next(shared);
    });
    return;
  }
  if (shared->live.size() >= shared->config.max_connections) {
    // Turned away at once: the oldest scrapers keep being served.
    if (const auto end = admit_line(*shared->log, shared->log_limiter, spdlog::level::warn, "busy"))
      shared->log->warn("{} connections open (max_connections): connection closed{}", shared->live.size(), *end);
    std::error_code close_ec;
    socket.close(close_ec);
  } else {
    std::make_shared<StatusConnection>(std::move(socket), shared)->start();
  }
  accept_next(shared);
}

void accept_next(const std::shared_ptr<StatusService::Shared>& shared) {
  shared->acceptor.async_accept([shared](const std::error_code& ec, asio::ip::tcp::socket socket) {
    on_accept(shared, ec, std::move(socket));
  });
}

}  // namespace

StatusService::StatusService(asio::io_context& io, const config::StatusConfig& config, StatusSources sources,
                             std::shared_ptr<spdlog::logger> log, StatusServiceLimits limits)
    : shared_(std::make_shared<Shared>(io, config, std::move(log), limits)), sources_(sources) {
  shared_->answer = [this](std::string_view path, std::string_view query) { return answer(path, query); };
  if (sources_.dhcp_config != nullptr && sources_.leases != nullptr) {
    pool_counter_ = std::make_unique<status::PoolCounter>(sources_.dhcp_config->pool_start,
                                                          sources_.dhcp_config->pool_count, sources_.leases->all());
    sources_.leases->subscribe(*pool_counter_);
  }
}

StatusService::~StatusService() {
  stop();
  if (pool_counter_) sources_.leases->unsubscribe(*pool_counter_);
}

Result<void> StatusService::start() {
  const asio::ip::tcp::endpoint endpoint(asio::ip::address_v4(shared_->config.address.to_host_order()),
                                         shared_->config.port);
  std::error_code ec;
  auto& acceptor = shared_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::error_code ignored;
    acceptor.close(ignored);
    return fail(Errc::Io, fmt::format("status: cannot listen on {}:{}: {}{}", shared_->config.address.to_string(),
                                      shared_->config.port, ec.message(),
                                      bind_hint(ec, shared_->config.port, "t")));
  }
  accept_next(shared_);
  return {};
}

void StatusService::stop() {
  if (shared_->stopping) return;
  shared_->stopping = true;
  std::error_code ec;
  shared_->acceptor.close(ec);
  shared_->retry_timer.cancel();
  std::vector<std::shared_ptr<StatusConnection>> open;
  for (const auto& [key, weak] : shared_->live)
    if (auto connection = weak.lock()) open.push_back(std::move(connection));
  for (const auto& connection : open) connection->close();
  shared_->live.clear();
}

std::string StatusService::describe() const {
  return fmt::format("status {}:{}", shared_->config.address.to_string(), local_port());
}

std::uint16_t StatusService::local_port() const {
  std::error_code ec;
  const auto endpoint = shared_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

std::size_t StatusService::connection_count() const { return shared_->live.size(); }

std::optional<status::PoolUsage> StatusService::pool_usage() {
  if (!pool_counter_) return std::nullopt;
  const auto& d = *sources_.dhcp_config;
  const Ipv4Subnet subnet{d.server_address, d.netmask};
  const auto prefix = static_cast<unsigned>(__builtin_popcount(d.netmask.to_host_order()));
  // Counted as the leases are committed: a scrape copies none.
  return pool_counter_->usage(fmt::format("{}/{}", subnet.network().to_string(), prefix), d.static_leases.size(),
                              std::chrono::system_clock::now());
}

std::vector<status::LiveTransfer> StatusService::live_transfers() const {
  return sources_.tftp != nullptr ? sources_.tftp->live_transfers() : std::vector<status::LiveTransfer>{};
}

status::ScrapeReadings StatusService::readings() {
  status::ScrapeReadings r;
  r.pool = pool_usage();
  if (sources_.tftp != nullptr) {
    r.tftp_active = sources_.tftp->active_transfers();
    r.log_lines_suppressed.push_back({"tftp", sources_.tftp->log_lines_suppressed()});
  }
  if (sources_.dhcp != nullptr) r.log_lines_suppressed.push_back({"dhcp", sources_.dhcp->log_lines_suppressed()});
  if (sources_.http != nullptr) {
    r.http_connections = sources_.http->connection_count();
    r.log_lines_suppressed.push_back({"http", sources_.http->log_lines_suppressed()});
  }
  r.log_lines_suppressed.push_back({"status", shared_->log_limiter.suppressed_total()});
  return r;
}

std::string StatusService::leases_text(status::ListWindow window, std::string_view query) {
  const auto now = std::chrono::system_clock::now();
  auto& cache = leases_cache_;
  const bool reusable = pool_counter_ && cache.valid && cache.query == query &&
                        cache.lease_version == pool_counter_->version() &&
                        (!cache.valid_until || now < *cache.valid_until);
  if (reusable) return cache.body;
  auto leases = sources_.leases != nullptr ? sources_.leases->all() : std::vector<lease::Lease>{};
  // A stable order, so that offset and limit page through the same list.
  std::sort(leases.begin(), leases.end(), [](const lease::Lease& a, const lease::Lease& b) {
    return std::pair(a.address.to_host_order(), a.mac) < std::pair(b.address.to_host_order(), b.mac);
  });
  std::string body = status::to_json_text(status::leases_json(leases, now, window));
  if (!pool_counter_) return body;
  // A bound lease shows as "expired" once its time is up: the document holds until the first of them.
  std::optional<status::WallTime> until;
  for (const auto& lease : leases)
    if (lease.state == lease::LeaseState::Bound && lease.expires > now && (!until || lease.expires < *until))
      until = lease.expires;
  cache = {.valid = true, .query = std::string(query), .lease_version = pool_counter_->version(),
           .valid_until = until, .body = body};
  return body;
}

std::string StatusService::machines_text(status::ListWindow window, std::string_view query) {
  const auto& activity = sources_.telemetry->activity;
  const auto live = live_transfers();
  const auto pool = pool_usage();  // moves the pool's expiry boundary first
  const std::uint64_t lease_version = pool_counter_ ? pool_counter_->version() : 0;
  const std::uint64_t reserved = pool ? pool->reserved : 0;
  const auto now = std::chrono::system_clock::now();
  auto& cache = machines_cache_;
  // A live transfer's progress changes by itself: then the document is built every time.
  if (live.empty() && cache.valid && cache.query == query && cache.activity_version == activity.version() &&
      cache.lease_version == lease_version && cache.reserved == reserved &&
      (!cache.valid_until || now < *cache.valid_until))
    return cache.body;
  std::string body = status::to_json_text(status::machines_json(activity, live, pool, window));
  if (live.empty())
    cache = {.valid = true, .query = std::string(query), .activity_version = activity.version(),
             .lease_version = lease_version, .reserved = reserved,
             .valid_until = pool_counter_ ? pool_counter_->next_expiry() : std::nullopt, .body = body};
  return body;
}

StatusService::Answer StatusService::answer(std::string_view path, std::string_view query) {
  constexpr std::string_view kJson = "application/json";
  const auto& telemetry = *sources_.telemetry;
  const auto bad_window = [] { return Answer{400, "text/plain; charset=utf-8", "400 Bad Request: offset and limit\n"}; };
  if (path == "/metrics")
    return {200, std::string(status::kExpositionContentType),
            status::encode_exposition(status::metric_families(telemetry, readings()))};
  if (path == "/api/v1/leases") {
    const auto window = status::parse_list_window(query, kLeaseListBounds);
    if (!window) return bad_window();
    return {200, std::string(kJson), leases_text(*window, query)};
  }
  if (path == "/api/v1/machines") {
    const auto window = status::parse_list_window(query, kMachineListBounds);
    if (!window) return bad_window();
    return {200, std::string(kJson), machines_text(*window, query)};
  }
  if (path == "/api/v1/transfers")
    return {200, std::string(kJson),
            status::to_json_text(status::transfers_json(live_transfers(), telemetry.activity.recent_transfers()))};
  if (path == "/" || path == "/index.html")
    return {200, "text/html; charset=utf-8", std::string(status::status_page_html())};
  return {404, "text/plain; charset=utf-8", "404 Not Found\n"};
}

}  // namespace netboot::net
