#include "net/event_notifier.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "dhcp/boot_event.hpp"
#include "net/limited_log.hpp"

namespace netboot::net {
namespace {

bool is_unreachable(int error) {
  return error == ECONNREFUSED || error == EHOSTUNREACH || error == ENETUNREACH || error == EHOSTDOWN;
}

}  // namespace

Result<std::unique_ptr<EventNotifier>> EventNotifier::create(asio::io_context& io, std::vector<UdpEndpoint> targets,
                                                             std::shared_ptr<spdlog::logger> log) {
  std::vector<Target> connected;
  connected.reserve(targets.size());
  for (const auto& target : targets) {
    asio::ip::udp::socket socket(io);
    std::error_code ec;
    socket.open(asio::ip::udp::v4(), ec);
    if (!ec) socket.set_option(asio::socket_base::broadcast(true), ec);  // a x.y.z.255 target is allowed
    if (!ec) socket.non_blocking(true, ec);
    if (ec) return fail(Errc::Io, "notification socket for " + target.to_string() + ": " + ec.message());
    // Connected: the kernel then keeps an ICMP error about this target for this socket. A
    // target without a route yet (its network comes up later) is sent to unconnected.
    std::error_code connect_error;
    socket.connect({asio::ip::address_v4(target.address.to_host_order()), target.port}, connect_error);
    if (connect_error)
      log->warn("notify {}: cannot connect ({}): sending without unreachability reports", target.to_string(),
                connect_error.message());
    connected.push_back({target, std::move(socket), !connect_error});
  }
  return std::unique_ptr<EventNotifier>(new EventNotifier(std::move(connected), std::move(log)));
}

void EventNotifier::report_unreachable(const Target& target, int error) {
  ++unreachable_;
  if (const auto end = admit_line(*log_, warnings_, spdlog::level::warn, "unreachable"))
    log_->warn("notify {}: target unreachable ({}): the notification before this one was lost{}",
               target.endpoint.to_string(), std::strerror(error), *end);
}

void EventNotifier::publish(const std::vector<dhcp::BootEvent>& events) {
  if (targets_.empty() || events.empty()) return;
  for (const auto& message : dhcp::notification_messages(events)) {
    for (auto& target : targets_) {
      const int fd = target.socket.native_handle();
      // An ICMP error the last datagram caused is pending here; reading it clears it, so this
      // datagram is still sent (a send would otherwise fail with the old error instead).
      int pending = 0;
      socklen_t length = sizeof pending;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &length) == 0 && pending != 0 && is_unreachable(pending))
        report_unreachable(target, pending);
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_port = htons(target.endpoint.port);
      to.sin_addr.s_addr = htonl(target.endpoint.address.to_host_order());
      const auto sent = target.connected
                            ? ::send(fd, message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL)
                            : ::sendto(fd, message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                                       reinterpret_cast<const sockaddr*>(&to), sizeof to);
      if (sent < 0) {
        const int error = errno;
        ++failed_;
        if (is_unreachable(error)) {
          report_unreachable(target, error);
        } else if (const auto end = admit_line(*log_, warnings_, spdlog::level::warn, "not sent")) {
          log_->warn("notify {}: {} not sent: {}{}", target.endpoint.to_string(), message, std::strerror(error), *end);
        }
      } else {
        ++sent_;
        log_->info("notify {}: {}", target.endpoint.to_string(), message);
      }
    }
  }
}

}  // namespace netboot::net
