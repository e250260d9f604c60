#include "net/http_service.hpp"

#include <sys/socket.h>

#include <fmt/format.h>

#include "core/open_beneath.hpp"
#include "net/bind_hint.hpp"
#include "net/limited_log.hpp"

namespace netboot::net {
namespace {

Ipv4Address listen_address(const config::HttpServiceConfig& config) {
  return config.address.value_or(Ipv4Address::any());
}

void accept_next(const std::shared_ptr<HttpShared>& shared);

void refuse_full(asio::ip::tcp::socket& socket) {
  // Best effort, never waiting: a fresh socket's send buffer always holds this.
  static constexpr std::string_view kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nServer: netbootd\r\nContent-Type: text/plain\r\n"
      "Content-Length: 24\r\nRetry-After: 1\r\nConnection: close\r\n\r\n503 Service Unavailable\n";
  std::error_code ec;
  socket.native_non_blocking(true, ec);
  [[maybe_unused]] const auto sent = ::send(socket.native_handle(), kBusy.data(), kBusy.size(), MSG_NOSIGNAL);
  socket.shutdown(asio::socket_base::shutdown_send, ec);
  socket.close(ec);
}

void on_accept(const std::shared_ptr<HttpShared>& shared, const std::error_code& ec, asio::ip::tcp::socket socket) {
  if (shared->stopping || ec == asio::error::operation_aborted) return;
  if (ec) {
    // EMFILE, ENFILE, ENOBUFS: the pending connection stays queued; pause instead of spinning.
    shared->log->warn("accept failed: {}; pausing 100 ms", ec.message());
    shared->retry_timer.expires_after(std::chrono::milliseconds(100));
    shared->retry_timer.async_wait([shared](const std::error_code& timer_ec) {
      if (!timer_ec) accept_next(shared);
    });
    return;
  }
  std::error_code peer_ec;
  const auto peer = socket.remote_endpoint(peer_ec);
  if (peer_ec || !peer.address().is_v4()) {
    accept_next(shared);
    return;
  }
  const auto client = Ipv4Address::from_host_order(peer.address().to_v4().to_uint());
  if (shared->live.size() >= shared->config.max_connections) {
    ++shared->refused_full;
    if (const auto end = admit_line(*shared->log, shared->log_limiter, spdlog::level::warn, "busy"))
      shared->log->warn("{}: {} connections open (max_connections): answered 503{}", client.to_string(),
                        shared->live.size(), *end);
    refuse_full(socket);
  } else if (const auto it = shared->per_client.find(client.to_host_order());
             it != shared->per_client.end() && it->second >= shared->config.max_connections_per_client) {
    // One address may not take every slot (slow readers, a client opening connections in a loop).
    ++shared->refused_full;
    if (const auto end = admit_line(*shared->log, shared->log_limiter, spdlog::level::warn, "busy"))
      shared->log->warn("{}: {} connections open from this address (max_connections_per_client): answered 503{}",
                        client.to_string(), it->second, *end);
    refuse_full(socket);
  } else {
    std::make_shared<HttpConnection>(std::move(socket), shared, client)->start();
  }
  accept_next(shared);
}

void accept_next(const std::shared_ptr<HttpShared>& shared) {
  if (shared->stopping) return;
  shared->acceptor.async_accept([shared](const std::error_code& ec, asio::ip::tcp::socket socket) {
    on_accept(shared, ec, std::move(socket));
  });
}

}  // namespace

HttpService::HttpService(asio::io_context& io, const config::HttpServiceConfig& config, const lease::LeaseStore* leases,
                         std::shared_ptr<spdlog::logger> log, HttpServiceLimits limits)
    : shared_(std::make_shared<HttpShared>(io, config, leases, std::move(log), limits)) {}

HttpService::~HttpService() { stop(); }

Result<void> HttpService::start() {
  HttpShared& s = *shared_;
  auto root = open_directory(s.config.root.string());
  if (!root) return fail(Errc::Io, "cannot open HTTP root " + root.error().detail);
  s.root = std::move(*root);
  if (s.config.check_ip && s.leases == nullptr)
    s.log->warn("check_ip = yes but no lease store (DHCP off): every download will be refused");

  const auto address = listen_address(s.config);
  const auto where = fmt::format("TCP {}:{}", address.to_string(), s.config.port);
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address_v4(address.to_host_order()), s.config.port);
  std::error_code ec;
  s.acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail(Errc::Io, fmt::format("cannot open {}: {}", where, ec.message()));
  s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  s.acceptor.bind(endpoint, ec);
  if (ec) return fail(Errc::Io, fmt::format("cannot bind {}: {}{}", where, ec.message(), bind_hint(ec, s.config.port, "t")));
  s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(Errc::Io, fmt::format("cannot listen on {}: {}", where, ec.message()));
  s.stopping = false;
  s.log->info("serving {} on {} (check_ip {}, max_connections {}, {} per client, min_send_rate {} bytes/s)",
              s.config.root.string(), describe(), s.config.check_ip ? "yes" : "no", s.config.max_connections,
              s.config.max_connections_per_client, s.config.min_send_rate);
  accept_next(shared_);
  return {};
}

void HttpService::stop() {
  HttpShared& s = *shared_;
  if (s.stopping) return;
  s.stopping = true;
  std::error_code ec;
  s.acceptor.close(ec);
  s.retry_timer.cancel();
  // close() erases from `live`: take the list first.
  std::vector<std::shared_ptr<HttpConnection>> open;
  for (auto& [key, weak] : s.live)
    if (auto connection = weak.lock()) open.push_back(std::move(connection));
  for (auto& connection : open) connection->close();
  s.live.clear();
  s.per_client.clear();
}

std::string HttpService::describe() const {
  const auto port = local_port();
  return fmt::format("http {}:{}", listen_address(shared_->config).to_string(), port != 0 ? port : shared_->config.port);
}

std::uint16_t HttpService::local_port() const {
  std::error_code ec;
  if (!shared_->acceptor.is_open()) return 0;
  const auto endpoint = shared_->acceptor.local_endpoint(ec);
  return ec ? std::uint16_t{0} : endpoint.port();
}

}  // namespace netboot::net
