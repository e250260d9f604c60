#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/ini_file.hpp"
#include "config/load_config.hpp"
#include "config/near_miss.hpp"

namespace netboot::config {
namespace {

namespace fs = std::filesystem;

// A host with one LAN interface 192.168.1.1/24 and loopback.
const NetworkInterface kInterfaces[] = {
    {"lo", 1, *Ipv4Address::parse("127.0.0.1"), *Ipv4Address::parse("255.0.0.0"), 65536, true, true},
    {"eth0", 2, *Ipv4Address::parse("192.168.1.1"), *Ipv4Address::parse("255.255.255.0"), 1500, true, false},
};

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("netbootd-config-test-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  [[nodiscard]] const fs::path& path() const { return path_; }
  fs::path write(const std::string& name, const std::string& text) const {
    const auto file = path_ / name;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file;
  }

 private:
  fs::path path_;
  static inline int counter_ = 0;
};

struct Loaded {
  Result<LoadedConfig> result;
  [[nodiscard]] const Config& config() const { return result->config; }
  [[nodiscard]] std::string error() const { return result ? std::string() : result.error().detail; }
};

Loaded load_text(const std::string& text, LoadOptions options = {}) {
  TempDir dir;
  const auto file = dir.write("netbootd.ini", text);
  fs::create_directories(dir.path() / "tftpboot");
  // The host's /srv/tftp may or may not exist: tests name their own default root.
  if (options.default_root == kDefaultRoot) options.default_root = dir.path() / "tftpboot";
  return Loaded{load_config(file, options, kInterfaces)};
}

const std::string kMinimal = "[bootp]\npool_start = 192.168.1.100\n";

TEST(LoadConfig, PybootdReadmeSampleLoadsUnchanged) {
  const auto file = fs::path(NETBOOT_TEST_DATA) / "configs" / "pybootd-readme-sample.ini";
  const auto loaded = load_config(file, {}, kInterfaces);
  ASSERT_TRUE(loaded) << loaded.error().detail;
  const Config& c = loaded->config;
  EXPECT_EQ(c.logger.type, LogSink::Stderr);
  EXPECT_EQ(c.logger.level, LogLevel::Info);
  EXPECT_TRUE(c.dhcp.allow_simple_dhcp);
  EXPECT_EQ(c.dhcp.pool_start, Ipv4Address::parse("192.168.1.100"));
  ASSERT_EQ(c.dhcp.dns.size(), 1u);
  EXPECT_EQ(c.dhcp.dns[0], Ipv4Address::parse("8.8.8.8"));
  ASSERT_TRUE(c.dhcp.boot_files.fallback);
  EXPECT_EQ(*c.dhcp.boot_files.fallback, "pxelinux.0");
  EXPECT_EQ(c.tftp.root_url,
            "http://http.us.debian.org/debian/dists/squeeze/main/installer-amd64/current/images/netboot");
  ASSERT_EQ(c.tftp.filters.size(), 1u);
  EXPECT_EQ(c.tftp.filters[0].pattern, "pxelinux.cfg/*");
  EXPECT_EQ(c.tftp.filters[0].replacement, "pybootd/etc/pxe.cfg");
  EXPECT_EQ(c.tftp.filters[0].where.line, 23);
  // Network detection as pybootd: the interface holding pool_start.
  EXPECT_EQ(c.dhcp.detected_interface, "eth0");
  EXPECT_EQ(c.dhcp.server_address, Ipv4Address::parse("192.168.1.1"));
  EXPECT_EQ(c.dhcp.netmask, Ipv4Address::parse("255.255.255.0"));
  EXPECT_EQ(c.dhcp.gateway, Ipv4Address::parse("192.168.1.1"));
  EXPECT_EQ(c.tftp.address, Ipv4Address::parse("192.168.1.1"));
  EXPECT_TRUE(loaded->warnings.empty());
}

TEST(LoadConfig, PybootdDefaults) {
  const auto loaded = load_text(kMinimal);
  ASSERT_TRUE(loaded.result) << loaded.error();
  const Config& c = loaded.config();
  EXPECT_EQ(c.dhcp.listen_address, Ipv4Address::any());
  EXPECT_EQ(c.dhcp.port, 67);
  EXPECT_EQ(c.dhcp.pool_count, 10u);
  EXPECT_EQ(c.dhcp.lease_time, 86400u);
  EXPECT_EQ(c.dhcp.domain, "localdomain");
  EXPECT_EQ(c.dhcp.servername, "unknown");
  EXPECT_FALSE(c.dhcp.allow_simple_dhcp);
  EXPECT_EQ(c.dhcp.access, AccessMode::None);
  EXPECT_TRUE(c.dhcp.dns.empty());
  EXPECT_EQ(c.dhcp.lease_file, "/var/lib/netbootd/leases.db");
  EXPECT_EQ(c.tftp.port, 69);
  EXPECT_DOUBLE_EQ(c.tftp.timeout, 2.0);
  EXPECT_EQ(c.tftp.retries, 5u);
  EXPECT_EQ(c.tftp.root_dir.filename(), "tftpboot");  // LoadOptions::default_root, never the working directory
  EXPECT_FALSE(c.tftp.writable);
  EXPECT_EQ(c.httpd.port, 80);
  EXPECT_FALSE(c.services.http);
  EXPECT_DOUBLE_EQ(c.http_access.timeout, 5.0);
  EXPECT_EQ(c.logger.type, LogSink::Stderr);
  EXPECT_EQ(c.logger.level, LogLevel::Info);
}

TEST(LoadConfig, EveryDocumentedKey) {
  TempDir dir;
  fs::create_directories(dir.path() / "images");
  fs::create_directories(dir.path() / "www");
  const auto file = dir.write("every-key.ini", R"([logger]
type = file
level = debug
file = netbootd.log

[bootpd]
access = mac
address = 0.0.0.0
port = 6767
interface = eth0
allow_simple_dhcp = yes
boot_file = pxelinux.0
domain = lab.example
dns = 192.168.1.2;192.168.1.3
gateway = 192.168.1.254
netmask = 255.255.255.0
lease_time = 3600
pool_start = 192.168.1.100
pool_count = 50
notify = 127.0.0.1:12345;127.0.0.2:23456
timeout = 3
server_name = bootsrv
lease_file = leases.db

[mac]
00-1E-4F-C4-95-EE = enable
00:1e:4f:c4:95:ef = disable
AA-BB-CC/24 = yes

[uuid]
12345678-abcd-ef00-1111-abcdefabcdef = enable
12345678-abcd/48 = off

[http]
location = 127.0.0.1:13400
pxe = boot
dhcp = /linux
timeout = 4.5
always_check = on

[tftpd]
address = 192.168.1.1
port = 6969
blocksize = 1468
timeout = 0.5
retries = 7
root = ./images
writable = true
max_transfers = 100
max_transfers_per_client = 4
max_windowsize = 16
remote_redirects = same_host
remote_memory_mb = 64
remote_min_rate = 1000
remote_deadline = 600
max_timeout = 5
max_transfer_memory = 64

[filters]
pxelinux.cfg/* = pybootd/etc/pxe.cfg
startup = [dir/{filename}.cfg]

[httpd]
enable = yes
address = 127.0.0.1
port = 8080
root = www
check_ip = yes
max_connections = 10
max_connections_per_client = 3
min_send_rate = 0

[bootfile]
00000 = pxelinux.0
7 = ipxe.efi
default = undionly.kpxe
ipxe.00007 = boot.ipxe
ipxe.default = menu.ipxe

[static_dhcp]
00-1E-4F-C4-95-F0 = 192.168.1.50
00:1e:4f:c4:95:f1 = 192.168.1.51

[buggy_clients]
00-1E-4F-C4-95-F2 = yes
00:1E:4F:C4:95:F3 = yes
AA-BB-CD/24 = true
)");
  const auto loaded = load_config(file, {}, kInterfaces);
  ASSERT_TRUE(loaded) << loaded.error().detail;
  const Config& c = loaded->config;
  EXPECT_TRUE(loaded->warnings.empty()) << loaded->warnings.front();
  EXPECT_EQ(c.logger.type, LogSink::File);
  EXPECT_EQ(c.logger.level, LogLevel::Debug);
  EXPECT_EQ(c.logger.file, dir.path() / "netbootd.log");
  const DhcpConfig& d = c.dhcp;
  EXPECT_EQ(d.access, AccessMode::Mac);
  EXPECT_EQ(d.port, 6767);
  EXPECT_EQ(d.interface, "eth0");
  EXPECT_TRUE(d.allow_simple_dhcp);
  EXPECT_EQ(d.domain, "lab.example");
  ASSERT_EQ(d.dns.size(), 2u);
  EXPECT_EQ(d.dns[1], Ipv4Address::parse("192.168.1.3"));
  EXPECT_EQ(d.gateway, Ipv4Address::parse("192.168.1.254"));
  EXPECT_EQ(d.lease_time, 3600u);
  EXPECT_EQ(d.pool_count, 50u);
  ASSERT_EQ(d.notify.size(), 2u);
  EXPECT_EQ(d.notify[1].port, 23456);
  EXPECT_DOUBLE_EQ(c.http_access.timeout, 4.5);  // [http] timeout comes after [bootp] timeout
  EXPECT_EQ(d.servername, "bootsrv");
  EXPECT_EQ(d.lease_file, dir.path() / "leases.db");
  ASSERT_EQ(c.access_lists.mac.size(), 3u);
  EXPECT_FALSE(c.access_lists.mac[1].allow);
  EXPECT_EQ(c.access_lists.mac[1].key, MacPrefix::parse("00-1E-4F-C4-95-EF"));
  EXPECT_EQ(c.access_lists.mac[2].key.bits, 24);
  EXPECT_EQ(c.access_lists.mac[2].where.line, 28);
  ASSERT_EQ(c.access_lists.uuid.size(), 2u);
  EXPECT_EQ(c.access_lists.uuid[1].key.bits, 48);
  EXPECT_FALSE(c.access_lists.uuid[1].allow);
  EXPECT_EQ(c.http_access.location, "http://127.0.0.1:13400");
  EXPECT_EQ(c.http_access.pxe_path, "/boot");
  EXPECT_EQ(c.http_access.dhcp_path, "/linux");
  EXPECT_TRUE(c.http_access.always_check);
  const TftpConfig& t = c.tftp;
  EXPECT_EQ(t.address, Ipv4Address::parse("192.168.1.1"));
  EXPECT_EQ(t.port, 6969);
  EXPECT_EQ(t.blocksize, 1468);
  EXPECT_DOUBLE_EQ(t.timeout, 0.5);
  EXPECT_EQ(t.retries, 7u);
  EXPECT_EQ(t.root_dir, dir.path() / "images");
  EXPECT_TRUE(t.writable);
  EXPECT_EQ(t.max_transfers, 100u);
  EXPECT_EQ(t.max_transfers_per_client, 4u);
  EXPECT_EQ(t.max_window_size, 16);
  EXPECT_TRUE(t.remote_same_host_redirects);
  EXPECT_EQ(t.remote_memory_limit, std::uint64_t{64} << 20);
  EXPECT_EQ(t.remote_min_rate, 1000u);
  EXPECT_EQ(t.remote_deadline, 600u);
  EXPECT_EQ(t.max_timeout, 5u);
  EXPECT_EQ(t.max_transfer_memory, std::uint64_t{64} << 20);
  ASSERT_EQ(t.filters.size(), 2u);
  EXPECT_EQ(t.filters[1].replacement, "[dir/{filename}.cfg]");
  EXPECT_TRUE(c.services.http);
  EXPECT_EQ(c.httpd.address, Ipv4Address::parse("127.0.0.1"));
  EXPECT_EQ(c.httpd.port, 8080);
  EXPECT_EQ(c.httpd.root, dir.path() / "www");
  EXPECT_TRUE(c.httpd.check_ip);
  EXPECT_EQ(c.httpd.max_connections, 10u);
  EXPECT_EQ(c.httpd.max_connections_per_client, 3u);
  EXPECT_EQ(c.httpd.min_send_rate, 0u);
  const BootFileTable& b = d.boot_files;
  EXPECT_EQ(*b.select(0, false), "pxelinux.0");
  EXPECT_EQ(*b.select(7, false), "ipxe.efi");
  EXPECT_EQ(*b.select(9, false), "ipxe.efi");  // 7 and 9 are both x86-64 UEFI
  EXPECT_EQ(*b.select(11, false), "undionly.kpxe");
  EXPECT_EQ(*b.select(std::nullopt, false), "undionly.kpxe");
  EXPECT_EQ(*b.select(7, true), "boot.ipxe");
  EXPECT_EQ(*b.select(0, true), "menu.ipxe");
  EXPECT_EQ(d.static_leases.at(*MacAddress::parse("00:1E:4F:C4:95:F1")), Ipv4Address::parse("192.168.1.51"));
  ASSERT_EQ(d.buggy_clients.size(), 3u);
  EXPECT_TRUE(d.buggy_clients[1].matches(*MacAddress::parse("00-1E-4F-C4-95-F3")));
  EXPECT_TRUE(d.buggy_clients[2].matches(*MacAddress::parse("AA-BB-CD-00-00-01")));
}

TEST(LoadConfig, EveryBooleanSpellingInAnyCase) {
  for (const char* yes : {"on", "true", "enable", "enabled", "yes", "high", "ok", "1", "ON", "True", "Enabled", "YES",
                          "High", "OK"}) {
    const auto loaded = load_text(kMinimal + "allow_simple_dhcp = " + yes + "\n");
    ASSERT_TRUE(loaded.result) << yes << ": " << loaded.error();
    EXPECT_TRUE(loaded.config().dhcp.allow_simple_dhcp) << yes;
  }
  for (const char* no : {"off", "false", "disable", "disabled", "no", "low", "ko", "0", "OFF", "False", "Disabled", "No",
                         "LOW", "Ko"}) {
    const auto loaded = load_text(kMinimal + "allow_simple_dhcp = " + no + "\n");
    ASSERT_TRUE(loaded.result) << no << ": " << loaded.error();
    EXPECT_FALSE(loaded.config().dhcp.allow_simple_dhcp) << no;
  }
}

TEST(LoadConfig, DnsAutoReadsTheHostResolversButNotLoopbackOnes) {
  TempDir dir;
  const auto resolv = dir.write("resolv.conf", "# comment\nnameserver 127.0.0.53\nnameserver 192.168.1.53\nsearch lab\n");
  LoadOptions options;
  options.resolv_conf = resolv;
  auto loaded = load_text(kMinimal + "dns = auto\n", options);
  ASSERT_TRUE(loaded.result) << loaded.error();
  ASSERT_EQ(loaded.config().dhcp.dns.size(), 1u);
  EXPECT_EQ(loaded.config().dhcp.dns[0], Ipv4Address::parse("192.168.1.53"));

  options.resolv_conf = dir.write("empty.conf", "nameserver 127.0.0.1\n");
  loaded = load_text(kMinimal + "dns = AUTO\n", options);
  ASSERT_TRUE(loaded.result) << loaded.error();
  ASSERT_EQ(loaded.config().dhcp.dns.size(), 1u);
  EXPECT_EQ(loaded.config().dhcp.dns[0], Ipv4Address::parse("192.168.1.1"));  // the server, as pybootd does
  ASSERT_FALSE(loaded.result->warnings.empty());
}

TEST(LoadConfig, SetGatewayOffOffersNoRouter) {
  const auto loaded = load_text(kMinimal + "set_gateway = false\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  EXPECT_FALSE(loaded.config().dhcp.gateway);
}

TEST(LoadConfig, ServicesFromTheCommandLine) {
  LoadOptions tftp_only;
  tftp_only.services = {false, true, false};
  tftp_only.services_from_cli = true;
  // Without DHCP, no pool_start is needed and TFTP listens on every address.
  auto loaded = load_text("[tftp]\nport = 6969\n", tftp_only);
  ASSERT_TRUE(loaded.result) << loaded.error();
  EXPECT_FALSE(loaded.config().services.dhcp);
  EXPECT_EQ(loaded.config().tftp.address, Ipv4Address::any());
}

TEST(LoadConfig, UnknownSectionsAndKeysAreWarningsWithTheirLine) {
  const auto loaded = load_text(kMinimal + "colour = blue\n\n[weird]\nx = 1\n[tftp]\nfoo = bar\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  const auto& w = loaded.result->warnings;
  ASSERT_EQ(w.size(), 3u);
  EXPECT_NE(w[0].find("netbootd.ini:5: [weird]: unknown section"), std::string::npos) << w[0];
  EXPECT_NE(w[1].find("netbootd.ini:3: [bootp] colour: unknown key"), std::string::npos) << w[1];
  EXPECT_NE(w[2].find("netbootd.ini:8: [tftp] foo: unknown key"), std::string::npos) << w[2];
}

TEST(LoadConfig, LongLinesAreReadWhole) {
  const std::string url = "http://127.0.0.1:8080/" + std::string(300, 'a') + "/netboot";
  const auto loaded = load_text(kMinimal + "[tftp]\nroot = " + url + "\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  EXPECT_EQ(loaded.config().tftp.root_url, url);
}

TEST(LoadConfig, LongColonLinesAreReadWhole) {
  // Issue 23 item 10: the "key: value" form pybootd allows, past inih's 200-byte buffer.
  const std::string url = "http://127.0.0.1:8080/" + std::string(250, 'b') + "/end";
  const auto loaded = load_text(kMinimal + "[tftp]\nroot: " + url + "\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  EXPECT_EQ(loaded.config().tftp.root_url, url);
}

TEST(LoadConfig, LongWhitespaceOnlyLineIsABlankLine) {
  const auto loaded = load_text(kMinimal + std::string(300, ' ') + "\n[tftp]\nroot = /srv\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
}

TEST(LoadConfig, LongLineThatIsNoEntryIsAnErrorWithItsLine) {
  const auto loaded = load_text(kMinimal + "[tftp]\n" + std::string(300, 'x') + "\n");
  ASSERT_FALSE(loaded.result);
  EXPECT_NE(loaded.error().find("netbootd.ini:4:"), std::string::npos) << loaded.error();
}

TEST(LoadConfig, IndentedSectionAfterAKeyIsExplained) {
  const auto loaded = load_text(kMinimal + "[mac]\nAA:BB:CC:DD:EE:FF = enable\n  [tftp]\nroot = /srv\n");
  ASSERT_FALSE(loaded.result);
  EXPECT_NE(loaded.error().find("netbootd.ini:5:"), std::string::npos) << loaded.error();
  EXPECT_NE(loaded.error().find("indented"), std::string::npos) << loaded.error();
}

struct BadConfig {
  const char* name;
  std::string text;
  std::string message;  // expected substring: file:line, [section] key, reason
};

TEST(LoadConfig, BadConfigurationsNameFileLineKeyAndReason) {
  const BadConfig cases[] = {
      {"bad address", "[bootp]\npool_start = 192.168.1.300\n",
       "netbootd.ini:2: [bootp] pool_start: '192.168.1.300' is not an IPv4 address"},
      {"bad boolean", kMinimal + "allow_simple_dhcp = maybe\n",
       "netbootd.ini:3: [bootp] allow_simple_dhcp: 'maybe' is not a boolean"},
      {"access mode without its section", kMinimal + "access = mac\n",
       "netbootd.ini:3: [bootp] access: access = mac needs a [mac] section, and there is none"},
      {"uuid mode without its section", kMinimal + "access = uuid\n[mac]\n",
       "netbootd.ini:3: [bootp] access: access = uuid needs a [uuid] section"},
      {"http mode without its section", kMinimal + "access = http\n",
       "netbootd.ini:3: [bootp] access: access = http needs a [http] section"},
      {"unknown access mode", kMinimal + "access = ldap\n",
       "netbootd.ini:3: [bootp] access: 'ldap' is not an access mode"},
      {"pool that fits no local interface", "[bootp]\n\npool_start = 10.9.8.7\n",
       "netbootd.ini:3: [bootp] pool_start: Unable to detect network configuration: pool_start 10.9.8.7 is in no local subnet"},
      {"pool on another interface than the configured one", kMinimal + "interface = lo\n",
       "Unable to detect network configuration: pool_start 192.168.1.100 is in no local subnet on interface lo"},
      // Issue 22: a missing interface is named as such, with the ones there are.
      {"interface that does not exist", kMinimal + "interface = eth2\n",
       "netbootd.ini:3: [bootp] interface: no interface eth2 (interfaces: lo, eth0)"},
      {"root that does not exist", kMinimal + "[tftp]\nroot = ./missing\n",
       "netbootd.ini:4: [tftp] root: '"},
      {"root that is a file", kMinimal + "[tftp]\nroot = ./netbootd.ini\n", "netbootd.ini' is not a directory"},
      {"pool leaving the subnet", kMinimal + "pool_count = 200\n",
       "netbootd.ini:2: [bootp] pool_start: the pool 192.168.1.100 .. 192.168.2.43 (pool_count 200) leaves"},
      {"pool outside the server's own subnet (a netmask narrower than the interface's)",
       kMinimal + "netmask = 255.255.255.248\n",
       "netbootd.ini:2: [bootp] pool_start: the pool 192.168.1.100 .. 192.168.1.109 (pool_count 10) leaves the subnet "
       "192.168.1.1/29"},
      {"pxe_port on the DHCP port", kMinimal + "pxe_port = 67\n",
       "netbootd.ini:3: [bootp] pxe_port: pxe_port 67 is also the DHCP port ([bootp] port): choose another port, "
       "or 0 to serve no PXE boot server"},
      {"pxe_port on the TFTP port", kMinimal + "pxe_port = 69\n",
       "netbootd.ini:3: [bootp] pxe_port: pxe_port 69 is also the TFTP port ([tftp] port)"},
      {"pxe_port on the clients' port", kMinimal + "pxe_port = 68\n",
       "netbootd.ini:3: [bootp] pxe_port: pxe_port 68 is also the DHCP clients' port"},
      {"DHCP port on the default pxe_port", kMinimal + "port = 4011\n",
       "netbootd.ini:1: [bootp]: (pxe_port not set, default 4011) pxe_port 4011 is also the DHCP port"},
      {"missing pool_start", "[bootp]\nboot_file = pxelinux.0\n",
       "netbootd.ini:1: [bootp]: missing pool_start"},
      {"no bootp section", "[tftp]\nport = 69\n", "netbootd.ini: no [bootp] section"},
      {"bad port", kMinimal + "port = 70000\n", "netbootd.ini:3: [bootp] port: '70000' is not a whole number from 0 to 65535"},
      {"bad pool_count", kMinimal + "pool_count = ten\n", "netbootd.ini:3: [bootp] pool_count: 'ten' is not a whole number"},
      {"bad lease_time", kMinimal + "lease_time = -5\n", "netbootd.ini:3: [bootp] lease_time: '-5' is not a whole number"},
      {"bad netmask", kMinimal + "netmask = 255.0.255.0\n",
       "netbootd.ini:3: [bootp] netmask: '255.0.255.0' is not a contiguous netmask"},
      {"bad gateway", kMinimal + "gateway = router\n", "netbootd.ini:3: [bootp] gateway: 'router' is not an IPv4 address"},
      {"bad dns entry", kMinimal + "dns = 8.8.8.8;dns.google\n",
       "netbootd.ini:3: [bootp] dns: 'dns.google' is not an IPv4 address"},
      {"bad notify", kMinimal + "notify = 127.0.0.1\n",
       "netbootd.ini:3: [bootp] notify: '127.0.0.1' is not an a.b.c.d:port notification target"},
      {"bad mac key", kMinimal + "access = mac\n[mac]\n00-1E-4F-C4-95 = yes\n",
       "netbootd.ini:5: [mac] 00-1E-4F-C4-95: not a MAC address or prefix"},
      {"bad mac value", kMinimal + "[mac]\n00:1E:4F:C4:95:EE = sometimes\n",
       "netbootd.ini:4: [mac] 00:1E:4F:C4:95:EE: 'sometimes' is not a boolean"},
      {"bad uuid key", kMinimal + "[uuid]\n12345678-abcd-ef00 = yes\n", "netbootd.ini:4: [uuid] 12345678-abcd-ef00: not a UUID"},
      {"http without location", kMinimal + "access = http\n[http]\npxe = boot\n",
       "netbootd.ini:4: [http]: access = http needs a 'location'"},
      {"http location with another scheme", kMinimal + "[http]\nlocation = file:///etc\n",
       "netbootd.ini:4: [http] location: 'file:///etc': only http:// and https://"},
      {"bad tftp blocksize", kMinimal + "[tftp]\nblocksize = 4\n",
       "netbootd.ini:4: [tftp] blocksize: '4' is not a whole number from 8 to 65464"},
      {"bad tftp timeout", kMinimal + "[tftp]\ntimeout = soon\n", "netbootd.ini:4: [tftp] timeout: 'soon' is not a number of seconds"},
      {"missing tftp root", kMinimal + "[tftp]\nroot = ./nowhere\n", "netbootd.ini:4: [tftp] root: '"},
      {"ftp root", kMinimal + "[tftp]\nroot = ftp://mirror/debian\n",
       "netbootd.ini:4: [tftp] root: 'ftp://mirror/debian': a remote root must be an http:// or https:// URL"},
      {"file logger without file", "[logger]\ntype = file\n" + kMinimal,
       "netbootd.ini:2: [logger] type: type = file needs a 'file' key"},
      {"bad static_dhcp mac", kMinimal + "[static_dhcp]\nnot-a-mac = 192.168.1.5\n",
       "netbootd.ini:4: [static_dhcp] not-a-mac: not a MAC address"},
      {"bad static_dhcp address", kMinimal + "[static_dhcp]\n00-1E-4F-C4-95-EE = 192.168.1\n",
       "netbootd.ini:4: [static_dhcp] 00-1E-4F-C4-95-EE: '192.168.1' is not an IPv4 address"},
      {"static address reserved twice", kMinimal + "[static_dhcp]\n00-1E-4F-C4-95-EE = 192.168.1.5\n00-1E-4F-C4-95-EF = 192.168.1.5\n",
       "netbootd.ini:5: [static_dhcp] 00-1E-4F-C4-95-EF: 192.168.1.5 is already reserved at line 4"},
      {"bad bootfile arch", kMinimal + "[bootfile]\nx86 = pxelinux.0\n",
       "netbootd.ini:4: [bootfile] x86: not a client architecture"},
      {"bad buggy client", kMinimal + "[buggy_clients]\nAA-BB = yes\n",
       "netbootd.ini:4: [buggy_clients] AA-BB: not a MAC address or prefix"},
      {"bad httpd port", kMinimal + "[httpd]\nport = http\n", "netbootd.ini:4: [httpd] port: 'http' is not a whole number"},
      {"syntax error", kMinimal + "this line has no equals sign\n",
       "netbootd.ini:3: syntax error: expected '[section]' or 'key = value', got 'this line has no equals sign'"},
      {"key outside a section", "pool_start = 192.168.1.100\n", "netbootd.ini:1: 'pool_start' is outside any [section]"},
      {"group without user", kMinimal + "[netbootd]\ngroup = nogroup\n",
       "netbootd.ini:4: [netbootd] group: group needs a 'user' key in [netbootd]"},
      {"user with a space", kMinimal + "[netbootd]\nuser = no body\n",
       "netbootd.ini:4: [netbootd] user: 'no body' is not a user or group name"},
      {"user with a slash", kMinimal + "[netbootd]\nuser = ../root\n",
       "netbootd.ini:4: [netbootd] user: '../root' is not a user or group name"},
      {"user like an option", kMinimal + "[netbootd]\nuser = -root\n",
       "netbootd.ini:4: [netbootd] user: '-root' is not a user or group name"},
      {"empty user", kMinimal + "[netbootd]\nuser =\n", "netbootd.ini:4: [netbootd] user: '' is not a user or group name"},
      {"over-long group", kMinimal + "[netbootd]\nuser = nobody\ngroup = " + std::string(33, 'g') + "\n",
       "netbootd.ini:5: [netbootd] group: '" + std::string(33, 'g') + "' is not a user or group name"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto loaded = load_text(c.text);
    ASSERT_FALSE(loaded.result) << "loaded although " << c.name;
    EXPECT_NE(loaded.error().find(c.message), std::string::npos) << loaded.error();
  }
}

TEST(LoadConfig, NetbootdSectionNamesTheAccountToDropTo) {
  struct Case {
    const char* name;
    std::string text;
    std::string user, group;
  };
  const Case cases[] = {
      {"no section: keep the starting account", kMinimal, "", ""},
      {"user only: its primary group", kMinimal + "[netbootd]\nuser = nobody\n", "nobody", ""},
      {"user and group", kMinimal + "[NetBootd]\nUser = netbootd\nGROUP = nogroup\n", "netbootd", "nogroup"},
      {"numeric ids", kMinimal + "[netbootd]\nuser = 65534\ngroup = 65534\n", "65534", "65534"},
      {"names with dots, dashes and underscores", kMinimal + "[netbootd]\nuser = _net-boot.d\n", "_net-boot.d", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto loaded = load_text(c.text);
    ASSERT_TRUE(loaded.result) << loaded.error();
    EXPECT_EQ(loaded.config().process.user, c.user);
    EXPECT_EQ(loaded.config().process.group, c.group);
  }
}

TEST(LoadConfig, NetbootdSectionUnknownKeyIsAWarning) {
  const auto loaded = load_text(kMinimal + "[netbootd]\nuser = nobody\nchroot = /srv\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  ASSERT_EQ(loaded.result->warnings.size(), 1u);
  EXPECT_NE(loaded.result->warnings[0].find("netbootd.ini:5: [netbootd] chroot: unknown key, ignored"), std::string::npos)
      << loaded.result->warnings[0];
}

TEST(LoadConfig, ALeaseDatabaseUriIsKeptAsWrittenNotResolvedAsAPath) {
  const auto loaded = load_text(kMinimal + "lease_file = postgresql://netbootd:s3cret@db.example/leases?sslmode=require\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  EXPECT_EQ(loaded.config().dhcp.lease_file.string(), "postgresql://netbootd:s3cret@db.example/leases?sslmode=require");
  const auto text = format_config(loaded.config());
  EXPECT_NE(text.find("lease_file = postgresql://netbootd:***@db.example/leases?sslmode=require"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << "the printed configuration never shows the password";
  const auto other = load_text(kMinimal + "lease_file = postgres:///leases?host=/run/postgresql\n");
  ASSERT_TRUE(other.result) << other.error();
  EXPECT_EQ(other.config().dhcp.lease_file.string(), "postgres:///leases?host=/run/postgresql");
}

TEST(FormatConfig, PrintsTheNetbootdSectionOnlyWhenAUserIsSet) {
  const auto plain = load_text(kMinimal);
  ASSERT_TRUE(plain.result) << plain.error();
  EXPECT_EQ(format_config(plain.config()).find("[netbootd]"), std::string::npos);
  const auto dropped = load_text(kMinimal + "[netbootd]\nuser = nobody\ngroup = nogroup\n");
  ASSERT_TRUE(dropped.result) << dropped.error();
  EXPECT_NE(format_config(dropped.config()).find("[netbootd]\nuser = nobody\ngroup = nogroup\n"), std::string::npos);
}

TEST(LoadConfig, MissingFileIsAnError) {
  const auto loaded = load_config(fs::path("/nonexistent/netbootd.ini"), {}, kInterfaces);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().detail, "/nonexistent/netbootd.ini: cannot read configuration file: No such file or directory");
}

TEST(ReadIniFile, OnlyARegularFileOfASaneSizeIsRead) {
  // A reload runs on the event loop: a FIFO in the file's place must not block it, and
  // /dev/zero or a runaway file must not exhaust memory.
  const fs::path dir = fs::temp_directory_path() / ("netbootd-ini-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path fifo = dir / "fifo.ini";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto read = read_ini_file(fifo);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().detail, fifo.string() + ": is not a regular file (a FIFO, device or socket)");
  read = read_ini_file("/dev/zero");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().detail, "/dev/zero: is not a regular file (a FIFO, device or socket)");
  const fs::path huge = dir / "huge.ini";
  { std::ofstream(huge) << "[bootp]\n"; }
  fs::resize_file(huge, kMaxConfigBytes + 1);  // sparse: costs no disk
  read = read_ini_file(huge);
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().detail.find("more than a configuration file may have (16 MiB)"), std::string::npos)
      << read.error().detail;
  read = read_ini_file(dir);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().detail, dir.string() + ": is a directory, not a configuration file");
  fs::remove_all(dir);
}

TEST(ReadIniFile, AByteOrderMarkIsNoPartOfTheFirstLineAndBadLinesAreEscaped) {
  auto parsed = parse_ini_text("\xEF\xBB\xBF[bootp]\npool_start = 10.0.0.1\n", "bom.ini");
  ASSERT_TRUE(parsed) << parsed.error().detail;
  ASSERT_FALSE(parsed->sections.empty());
  EXPECT_EQ(parsed->sections[0].name, "bootp");
  parsed = parse_ini_text("[bootp]\n\x1b[2Jjunk\n", "esc.ini");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().detail,
            "esc.ini:2: syntax error: expected '[section]' or 'key = value', got '\\x1b[2Jjunk'");
}

TEST(LoadConfig, MacKeysWithColonsAreNotSplitAtTheFirstColon) {
  const auto loaded = load_text(kMinimal + "access = mac\n[mac]\n00:1E:4F:C4:95:EE = enable ; a comment\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  ASSERT_EQ(loaded.config().access_lists.mac.size(), 1u);
  EXPECT_EQ(loaded.config().access_lists.mac[0].key, MacPrefix::parse("00-1E-4F-C4-95-EE"));
  EXPECT_TRUE(loaded.config().access_lists.mac[0].allow);
}

TEST(FormatConfig, PrintsEveryResolvedValue) {
  const auto loaded = load_text(kMinimal + "dns = 192.168.1.2\n[filters]\na/* = b\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  const auto text = format_config(loaded.config());
  for (const char* expected : {"pool_start = 192.168.1.100", "pool_count = 10", "; detected: interface eth0 server 192.168.1.1",
                               "netmask = 255.255.255.0", "gateway = 192.168.1.1", "dns = 192.168.1.2", "a/* = b",
                               "[httpd]", "lease_time = 86400"})
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
}


// Issue 22: a root is never silently the working directory or the whole filesystem.
TEST(LoadConfigRoot, MissingDefaultRootStopsWithTheFix) {
  LoadOptions options;
  options.default_root = "/nonexistent/netbootd-default-root";
  const auto loaded = load_text(kMinimal, options);
  ASSERT_FALSE(loaded.result);
  EXPECT_NE(loaded.error().find("netbootd.ini: [tftp] root: not set, and the default /nonexistent/netbootd-default-root "
                                "does not exist: create it"),
            std::string::npos)
      << loaded.error();
}

TEST(LoadConfigRoot, MissingRootSaysDoesNotExist) {
  const auto loaded = load_text(kMinimal + "[tftp]\nroot = /nonexistent/boot-files\n");
  ASSERT_FALSE(loaded.result);
  EXPECT_NE(loaded.error().find("netbootd.ini:4: [tftp] root: '/nonexistent/boot-files' does not exist"),
            std::string::npos)
      << loaded.error();
}

TEST(LoadConfigRoot, DefaultRootIsUsedWhenItExists) {
  TempDir dir;
  LoadOptions options;
  options.default_root = dir.path();
  const auto loaded = load_text(kMinimal, options);
  ASSERT_TRUE(loaded.result) << loaded.error();
  EXPECT_EQ(loaded.config().tftp.root_dir, dir.path());
  EXPECT_EQ(loaded.config().httpd.root, dir.path());
  EXPECT_NE(loaded.config().tftp.root_dir, fs::current_path());
}

TEST(LoadConfigRoot, SlashNeedsAnExplicitOptIn) {
  for (const std::string root : {"/", "/..", "/./"}) {
    SCOPED_TRACE(root);
    const auto refused = load_text(kMinimal + "[tftp]\nroot = " + root + "\n");
    ASSERT_FALSE(refused.result);
    EXPECT_NE(refused.error().find("netbootd.ini:4: [tftp] root: '/' is the whole filesystem (/)"), std::string::npos)
        << refused.error();
    EXPECT_NE(refused.error().find("allow_filesystem_root = yes in [tftp]"), std::string::npos) << refused.error();
  }
  const auto allowed = load_text(kMinimal + "[tftp]\nroot = /\nallow_filesystem_root = yes\n");
  ASSERT_TRUE(allowed.result) << allowed.error();
  EXPECT_EQ(allowed.config().tftp.root_dir, "/");
}

TEST(LoadConfigRoot, SlashThroughASymlinkIsRefusedToo) {
  TempDir dir;
  fs::create_directory_symlink("/", dir.path() / "everything");
  const auto loaded = load_text(kMinimal + "[tftp]\nroot = " + (dir.path() / "everything").string() + "\n");
  ASSERT_FALSE(loaded.result);
  EXPECT_NE(loaded.error().find("is the whole filesystem"), std::string::npos) << loaded.error();
}

TEST(LoadConfigRoot, HttpRootSlashNeedsItsOwnOptIn) {
  LoadOptions http;
  http.services.http = true;
  const auto refused = load_text(kMinimal + "[httpd]\nroot = /\n", http);
  ASSERT_FALSE(refused.result);
  EXPECT_NE(refused.error().find("netbootd.ini:4: [httpd] root: '/' is the whole filesystem (/)"), std::string::npos)
      << refused.error();
  // Inherited from a TFTP root of "/" allowed in [tftp]: [httpd] must opt in as well.
  const auto inherited = load_text(kMinimal + "[tftp]\nroot = /\nallow_filesystem_root = yes\n", http);
  ASSERT_FALSE(inherited.result);
  EXPECT_NE(inherited.error().find("[httpd] root: '/' is the whole filesystem"), std::string::npos) << inherited.error();
  const auto allowed = load_text(kMinimal + "[httpd]\nroot = /\nallow_filesystem_root = on\n", http);
  EXPECT_TRUE(allowed.result) << allowed.error();
}

TEST(LoadConfigRoot, DhcpOnlyNeedsNoRoot) {
  LoadOptions dhcp_only;
  dhcp_only.services = {true, false, false};
  dhcp_only.services_from_cli = true;
  dhcp_only.default_root = "/nonexistent/netbootd-default-root";
  const auto loaded = load_text(kMinimal, dhcp_only);
  EXPECT_TRUE(loaded.result) << loaded.error();
}

// Issue 22: near misses of known names are errors with a suggestion; other names warnings.
TEST(LoadConfigNearMiss, MisspeltSectionIsAnErrorNamingTheRightOne) {
  struct Case {
    std::string section, meant;
  };
  for (const auto& c : std::vector<Case>{{"tftpp", "tftp"}, {"TFPT", "tftp"}, {"tfp", "tftp"}, {"botp", "bootp"},
                                         {"bootfiles", "bootfile"}, {"static-dhcp", "static_dhcp"},
                                         {"filter", "filters"}, {"loger", "logger"}, {"htpd", "httpd"},
                                         {"buggy_client", "buggy_clients"}, {"netboot", "netbootd"}}) {
    SCOPED_TRACE(c.section);
    const auto loaded = load_text(kMinimal + "[" + c.section + "]\nroot = /\n");
    ASSERT_FALSE(loaded.result);
    EXPECT_NE(loaded.error().find("netbootd.ini:3: [" + c.section + "]: unknown section: did you mean [" + c.meant + "]?"),
              std::string::npos)
        << loaded.error();
  }
}

TEST(LoadConfigNearMiss, MisspeltKeyIsAnErrorNamingTheRightOne) {
  struct Case {
    std::string text, message;
  };
  for (const auto& c : std::vector<Case>{
           {kMinimal + "pool_cuont = 5\n", "netbootd.ini:3: [bootp] pool_cuont: unknown key: did you mean 'pool_count'?"},
           {kMinimal + "lease-file = x.db\n", "[bootp] lease-file: unknown key: did you mean 'lease_file'?"},
           {kMinimal + "[tftp]\nroots = /srv\n", "netbootd.ini:4: [tftp] roots: unknown key: did you mean 'root'?"},
           {kMinimal + "[httpd]\nprot = 80\n", "[httpd] prot: unknown key: did you mean 'port'?"},
           {kMinimal + "[http]\nlocaton = x\n", "[http] locaton: unknown key: did you mean 'location'?"},
           {kMinimal + "[netbootd]\nusr = nobody\n", "[netbootd] usr: unknown key: did you mean 'user'?"},
           {kMinimal + "[logger]\nlevle = debug\n", "[logger] levle: unknown key: did you mean 'level'?"},
       }) {
    SCOPED_TRACE(c.text);
    const auto loaded = load_text(c.text);
    ASSERT_FALSE(loaded.result);
    EXPECT_NE(loaded.error().find(c.message), std::string::npos) << loaded.error();
  }
}

TEST(LoadConfigNearMiss, FarUnknownNamesStayWarnings) {
  const auto loaded = load_text(kMinimal + "vendor_extension = 1\n[my_site_notes]\nowner = ops\n[tftp]\ncomment = x\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  EXPECT_EQ(loaded.result->warnings.size(), 3u);
}

TEST(NearMiss, EditDistance) {
  EXPECT_EQ(edit_distance("tftp", "tftp"), 0u);
  EXPECT_EQ(edit_distance("TFTP", "tftp"), 0u);
  EXPECT_EQ(edit_distance("tftpp", "tftp"), 1u);
  EXPECT_EQ(edit_distance("tfpt", "tftp"), 1u);  // a swap of neighbours is one mistake
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  const std::string_view known[] = {"tftp", "bootp", "mac"};
  using Names = std::vector<std::string_view>;
  EXPECT_EQ(near_miss("tftpp", known), Names{"tftp"});
  EXPECT_EQ(near_miss("tftp", known), Names{});
  EXPECT_EQ(near_miss("max", known), Names{"mac"});
  EXPECT_EQ(near_miss("xyz", known), Names{});     // short names: one mistake at most
  EXPECT_EQ(near_miss("bootpxe", known), Names{"bootp"});  // two edits: longer names allow two
  EXPECT_EQ(near_miss("bootpxes", known), Names{});  // three
  EXPECT_EQ(near_miss(std::string(100, 'a'), known), Names{});
}

// Review of issue 22 (F): every name at the best distance, not the first found; code points, not bytes.
TEST(NearMiss, ListsEveryEquallyCloseNameAndCountsCodePoints) {
  const std::string_view sections[] = {"http", "httpd", "tftp"};
  EXPECT_EQ(near_miss("httpp", sections), (std::vector<std::string_view>{"http", "httpd"}));
  EXPECT_EQ(one_of(near_miss("httpp", sections), "[", "]"), "[http] or [httpd]");
  const std::string_view three[] = {"a", "b", "c"};
  EXPECT_EQ(one_of(three, "'", "'"), "'a', 'b' or 'c'");
  EXPECT_EQ(edit_distance("r\xc3\xa9try", "retry"), 1u);  // é is one letter
  EXPECT_EQ(edit_distance("\xe2\x82\xac", "e"), 1u);       // so is €
  const std::string_view keys[] = {"retry"};
  EXPECT_EQ(near_miss("r\xc3\xa9tr\xc3\xbf", keys), std::vector<std::string_view>{"retry"});  // two letters off
}

TEST(LoadConfigNearMiss, EquallyCloseSectionsAreAllNamed) {
  const auto loaded = load_text(kMinimal + "[httpp]\nroot = /\n");
  ASSERT_FALSE(loaded.result);
  EXPECT_NE(loaded.error().find("netbootd.ini:3: [httpp]: unknown section: did you mean [http] or [httpd]?"),
            std::string::npos)
      << loaded.error();
  // An alias is named by its canonical spelling, once: [tftpp] is as close to [tftp] as to [tftpd].
  const auto alias = load_text(kMinimal + "[tftpp]\nroot = /\n");
  EXPECT_NE(alias.error().find("did you mean [tftp]?"), std::string::npos) << alias.error();
}

// Review of issue 22 (A): an empty path is an error with its line, never the config file's folder.
TEST(LoadConfig, EmptyPathsAreErrorsNotTheConfigFolder) {
  LoadOptions http;
  http.services.http = true;
  struct Case {
    std::string text, message;
  };
  for (const auto& c : std::vector<Case>{
           {kMinimal + "[httpd]\nroot =\n", "netbootd.ini:4: [httpd] root: empty root"},
           {kMinimal + "[httpd]\nroot = ; /srv/http\n", "netbootd.ini:4: [httpd] root: empty root"},
           {kMinimal + "lease_file =\n", "netbootd.ini:3: [bootp] lease_file: empty lease_file"},
           {"[logger]\ntype = file\nfile =\n" + kMinimal, "netbootd.ini:3: [logger] file: empty file"},
       }) {
    SCOPED_TRACE(c.text);
    const auto loaded = load_text(c.text, http);
    ASSERT_FALSE(loaded.result) << format_config(loaded.config());
    EXPECT_NE(loaded.error().find(c.message), std::string::npos) << loaded.error();
  }
}

// Review of issue 22 (G): a URL or a quoted path as the HTTP root says what is wrong with it.
TEST(LoadConfig, HttpRootUrlOrQuotedPathSaysWhy) {
  LoadOptions http;
  http.services.http = true;
  const auto url = load_text(kMinimal + "[httpd]\nroot = http://example/x\n", http);
  ASSERT_FALSE(url.result);
  EXPECT_NE(url.error().find("netbootd.ini:4: [httpd] root: 'http://example/x': the HTTP service serves only a local "
                             "folder"),
            std::string::npos)
      << url.error();
  const auto quoted = load_text(kMinimal + "[httpd]\nroot = \"/srv/x\"\n", http);
  ASSERT_FALSE(quoted.result);
  EXPECT_NE(quoted.error().find("netbootd.ini:4: [httpd] root: \"/srv/x\": quotes are taken literally"),
            std::string::npos)
      << quoted.error();
}

// Review of issue 22 (E): the warnings found before an error are not dropped.
TEST(LoadConfig, WarningsBeforeAnErrorGoWithIt) {
  LoadOptions options;
  options.default_root = "/nonexistent/netbootd-default-root";
  const auto loaded = load_text(kMinimal + "[tftp]\ntftp_root = /srv/boot\n", options);
  ASSERT_FALSE(loaded.result);
  const auto warning = loaded.error().find("netbootd.ini:4: [tftp] tftp_root: unknown key, ignored\nnetbootd: ");
  const auto error = loaded.error().find("[tftp] root: not set");
  EXPECT_NE(warning, std::string::npos) << loaded.error();
  EXPECT_NE(error, std::string::npos) << loaded.error();
  EXPECT_LT(warning, error) << loaded.error();
  EXPECT_EQ(loaded.error().rfind("warning: ", 0), 0u) << loaded.error();
}

// Issue 22: the warning names the file and line of the reservation.
TEST(LoadConfig, StaticLeaseOutsideTheSubnetWarnsWithItsLine) {
  const auto loaded = load_text(kMinimal + "[static_dhcp]\n00-1E-4F-C4-95-EE = 192.168.1.5\n00-1E-4F-C4-95-EF = 10.9.9.9\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  ASSERT_EQ(loaded.result->warnings.size(), 1u);
  EXPECT_NE(loaded.result->warnings[0].find("netbootd.ini:5: [static_dhcp] 00-1E-4F-C4-95-EF = 10.9.9.9: outside the "
                                            "served subnet 192.168.1.1/24"),
            std::string::npos)
      << loaded.result->warnings[0];
}

}  // namespace
}  // namespace netboot::config

namespace netboot::config {
namespace {

// [bootp] proxy = yes and pxe_port.
TEST(ProxyConfig, NoPoolNeededAndTheNetworkComesFromInterfaceOrAddress) {
  const auto by_interface = load_text("[bootp]\nproxy = yes\ninterface = eth0\n");
  ASSERT_TRUE(by_interface.result) << by_interface.error();
  const auto& d = by_interface.config().dhcp;
  EXPECT_TRUE(d.proxy);
  EXPECT_EQ(d.server_address, *Ipv4Address::parse("192.168.1.1"));
  EXPECT_EQ(d.pxe_port, 4011);
  EXPECT_FALSE(d.pxe_port_given);
  EXPECT_FALSE(by_interface.config().httpd.check_ip);  // no leases to check

  const auto everywhere = load_text("[bootp]\nproxy = on\npxe_port = 14011\n");
  ASSERT_TRUE(everywhere.result) << everywhere.error();
  EXPECT_TRUE(everywhere.config().dhcp.server_address.is_unspecified());  // each reply: the arrival address
  EXPECT_EQ(everywhere.config().dhcp.pxe_port, 14011);
  EXPECT_TRUE(everywhere.config().dhcp.pxe_port_given);

  const auto by_address = load_text("[bootp]\nproxy = yes\naddress = 192.168.1.1\n");
  ASSERT_TRUE(by_address.result) << by_address.error();
  EXPECT_EQ(by_address.config().dhcp.server_address, *Ipv4Address::parse("192.168.1.1"));
}

TEST(ProxyConfig, KeysThatGiveAddressesAreErrorsWithTheirLine) {
  const std::pair<std::string, std::string> cases[] = {
      {"[bootp]\nproxy = yes\npool_start = 192.168.1.100\n",
       "netbootd.ini:3: [bootp] pool_start: has no meaning with proxy = yes"},
      {"[bootp]\npool_count = 5\nproxy = yes\n", "netbootd.ini:2: [bootp] pool_count: has no meaning with proxy = yes"},
      {"[bootp]\nproxy = yes\n[static_dhcp]\n52-54-00-12-34-56 = 192.168.1.50\n",
       "netbootd.ini:4: [static_dhcp] 52-54-00-12-34-56: has no meaning with proxy = yes"},
      {"[bootp]\nproxy = yes\n[httpd]\ncheck_ip = yes\n",
       "netbootd.ini:4: [httpd] check_ip: yes has no meaning with [bootp] proxy = yes"},
      {"[bootp]\nproxy = maybe\n", "netbootd.ini:2: [bootp] proxy: 'maybe' is not a boolean"},
      {"[bootp]\nproxy = yes\npxe_port = 70000\n", "netbootd.ini:3: [bootp] pxe_port: '70000' is not a whole number"},
  };
  for (const auto& [text, expected] : cases) {
    const auto loaded = load_text(text);
    ASSERT_FALSE(loaded.result) << text;
    EXPECT_NE(loaded.error().find(expected), std::string::npos) << loaded.error();
  }
}

TEST(ProxyConfig, LeaseKeysAreIgnoredWithAWarning) {
  const auto loaded = load_text("[bootp]\nproxy = yes\nlease_time = 60\ndns = 192.168.1.2\n");
  ASSERT_TRUE(loaded.result) << loaded.error();
  ASSERT_EQ(loaded.result->warnings.size(), 2u);
  EXPECT_NE(loaded.result->warnings[0].find("netbootd.ini:3: [bootp] lease_time: ignored with proxy = yes"),
            std::string::npos)
      << loaded.result->warnings[0];
}

TEST(ProxyConfig, CheckConfigPrintsTheMode) {
  const auto proxy = load_text("[bootp]\nproxy = yes\ninterface = eth0\n");
  ASSERT_TRUE(proxy.result) << proxy.error();
  const auto text = format_config(proxy.config());
  EXPECT_NE(text.find("; mode: proxyDHCP (no addresses"), std::string::npos) << text;
  EXPECT_NE(text.find("PXE boot server on port 4011, on interface eth0"), std::string::npos) << text;
  EXPECT_EQ(text.find("pool_start"), std::string::npos) << text;
  const auto normal = load_text(kMinimal);
  ASSERT_TRUE(normal.result) << normal.error();
  EXPECT_NE(format_config(normal.config()).find("; mode: DHCP server (addresses from pool_start), port 67, PXE boot "
                                                "server on port 4011"),
            std::string::npos);
}

}  // namespace
}  // namespace netboot::config

namespace netboot::config {
namespace {

// UEFI HTTP boot: [bootfile] keys of the "boot from HTTP" architecture codes.
TEST(LoadConfigHttpBoot, ANameNeedsTheHttpServiceAndTheServerIsHandedToDhcp) {
  const auto off = load_text(kMinimal + "[bootfile]\n00016 = ipxe.efi\n");
  ASSERT_FALSE(off.result);
  EXPECT_NE(off.error().find("netbootd.ini:4: [bootfile] 00016: 'ipxe.efi' is a file name for an HTTP boot client, "
                             "and the HTTP service is off"),
            std::string::npos)
      << off.error();
  // The same name for a PXE architecture is a TFTP file, and 00015 and 19 are HTTP codes too.
  EXPECT_TRUE(load_text(kMinimal + "[bootfile]\n00007 = ipxe.efi\n").result);
  EXPECT_FALSE(load_text(kMinimal + "[bootfile]\n19 = grubaa64.efi\n").result);
  EXPECT_FALSE(load_text(kMinimal + "[bootfile]\n15 = x.efi\n").result);

  const auto on = load_text(kMinimal + "[bootfile]\n00016 = ipxe.efi\n[httpd]\nenable = yes\nport = 8080\n");
  ASSERT_TRUE(on.result) << on.error();
  ASSERT_TRUE(on.config().dhcp.http_boot_server);
  EXPECT_EQ(on.config().dhcp.http_boot_server->port, 8080);
  EXPECT_EQ(on.config().dhcp.http_boot_server->address, Ipv4Address::parse("192.168.1.1"));  // the DHCP address
  const auto any = load_text(kMinimal + "[bootfile]\n16 = ipxe.efi\n[httpd]\nenable = yes\naddress = 0.0.0.0\n");
  ASSERT_TRUE(any.result) << any.error();
  ASSERT_TRUE(any.config().dhcp.http_boot_server);
  EXPECT_FALSE(any.config().dhcp.http_boot_server->address);  // the address each client reached
  EXPECT_FALSE(load_text(kMinimal).config().dhcp.http_boot_server);
}

TEST(LoadConfigHttpBoot, UrlsAreTakenAsWrittenWhenTheyFitTheFileField) {
  const auto url = load_text(kMinimal + "[bootfile]\n16 = http://boot.example/x64/ipxe.efi\n");
  ASSERT_TRUE(url.result) << url.error();
  EXPECT_EQ(url.config().dhcp.boot_files.by_arch.at(16), "http://boot.example/x64/ipxe.efi");
  EXPECT_TRUE(load_text(kMinimal + "[bootfile]\n16 = HTTPS://boot.example/a.efi\n").result);
  const std::string long_url = "http://boot.example/" + std::string(108, 'a');  // 128 bytes
  const BadConfig cases[] = {
      {"too long", kMinimal + "[bootfile]\n16 = " + long_url + "\n",
       "netbootd.ini:4: [bootfile] 16: the URL is 128 bytes; a DHCP reply's file field holds 127"},
      {"another scheme", kMinimal + "[bootfile]\n16 = tftp://boot.example/a.efi\n",
       "netbootd.ini:4: [bootfile] 16: 'tftp://boot.example/a.efi': UEFI HTTP boot takes http:// or https:// URLs"},
      {"a space", kMinimal + "[bootfile]\n16 = http://boot.example/a b.efi\n",
       "netbootd.ini:4: [bootfile] 16: a URL holds no spaces or control characters"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto loaded = load_text(c.text);
    ASSERT_FALSE(loaded.result);
    EXPECT_NE(loaded.error().find(c.message), std::string::npos) << loaded.error();
  }
  EXPECT_TRUE(load_text(kMinimal + "[bootfile]\n16 = http://boot.example/" + std::string(107, 'a') + "\n").result);
}

}  // namespace
}  // namespace netboot::config
