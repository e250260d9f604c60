// Golden tests on captures recorded from real firmwares and clients (tests/e2e/record_captures.py,
// QEMU -uuid 4c414230-1234-4567-89ab-cdef00770001): every tests/data/captures/recorded/*.hex
// is parsed, checked against what firmware-requests.md says each client sends and against the
// recorder's own decoding in the file's header, then run through the DHCP pipeline; describe()
// of the request and of the reply are compared with tests/data/golden/recorded/<name>.request.txt
// and <name>.reply.txt. Regenerate with UPDATE_GOLDEN=1 (then review the diff).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "dhcp/pxe.hpp"
#include "unit/dhcp/golden_support.hpp"
#include "unit/dhcp/pipeline_test_support.hpp"

namespace netboot::dhcp {
namespace {

constexpr std::uint16_t kIpxeMaxSize = 1472;    // option 57 of the iPXE ROMs and EDK2's DISCOVER
constexpr std::uint16_t kUdhcpcMaxSize = 576;   // busybox udhcpc
constexpr std::uint16_t kEdk2RequestMaxSize = 65280;  // EDK2's REQUEST says 0xff00

struct Recorded {
  std::string_view name;                  // tests/data/captures/recorded/<name>.hex
  MessageType type;
  std::string_view vendor_class;          // option 60, "" when absent
  std::optional<std::uint16_t> arch;      // option 93
  Bytes undi;                             // option 94, empty when absent
  bool uuid;                              // option 97 holds the QEMU -uuid (SMBIOS byte order)
  std::optional<std::uint16_t> max_size;  // option 57
  bool ipxe;                              // option 77 "iPXE"
  bool broadcast;                         // BOOTP broadcast flag (EDK2 sets it)
  int subnet;                             // recorded on 198.18.<subnet>.0/24; 0: not sent to port 67
  MessageType reply;                      // what the pipeline answers
  std::string_view boot_file;             // with the e2e [bootfile] table
};

constexpr std::string_view kBios = "PXEClient:Arch:00000:UNDI:002001";      // SeaBIOS + iPXE pxe-e1000.rom
constexpr std::string_view kUefiIpxe = "PXEClient:Arch:00007:UNDI:003010";  // OVMF + iPXE efi-e1000.rom
constexpr std::string_view kEdk2 = "PXEClient:Arch:00007:UNDI:003000";      // OVMF's own PXE
constexpr std::string_view kHttp = "HTTPClient:Arch:00016:UNDI:003000";   // OVMF's own UEFI HTTP boot
constexpr std::string_view kUdhcpc = "udhcp 1.35.0";

const Recorded kRecorded[] = {
    {"seabios-ipxe-discover", MessageType::Discover, kBios, 0, {1, 2, 1}, true, kIpxeMaxSize, true, false, 141, MessageType::Offer, "pxelinux.0"},
    {"seabios-ipxe-request", MessageType::Request, kBios, 0, {1, 2, 1}, true, kIpxeMaxSize, true, false, 141, MessageType::Ack, "pxelinux.0"},
    {"seabios-ipxe-os-discover", MessageType::Discover, kUdhcpc, {}, {}, false, kUdhcpcMaxSize, false, false, 141, MessageType::Offer, "pxelinux.0"},
    {"seabios-ipxe-os-request", MessageType::Request, kUdhcpc, {}, {}, false, kUdhcpcMaxSize, false, false, 141, MessageType::Ack, "pxelinux.0"},
    {"ovmf-ipxe-discover", MessageType::Discover, kUefiIpxe, 7, {1, 3, 10}, true, kIpxeMaxSize, true, false, 142, MessageType::Offer, "boot.ipxe"},
    {"ovmf-ipxe-request", MessageType::Request, kUefiIpxe, 7, {1, 3, 10}, true, kIpxeMaxSize, true, false, 142, MessageType::Ack, "boot.ipxe"},
    {"ovmf-ipxe-os-discover", MessageType::Discover, kUdhcpc, {}, {}, false, kUdhcpcMaxSize, false, false, 142, MessageType::Offer, "pxelinux.0"},
    {"ovmf-ipxe-os-request", MessageType::Request, kUdhcpc, {}, {}, false, kUdhcpcMaxSize, false, false, 142, MessageType::Ack, "pxelinux.0"},
    {"ovmf-edk2-discover", MessageType::Discover, kEdk2, 7, {1, 3, 0}, true, kIpxeMaxSize, false, true, 143, MessageType::Offer, "snponly.efi"},
    {"ovmf-edk2-request", MessageType::Request, kEdk2, 7, {1, 3, 0}, true, kEdk2RequestMaxSize, false, true, 143, MessageType::Ack, "snponly.efi"},
    // Sent to a boot server on port 4011 (unicast, ciaddr set) before option 43 told EDK2 not
    // to: not a port-67 request, so only parsed and checked here; proxy_test.cpp runs it
    // through the boot-server pipeline.
    {"ovmf-edk2-bootserver-request", MessageType::Request, kEdk2, 7, {1, 3, 0}, true, kIpxeMaxSize, false, false, 0, {}, {}},
    // OVMF's HTTP boot (PXE switched off by fw_cfg): arch 16, and the URL on the HTTP service at
    // the address the client reached.
    {"ovmf-http-discover", MessageType::Discover, kHttp, 16, {1, 3, 0}, true, kIpxeMaxSize, false, true, 144, MessageType::Offer, "http://198.18.144.1:8080/ipxe.efi"},
    {"udhcpc-discover", MessageType::Discover, kUdhcpc, {}, {}, false, kUdhcpcMaxSize, false, false, 141, MessageType::Offer, "pxelinux.0"},
    {"dhclient-discover", MessageType::Discover, "", {}, {}, false, {}, false, false, 141, MessageType::Offer, "pxelinux.0"},
};

std::string capture_path(std::string_view name) { return "captures/recorded/" + std::string(name) + ".hex"; }

/// The recorder's notes in the capture's '#' header: "client MAC ..., xid 0x..., N bytes of
/// UDP payload" and "option N = <hex bytes or text>".
struct Header {
  std::string mac;
  std::uint32_t xid = 0;
  std::size_t payload_size = 0;
  std::map<int, std::string> options;
};

Header read_header(std::string_view name) {
  Header h;
  std::istringstream in(test::read_file(test::test_data(capture_path(name))));
  const std::regex client(R"(^# client MAC ([0-9a-f:]{17}), xid 0x([0-9a-f]{8}), (\d+) bytes of UDP payload)");
  const std::regex option(R"(^# option (\d+) = (.*)$)");
  std::string line;
  std::smatch m;
  while (std::getline(in, line) && line.starts_with("#")) {
    if (std::regex_search(line, m, client)) {
      h.mac = m[1];
      h.xid = static_cast<std::uint32_t>(std::stoul(m[2], nullptr, 16));
      h.payload_size = std::stoul(m[3]);
    } else if (std::regex_match(line, m, option)) {
      h.options[std::stoi(m[1])] = m[2];
    }
  }
  return h;
}

/// The recorder writes an option as hex bytes ("01 03 0a") or, when printable, as text.
Bytes header_value(const std::string& text) {
  static const std::regex hex_bytes(R"(^[0-9a-f]{2}( [0-9a-f]{2})*$)");
  if (std::regex_match(text, hex_bytes)) return test::from_hex(text);
  return Bytes(text.begin(), text.end());
}

config::DhcpConfig recording_network(int subnet) {
  // The tests/e2e configuration (e2elib.netbootd_config) on the recording's namespace network.
  config::DhcpConfig c;
  const std::string net = "198.18." + std::to_string(subnet) + ".";
  c.server_address = test::ip((net + "1").c_str());
  c.netmask = test::ip("255.255.255.0");
  c.gateway = c.server_address;
  c.pool_start = test::ip((net + "100").c_str());
  c.pool_count = 20;
  c.boot_files.fallback = "pxelinux.0";
  c.boot_files.by_arch[7] = "snponly.efi";
  c.boot_files.ipxe_by_arch[7] = "boot.ipxe";
  // test_http_boot.py's: [bootfile] 16 = ipxe.efi, [httpd] on every address, port 8080.
  c.boot_files.by_arch[16] = "ipxe.efi";
  c.http_boot_server = config::HttpBootServer{.address = std::nullopt, .port = 8080};
  // The OS-phase clients are answered in the e2e run because the same MAC booted before;
  // each capture here meets a fresh lease store.
  c.allow_simple_dhcp = true;
  return c;
}

TEST(RecordedCaptures, TheTableCoversEveryRecordedCapture) {
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(test::test_data("captures/recorded")))
    if (entry.path().extension() == ".hex") files.insert(entry.path().stem().string());
  std::set<std::string> listed;
  for (const auto& c : kRecorded) listed.insert(std::string(c.name));
  EXPECT_EQ(files, listed);
}

TEST(RecordedCaptures, ParseToWhatTheRecorderSaw) {
  for (const auto& c : kRecorded) {
    SCOPED_TRACE(c.name);
    const auto bytes = test::from_hex(test::read_file(test::test_data(capture_path(c.name))));
    const auto packet = test::load_capture(capture_path(c.name));
    const auto header = read_header(c.name);
    EXPECT_EQ(bytes.size(), header.payload_size);
    EXPECT_EQ(packet.xid, header.xid);
    EXPECT_EQ(identify_client(packet).mac, MacAddress::parse(header.mac));
    ASSERT_FALSE(header.options.empty());
    for (const auto& [code, text] : header.options) {
      SCOPED_TRACE(code);
      if (code == 53) {  // parsed into message_type, not kept among the options
        ASSERT_TRUE(packet.message_type.has_value());
        EXPECT_EQ(Bytes{static_cast<std::uint8_t>(*packet.message_type)}, header_value(text));
        continue;
      }
      const Bytes* value = packet.options.find(static_cast<OptionCode>(code));
      ASSERT_NE(value, nullptr);
      EXPECT_EQ(*value, header_value(text));
    }
    // Reading back what the serializer writes gives the same value.
    const auto again = parse_dhcp_packet(serialize_dhcp_packet(packet, 1500));
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, packet);
  }
}

TEST(RecordedCaptures, CarryTheFirmwareIdentityFacts) {
  for (const auto& c : kRecorded) {
    SCOPED_TRACE(c.name);
    const auto packet = test::load_capture(capture_path(c.name));
    const auto id = identify_client(packet);
    EXPECT_EQ(packet.message_type, c.type);
    EXPECT_EQ(id.vendor_class, c.vendor_class);
    EXPECT_EQ(id.is_pxe, c.vendor_class.starts_with("PXEClient"));
    EXPECT_EQ(id.is_http_client, c.vendor_class.starts_with("HTTPClient"));
    EXPECT_EQ(packet.options.get_u16(OptionCode::ClientSystemArchitecture), c.arch);
    EXPECT_EQ(id.arch, c.arch);
    const Bytes* undi = packet.options.find(OptionCode::ClientNetworkInterface);
    EXPECT_EQ(undi != nullptr ? *undi : Bytes{}, c.undi);
    if (c.uuid) {
      EXPECT_EQ(id.uuid, Uuid::parse("4c414230-1234-4567-89ab-cdef00770001"));
      ASSERT_NE(packet.options.find(OptionCode::ClientMachineIdentifier), nullptr);
      EXPECT_EQ(*packet.options.find(OptionCode::ClientMachineIdentifier), test::kGuid);  // SMBIOS order on the wire
    } else {
      EXPECT_FALSE(id.uuid);
    }
    EXPECT_EQ(packet.options.get_u16(OptionCode::MaxMessageSize), c.max_size);
    EXPECT_EQ(id.is_ipxe, c.ipxe);
    EXPECT_EQ(packet.options.get_string(OptionCode::UserClass),
              c.ipxe ? std::optional<std::string>("iPXE") : std::nullopt);
    EXPECT_EQ(packet.broadcast, c.broadcast);
  }
}

TEST(RecordedCaptures, PipelineRepliesMatchTheGoldenFiles) {
  for (const auto& c : kRecorded) {
    SCOPED_TRACE(c.name);
    const auto request = test::load_capture(capture_path(c.name));
    test::expect_golden("golden/recorded/" + std::string(c.name) + ".request.txt", describe(request));
    if (c.subnet == 0) continue;
    const auto config = recording_network(c.subnet);
    test::LeaseWorld world(config);
    auto pipeline = test::capture_pipeline(config, world);
    Exchange ex(request, PacketInfo{UdpEndpoint{Ipv4Address::any(), 68}, config.server_address, 2, test::kNow});
    ASSERT_EQ(pipeline.run(ex), Verdict::Continue) << ex.drop_reason;
    EXPECT_EQ(ex.reply.message_type, c.reply);
    EXPECT_EQ(ex.reply.file, c.boot_file);
    EXPECT_EQ(ex.reply.yiaddr, test::ip(("198.18." + std::to_string(c.subnet) + ".100").c_str()));
    EXPECT_EQ(ex.reply.options.get_address(OptionCode::ServerIdentifier), config.server_address);
    test::expect_golden("golden/recorded/" + std::string(c.name) + ".reply.txt", test::describe_wire_reply(ex));
  }
}

}  // namespace
}  // namespace netboot::dhcp
