// libFuzzer target: the configuration reader (the pybootd-compatible INI syntax) and the
// loader with a fixed set of fake interfaces, then --check-config's printer. Invariants: no
// crash, an error always has a message, and a loaded configuration keeps its pool inside the
// detected subnet.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/ini_file.hpp"
#include "config/load_config.hpp"
#include "fuzz_check.hpp"

namespace {

const netboot::NetworkInterface kInterfaces[] = {
    {"lo", 1, *netboot::Ipv4Address::parse("127.0.0.1"), *netboot::Ipv4Address::parse("255.0.0.0"), 65536, true, true},
    {"eth0", 2, *netboot::Ipv4Address::parse("192.168.1.1"), *netboot::Ipv4Address::parse("255.255.255.0"), 1500, true,
     false},
    {"eth1", 3, *netboot::Ipv4Address::parse("10.0.0.1"), *netboot::Ipv4Address::parse("255.255.0.0"), 9000, true, false},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace netboot;
  using namespace netboot::config;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // "/nonexistent/...": relative paths in the input resolve to nothing on this machine.
  auto ini = parse_ini_text(text, "/nonexistent/fuzz.ini");
  if (!ini) {
    FUZZ_CHECK(!ini.error().detail.empty());
    return 0;
  }
  LoadOptions options;
  options.resolv_conf = "/nonexistent/resolv.conf";
  auto loaded = load_config(*ini, options, kInterfaces);
  if (!loaded) {
    FUZZ_CHECK(!loaded.error().detail.empty());
    return 0;
  }
  const Config& c = loaded->config;
  if (c.services.dhcp && c.dhcp.pool_count > 0)
    FUZZ_CHECK(c.dhcp.pool_start.plus(c.dhcp.pool_count - 1).same_subnet(c.dhcp.pool_start, c.dhcp.netmask));
  (void)format_config(c);
  return 0;
}
