#pragma once
// A UDP socket that learns, for every datagram, the interface and local address it
// arrived on (IP_PKTINFO), and can send a reply out of that same interface, from that
// same address. This is what lets a host with several network cards serve the right one.
#include <array>
#include <functional>
#include <memory>
#include <string>

#include <asio.hpp>
#include <spdlog/logger.h>

#include "core/byte_reader.hpp"
#include "core/ipv4_address.hpp"
#include "core/mac_address.hpp"
#include "core/result.hpp"

namespace netboot::net {

/// Where a datagram came from and how it reached us.
struct PacketInfo {
  UdpEndpoint peer;           // source address and port
  Ipv4Address local_address;  // our address on the arrival interface (ipi_spec_dst)
  Ipv4Address destination;    // the datagram's destination (ipi_addr): broadcast or unicast
  unsigned ifindex = 0;       // arrival interface
};

struct UdpListenerOptions {
  Ipv4Address address;         // bind address (0.0.0.0 to receive broadcasts)
  std::uint16_t port = 0;      // 0 = ephemeral (tests)
  std::string interface;       // SO_BINDTODEVICE when not empty
  bool broadcast = false;      // SO_BROADCAST
  int receive_buffer = 0;      // SO_RCVBUF when > 0
};

/// What the DHCP service needs of its socket: UdpListener, or a fake one in tests.
class DatagramListener {
 public:
  using Handler = std::function<void(ByteView datagram, const PacketInfo& info)>;

  virtual ~DatagramListener() = default;
  /// Opens and binds; an error is one line ("cannot bind UDP 0.0.0.0:67: Permission denied").
  virtual Result<void> open(const UdpListenerOptions& options) = 0;
  /// Starts the receive loop; `handler` runs on the event loop for each datagram.
  virtual void start(Handler handler) = 0;
  virtual void close() = 0;
  [[nodiscard]] virtual std::uint16_t local_port() const = 0;

  /// Sends `datagram` to `to`, out of interface `ifindex` with source address `source`
  /// (either may be 0 to let routing decide). Returns false (and logs at debug) on error.
  virtual bool send(ByteView datagram, UdpEndpoint to, unsigned ifindex, Ipv4Address source) = 0;

  /// Teaches the kernel that `address` is at `mac` on `ifindex` (SIOCSARP), so that a reply can be
  /// unicast to a client that has no address yet (RFC 2131 4.1). False when not permitted.
  virtual bool add_arp_entry(Ipv4Address address, const MacAddress& mac, unsigned ifindex) = 0;
};

class UdpListener final : public DatagramListener {
 public:
  UdpListener(asio::io_context& io, std::shared_ptr<spdlog::logger> log);
  ~UdpListener() override;
  UdpListener(const UdpListener&) = delete;
  UdpListener& operator=(const UdpListener&) = delete;

  Result<void> open(const UdpListenerOptions& options) override;
  void start(Handler handler) override;
  void close() override;
  [[nodiscard]] std::uint16_t local_port() const override;
  bool send(ByteView datagram, UdpEndpoint to, unsigned ifindex, Ipv4Address source) override;
  bool add_arp_entry(Ipv4Address address, const MacAddress& mac, unsigned ifindex) override;

 private:
  void wait_readable();
  void drain();

  asio::ip::udp::socket socket_;
  std::shared_ptr<spdlog::logger> log_;
  Handler handler_;
  // recvmmsg reads up to kBatch datagrams per call, each whole (up to 64 KiB). Allocated, not
  // zeroed: only the pages the kernel writes into become resident.
  static constexpr std::size_t kBatch = 8;
  static constexpr std::size_t kSlotSize = 65536;
  std::unique_ptr<std::uint8_t[]> buffers_;
};

}  // namespace netboot::net
