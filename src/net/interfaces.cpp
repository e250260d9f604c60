#include "net/interfaces.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>

namespace netboot::net {
namespace {

Ipv4Address to_address(const sockaddr* sa) {
  if (sa == nullptr || sa->sa_family != AF_INET) return {};
  sockaddr_in sin{};
  std::memcpy(&sin, sa, sizeof sin);
  return Ipv4Address::from_host_order(ntohl(sin.sin_addr.s_addr));
}

unsigned query_mtu(int fd, const char* name) {
  ifreq request{};
  std::strncpy(request.ifr_name, name, IFNAMSIZ - 1);
  if (fd >= 0 && ::ioctl(fd, SIOCGIFMTU, &request) == 0 && request.ifr_mtu > 0)
    return static_cast<unsigned>(request.ifr_mtu);
  return 1500;
}

}  // namespace

std::vector<NetworkInterface> list_interfaces() {
  std::vector<NetworkInterface> result;
  ifaddrs* head = nullptr;
  if (::getifaddrs(&head) != 0) return result;
  const std::unique_ptr<ifaddrs, decltype(&::freeifaddrs)> guard(head, &::freeifaddrs);
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  for (const ifaddrs* it = head; it != nullptr; it = it->ifa_next) {
    if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != AF_INET) continue;
    NetworkInterface entry;
    entry.name = it->ifa_name;
    entry.index = ::if_nametoindex(it->ifa_name);
    entry.address = to_address(it->ifa_addr);
    entry.netmask = to_address(it->ifa_netmask);
    entry.mtu = query_mtu(fd, it->ifa_name);
    entry.up = (it->ifa_flags & IFF_UP) != 0;
    entry.loopback = (it->ifa_flags & IFF_LOOPBACK) != 0;
    result.push_back(std::move(entry));
  }
  if (fd >= 0) ::close(fd);
  return result;
}

}  // namespace netboot::net
