#include "net/event_notifier.hpp"

#include "dhcp/boot_event.hpp"

namespace netboot::net {
Result<std::unique_ptr<EventNotifier>> EventNotifier::create(asio::io_context& io, std::vector<UdpEndpoint> targets,
                                                             std::shared_ptr<spdlog::logger> log) {
  asio::ip::udp::socket socket(io);
  std::error_code ec;
  socket.open(asio::ip::udp::v4(), ec);
  if (!ec) socket.set_option(asio::socket_base::broadcast(true), ec);  // a x.y.z.255 target is allowed
  if (!ec) socket.non_blocking(true, ec);
  if (ec) return fail(Errc::Io, "notification socket: " + ec.message());
  return std::unique_ptr<EventNotifier>(new EventNotifier(std::move(socket), std::move(targets), std::move(log)));
}

void EventNotifier::publish(const std::vector<dhcp::BootEvent>& events) {
  if (targets_.empty() || events.empty()) return;
  for (const auto& message : dhcp::notification_messages(events)) {
    for (const auto& target : targets_) {
      const asio::ip::udp::endpoint to(asio::ip::address_v4(target.address.to_host_order()), target.port);
      std::error_code ec;
      socket_.send_to(asio::buffer(message), to, 0, ec);
      if (ec) {
        ++failed_;
        log_->warn("notify {}: {} not sent: {}", target.to_string(), message, ec.message());
      } else {
        ++sent_;
        log_->info("notify {}: {}", target.to_string(), message);
      }
    }
  }
}

}  // namespace netboot::net
