#include "net/udp_listener.hpp"
#include "net/bind_hint.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace netboot::net {
namespace {

sockaddr_in to_sockaddr(Ipv4Address address, std::uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(address.to_host_order());
  return sin;
}

Ipv4Address from_in_addr(in_addr a) { return Ipv4Address::from_host_order(ntohl(a.s_addr)); }

}  // namespace

UdpListener::UdpListener(asio::io_context& io, std::shared_ptr<spdlog::logger> log)
    : socket_(io), log_(std::move(log)), buffers_(new std::uint8_t[kBatch * kSlotSize]) {}

UdpListener::~UdpListener() { close(); }

Result<void> UdpListener::open(const UdpListenerOptions& options) {
  const auto where = fmt::format("UDP {}:{}", options.address.to_string(), options.port);
  std::error_code ec;
  socket_.open(asio::ip::udp::v4(), ec);
  if (ec) return fail(Errc::Io, fmt::format("cannot open {}: {}", where, ec.message()));
  const int fd = socket_.native_handle();
  const int one = 1;
  // No SO_REUSEADDR: a second DHCP/TFTP server on the same port must be an error at start,
  // not a silent split of the traffic.
  if (::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) != 0)
    return fail(Errc::Io, fmt::format("cannot enable IP_PKTINFO on {}: {}", where, std::strerror(errno)));
  if (options.broadcast) ::setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
  if (options.receive_buffer > 0)
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &options.receive_buffer, sizeof options.receive_buffer);
  if (!options.interface.empty() &&
      ::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, options.interface.c_str(),
                   static_cast<socklen_t>(options.interface.size())) != 0)
    return fail(Errc::Io, fmt::format("cannot bind {} to interface {}: {}", where, options.interface, std::strerror(errno)));
  socket_.bind(asio::ip::udp::endpoint(asio::ip::make_address_v4(options.address.to_host_order()), options.port), ec);
  if (ec) return fail(Errc::Io, fmt::format("cannot bind {}: {}{}", where, ec.message(), bind_hint(ec, options.port, "u")));
  socket_.non_blocking(true, ec);
  return {};
}

std::uint16_t UdpListener::local_port() const {
  std::error_code ec;
  return socket_.local_endpoint(ec).port();
}

void UdpListener::start(Handler handler) {
  handler_ = std::move(handler);
  wait_readable();
}

void UdpListener::close() {
  std::error_code ec;
  if (socket_.is_open()) socket_.close(ec);
}

void UdpListener::wait_readable() {
  socket_.async_wait(asio::ip::udp::socket::wait_read, [this](const std::error_code& ec) {
    if (ec) return;  // closed
    drain();
    wait_readable();
  });
}

// Reads every datagram queued (bounded, so one flood cannot starve the loop's other work).
// recvmmsg with MSG_DONTWAIT stops at the first EAGAIN: a short count means the queue is
// empty, so a lone request costs one receive call, not a second one that finds nothing.
void UdpListener::drain() {
  constexpr std::size_t kMaxPerWakeup = 256;
  const int fd = socket_.native_handle();
  std::array<mmsghdr, kBatch> messages{};
  std::array<sockaddr_in, kBatch> peers{};
  std::array<iovec, kBatch> vectors{};
  struct alignas(cmsghdr) Control {
    std::array<char, CMSG_SPACE(sizeof(in_pktinfo))> bytes;
  };
  std::array<Control, kBatch> controls{};
  for (std::size_t total = 0; total < kMaxPerWakeup;) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      vectors[i] = {buffers_.get() + i * kSlotSize, kSlotSize};
      messages[i] = {};
      msghdr& msg = messages[i].msg_hdr;
      msg.msg_name = &peers[i];
      msg.msg_namelen = sizeof peers[i];
      msg.msg_iov = &vectors[i];
      msg.msg_iovlen = 1;
      msg.msg_control = controls[i].bytes.data();
      msg.msg_controllen = controls[i].bytes.size();
    }
    const int n = ::recvmmsg(fd, messages.data(), static_cast<unsigned>(kBatch), MSG_DONTWAIT, nullptr);
    if (n <= 0) {
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        log_->debug("recvmmsg: {}", std::strerror(errno));
      return;
    }
    const auto count = static_cast<std::size_t>(n);
    for (std::size_t i = 0; i < count; ++i) {
      msghdr& msg = messages[i].msg_hdr;
      PacketInfo info;
      info.peer = {from_in_addr(peers[i].sin_addr), ntohs(peers[i].sin_port)};
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
          in_pktinfo pktinfo{};
          std::memcpy(&pktinfo, CMSG_DATA(c), sizeof pktinfo);
          info.ifindex = static_cast<unsigned>(pktinfo.ipi_ifindex);
          info.local_address = from_in_addr(pktinfo.ipi_spec_dst);
          info.destination = from_in_addr(pktinfo.ipi_addr);
        }
      }
      if ((msg.msg_flags & MSG_TRUNC) != 0) {
        log_->debug("dropped a datagram larger than 64 KiB from {}", info.peer.to_string());
        continue;
      }
      handler_(ByteView(buffers_.get() + i * kSlotSize, messages[i].msg_len), info);
      if (!socket_.is_open()) return;  // the handler may stop the service
    }
    total += count;
    if (count < kBatch) return;  // drained
  }
}

bool UdpListener::send(ByteView datagram, UdpEndpoint to, unsigned ifindex, Ipv4Address source) {
  auto dest = to_sockaddr(to.address, to.port);
  iovec iov{const_cast<std::uint8_t*>(datagram.data()), datagram.size()};
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(in_pktinfo))> control{};
  msghdr msg{};
  msg.msg_name = &dest;
  msg.msg_namelen = sizeof dest;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (ifindex != 0 || !source.is_unspecified()) {
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo pktinfo{};
    pktinfo.ipi_ifindex = static_cast<int>(ifindex);
    pktinfo.ipi_spec_dst.s_addr = htonl(source.to_host_order());
    std::memcpy(CMSG_DATA(c), &pktinfo, sizeof pktinfo);
  }
  if (::sendmsg(socket_.native_handle(), &msg, 0) < 0) {
    log_->debug("sendmsg to {} (ifindex {}): {}", to.to_string(), ifindex, std::strerror(errno));
    return false;
  }
  return true;
}

bool UdpListener::add_arp_entry(Ipv4Address address, const MacAddress& mac, unsigned ifindex) {
  char name[IF_NAMESIZE] = {};
  if (ifindex == 0 || ::if_indextoname(ifindex, name) == nullptr) return false;
  arpreq request{};
  const auto pa = to_sockaddr(address, 0);
  std::memcpy(&request.arp_pa, &pa, sizeof pa);
  request.arp_ha.sa_family = ARPHRD_ETHER;
  std::memcpy(request.arp_ha.sa_data, mac.octets().data(), 6);
  request.arp_flags = ATF_COM;
  std::memcpy(request.arp_dev, name, std::min(sizeof request.arp_dev - 1, ::strnlen(name, IF_NAMESIZE)));
  if (::ioctl(socket_.native_handle(), SIOCSARP, &request) != 0) {
    log_->debug("cannot add ARP entry {} -> {} on {}: {}", address.to_string(), mac.to_string(), name, std::strerror(errno));
    return false;
  }
  return true;
}

}  // namespace netboot::net
