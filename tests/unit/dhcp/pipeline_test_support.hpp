#pragma once
// A lab network for pipeline tests: server 192.168.1.1/24, pool .100-.104, a memory lease
// store and the real allocator, plus builders for the requests real clients send.
#include <chrono>
#include <deque>
#include <functional>
#include <memory>

#include "config/config.hpp"
#include "dhcp/pipeline/exchange.hpp"
#include "lease/address_allocator.hpp"
#include "lease/memory_lease_store.hpp"

namespace netboot::dhcp::test {

inline Ipv4Address ip(const char* text) { return *Ipv4Address::parse(text); }
inline MacAddress mac(const char* text) { return *MacAddress::parse(text); }

inline const Bytes kGuid{0x00, 0x30, 0x42, 0x41, 0x4c, 0x34, 0x12, 0x67, 0x45,
                         0x89, 0xab, 0xcd, 0xef, 0x00, 0x77, 0x00, 0x01};

inline config::DhcpConfig lab_config() {
  config::DhcpConfig c;
  c.server_address = ip("192.168.1.1");
  c.netmask = ip("255.255.255.0");
  c.gateway = ip("192.168.1.254");
  c.dns = {ip("8.8.8.8")};
  c.domain = "lab";
  c.servername = "boot";
  c.lease_time = 3600;
  c.pool_start = ip("192.168.1.100");
  c.pool_count = 5;
  c.boot_files.fallback = "pxelinux.0";
  c.boot_files.by_arch[7] = "bootx64.efi";
  c.boot_files.ipxe_fallback = "boot.ipxe";
  return c;
}

/// Lease store + allocator as the service holds them; completions are queued, not run.
struct LeaseWorld {
  explicit LeaseWorld(const config::DhcpConfig& config = lab_config())
      : store([this](std::function<void()> f) { posted.push_back(std::move(f)); }),
        allocator(lease::PoolSettings{.pool_start = config.pool_start,
                          .pool_count = config.pool_count,
                          .reservations = config.static_leases,
                          .lease_time = std::chrono::seconds(config.lease_time)},
                  store) {}
  /// What the service does after a Continue.
  void commit(const Exchange& ex) {
    if (ex.lease && ex.lease_write != LeaseWrite::None) store.commit(*ex.lease, [](Result<void>) {});
  }
  std::deque<std::function<void()>> posted;
  lease::MemoryLeaseStore store;
  lease::AddressAllocator allocator;
};

inline const WallTime kNow = WallTime{} + std::chrono::hours(24 * 365 * 50);

struct RequestSpec {
  MessageType type = MessageType::Discover;
  MacAddress mac = test::mac("52:54:00:12:34:56");
  bool pxe = true;
  std::optional<std::uint16_t> arch = 0;
  bool ipxe = false;
  bool guid = true;
  std::optional<Ipv4Address> server_id = {};
  std::optional<Ipv4Address> requested = {};
  Ipv4Address ciaddr = {};
  Ipv4Address giaddr = {};
  bool broadcast = false;
  Bytes parameter_list = {1, 3, 6, 12, 15, 43, 60, 66, 67, 93, 97};
  std::optional<Bytes> client_id = Bytes{1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
};

inline DhcpPacket make_request(const RequestSpec& s) {
  DhcpPacket p;
  p.op = BootpOp::Request;
  p.chaddr = HardwareAddress::ethernet(s.mac);
  p.xid = 0xCAFE0001;
  p.broadcast = s.broadcast;
  p.ciaddr = s.ciaddr;
  p.giaddr = s.giaddr;
  p.message_type = s.type;
  auto& o = p.options;
  o.set(OptionCode::ParameterRequestList, s.parameter_list);
  if (s.client_id) o.set(OptionCode::ClientIdentifier, *s.client_id);
  if (s.server_id) o.set_address(OptionCode::ServerIdentifier, *s.server_id);
  if (s.requested) o.set_address(OptionCode::RequestedAddress, *s.requested);
  if (s.pxe) {
    const std::string arch = s.arch ? std::to_string(100000 + *s.arch).substr(1) : "00000";
    o.set_string(OptionCode::VendorClassIdentifier, "PXEClient:Arch:" + arch + ":UNDI:002001");
    if (s.arch) o.set_u16(OptionCode::ClientSystemArchitecture, *s.arch);
    if (s.guid) o.set(OptionCode::ClientMachineIdentifier, kGuid);
  }
  if (s.ipxe) o.set_string(OptionCode::UserClass, "iPXE");
  return p;
}

inline PacketInfo arrival() {
  return PacketInfo{UdpEndpoint{Ipv4Address::any(), 68}, ip("192.168.1.1"), 2, kNow};
}

inline Exchange exchange(const RequestSpec& spec) { return Exchange(make_request(spec), arrival()); }

}  // namespace netboot::dhcp::test
