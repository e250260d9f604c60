#pragma once
// pybootd's [bootp] notify: one UDP datagram per BOOT/LEASE/RELEASE event to every target
// (format in dhcp/boot_event.hpp and docs/access-control.md). Fire and forget: a full
// socket buffer or an unreachable target loses that datagram, never delays a DHCP reply.
// Each target has its own connected socket, so the kernel reports an ICMP "port/host
// unreachable" for it on that socket; the next publish finds it (SO_ERROR) and says so in a
// rate-limited warning: a target that is down does not go unnoticed.
#include <cstdint>
#include <memory>
#include <vector>

#include <asio.hpp>
#include <spdlog/logger.h>

#include "core/ipv4_address.hpp"
#include "core/log_limiter.hpp"
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
  [[nodiscard]] std::uint64_t unreachable() const { return unreachable_; }

 private:
  struct Target {
    UdpEndpoint endpoint;
    asio::ip::udp::socket socket;  // connected to endpoint, unless connect failed at start
    bool connected = false;
  };
  EventNotifier(std::vector<Target> targets, std::shared_ptr<spdlog::logger> log)
      : targets_(std::move(targets)), log_(std::move(log)) {}
  void report_unreachable(const Target& target, int error);

  std::vector<Target> targets_;
  std::shared_ptr<spdlog::logger> log_;
  LogLimiter warnings_{kLogBurst, kLogInterval};
  std::uint64_t sent_ = 0;
  std::uint64_t failed_ = 0;
  std::uint64_t unreachable_ = 0;
};

}  // namespace netboot::net
