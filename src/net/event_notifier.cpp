#include "net/event_notifier.hpp"

#include "acl/notification.hpp"

namespace netboot::net {
namespace {

acl::NotifiedEvent::Kind notified_kind(dhcp::BootEvent::Kind kind) {
  switch (kind) {
    case dhcp::BootEvent::Kind::Boot: return acl::NotifiedEvent::Kind::Boot;
    case dhcp::BootEvent::Kind::Lease: return acl::NotifiedEvent::Kind::Lease;
    case dhcp::BootEvent::Kind::Release: return acl::NotifiedEvent::Kind::Release;
    case dhcp::BootEvent::Kind::Decline: break;
  }
  return acl::NotifiedEvent::Kind::Decline;
}

}  // namespace

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
  std::vector<acl::NotifiedEvent> notified;
  notified.reserve(events.size());
  for (const auto& e : events) notified.push_back({notified_kind(e.kind), e.mac, e.address, e.uuid});
  for (const auto& message : acl::notification_messages(notified)) {
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
