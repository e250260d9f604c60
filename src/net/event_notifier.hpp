#pragma once
// pybootd's [bootp] notify: one UDP datagram per BOOT/LEASE/RELEASE event to every target
// (format in dhcp/boot_event.hpp and docs/access-control.md). Fire and forget: a full
// socket buffer or an unreachable target loses that datagram, never delays a DHCP reply.
#include <cstdint>
#include <memory>
#include <vector>

#include <asio.hpp>
#include <spdlog/logger.h>

#include "core/ipv4_address.hpp"
#include "core/result.hpp"
#include "dhcp/boot_event.hpp"

namespace netboot::net {

class EventNotifier {
 public:
  static Result<std::unique_ptr<EventNotifier>> create(asio::io_context& io, std::vector<UdpEndpoint> targets,
                                                       std::shared_ptr<spdlog::logger> log);

  /// Sends the datagrams for the events of one reply (DhcpServiceDependencies::events).
  void publish(const std::vector<dhcp::BootEvent>& events);

  [[nodiscard]] std::uint64_t sent() const { return sent_; }
  [[nodiscard]] std::uint64_t failed() const { return failed_; }

 private:
  EventNotifier(asio::ip::udp::socket socket, std::vector<UdpEndpoint> targets, std::shared_ptr<spdlog::logger> log)
      : socket_(std::move(socket)), targets_(std::move(targets)), log_(std::move(log)) {}

  asio::ip::udp::socket socket_;
  std::vector<UdpEndpoint> targets_;
  std::shared_ptr<spdlog::logger> log_;
  std::uint64_t sent_ = 0;
  std::uint64_t failed_ = 0;
};

}  // namespace netboot::net
