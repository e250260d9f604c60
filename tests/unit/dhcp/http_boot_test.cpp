// UEFI HTTP boot (option 60 "HTTPClient:Arch:NNNNN"): the URL in the file field, built by
// select-http-boot-url, and the options add-pxe-options adds, in normal and proxy mode. Driven
// by the DISCOVER OVMF's HttpBootDxe sent (tests/data/captures/recorded/ovmf-http-discover.hex)
// and by hostile variants of it.
#include <gtest/gtest.h>

#include "dhcp/pipeline/make_pipeline.hpp"
#include "dhcp/pipeline/select_http_boot_url.hpp"
#include "dhcp/pxe.hpp"
#include "unit/dhcp/golden_support.hpp"
#include "unit/dhcp/pipeline_test_support.hpp"

namespace netboot::dhcp {
namespace {

const Ipv4Address kReached = test::ip("192.168.1.1");

DhcpPacket ovmf_http_discover() { return test::load_capture("captures/recorded/ovmf-http-discover.hex"); }

config::DhcpConfig http_config(std::optional<config::HttpBootServer> server = config::HttpBootServer{{}, 80}) {
  auto c = test::lab_config();
  c.boot_files.by_arch[16] = "efi/ipxe.efi";
  c.http_boot_server = server;
  return c;
}

// --- the URL ---

TEST(HttpBootUrl, UrlsAsWrittenNamesOnTheHttpService) {
  const config::HttpBootServer any{{}, 80};
  EXPECT_EQ(http_boot_url("http://x/a.efi", std::nullopt, kReached), "http://x/a.efi");
  EXPECT_EQ(http_boot_url("HTTPS://x/a.efi", std::nullopt, kReached), "HTTPS://x/a.efi");
  EXPECT_EQ(http_boot_url("a.efi", any, kReached), "http://192.168.1.1/a.efi");
  EXPECT_EQ(http_boot_url("/efi/a.efi", any, kReached), "http://192.168.1.1/efi/a.efi");
  EXPECT_EQ(http_boot_url("a.efi", config::HttpBootServer{test::ip("10.0.0.2"), 8080}, kReached),
            "http://10.0.0.2:8080/a.efi");
  EXPECT_EQ(http_boot_url("a.efi", std::nullopt, kReached), std::nullopt);  // no HTTP service
}

TEST(HttpBootUrl, UrlSpecialCharactersInANameArePercentEncoded) {
  const config::HttpBootServer any{{}, 80};
  EXPECT_EQ(http_boot_url("my boot#1?.efi", any, kReached), "http://192.168.1.1/my%20boot%231%3F.efi");
  EXPECT_EQ(http_boot_url("100%.efi", any, kReached), "http://192.168.1.1/100%25.efi");
  EXPECT_EQ(http_boot_url("a@b:c/d&e=f+g", any, kReached), "http://192.168.1.1/a%40b%3Ac/d%26e%3Df%2Bg");
  EXPECT_EQ(http_boot_url(std::string("x\r\nHost: evil\0.efi", 18), any, kReached),
            "http://192.168.1.1/x%0D%0AHost%3A%20evil%00.efi");
  EXPECT_EQ(http_boot_url("\xC3\xA9t\xC3\xA9.efi", any, kReached), "http://192.168.1.1/%C3%A9t%C3%A9.efi");
}

TEST(HttpBootUrl, NothingOverTheFileFieldsBytes) {
  const config::HttpBootServer any{{}, 80};
  const std::string prefix = "http://192.168.1.1/";
  EXPECT_EQ(http_boot_url(std::string(127 - prefix.size(), 'a'), any, kReached)->size(), 127u);
  EXPECT_EQ(http_boot_url(std::string(128 - prefix.size(), 'a'), any, kReached), std::nullopt);
  EXPECT_EQ(http_boot_url(std::string(40, ' '), any, kReached), std::nullopt);  // 120 bytes once encoded
  EXPECT_EQ(http_boot_url("http://x/" + std::string(200, 'a'), any, kReached), std::nullopt);
}

// --- normal mode ---

TEST(HttpBootNormalMode, RecordedOvmfDiscoverGetsALeaseWithHttpClientAndTheUrl) {
  const auto config = http_config();
  test::LeaseWorld world(config);
  auto pipeline = test::capture_pipeline(config, world);
  Exchange ex(ovmf_http_discover(), test::arrival());
  ASSERT_EQ(pipeline.run(ex), Verdict::Continue) << ex.drop_reason;
  EXPECT_EQ(ex.reply.message_type, MessageType::Offer);
  EXPECT_EQ(ex.reply.yiaddr, test::ip("192.168.1.100"));
  EXPECT_EQ(ex.reply.options.get_string(OptionCode::VendorClassIdentifier), "HTTPClient");
  EXPECT_EQ(ex.reply.file, "http://192.168.1.1/efi/ipxe.efi");
  // Its option 55 asks for 67.
  EXPECT_EQ(ex.reply.options.get_string(OptionCode::BootFileName), "http://192.168.1.1/efi/ipxe.efi");
  EXPECT_EQ(ex.phase, lease::BootPhase::Pxe);
  for (const auto code : {OptionCode::VendorSpecific, OptionCode::BootFileSize, OptionCode::TftpServerName})
    EXPECT_FALSE(ex.reply.options.contains(code)) << static_cast<int>(code);

  // Without 67 in its option 55: the file field only.
  auto not_asked = ovmf_http_discover();
  not_asked.options.set(OptionCode::ParameterRequestList, Bytes{1, 3, 6, 60});
  Exchange plain(not_asked, test::arrival());
  ASSERT_EQ(pipeline.run(plain), Verdict::Continue) << plain.drop_reason;
  EXPECT_EQ(plain.reply.file, "http://192.168.1.1/efi/ipxe.efi");
  EXPECT_FALSE(plain.reply.options.contains(OptionCode::BootFileName));

  // Its REQUEST gets the same in the ACK.
  auto request = ovmf_http_discover();
  request.message_type = MessageType::Request;
  request.options.set_address(OptionCode::ServerIdentifier, config.server_address);
  request.options.set_address(OptionCode::RequestedAddress, ex.reply.yiaddr);
  Exchange ack(request, test::arrival());
  ASSERT_EQ(pipeline.run(ack), Verdict::Continue) << ack.drop_reason;
  EXPECT_EQ(ack.reply.message_type, MessageType::Ack);
  EXPECT_EQ(ack.reply.options.get_string(OptionCode::VendorClassIdentifier), "HTTPClient");
  EXPECT_EQ(ack.reply.file, "http://192.168.1.1/efi/ipxe.efi");
}

TEST(HttpBootNormalMode, WithoutAUrlForItTheClientGetsAPlainLease) {
  auto config = http_config(std::nullopt);  // a name, and no HTTP service (the loader refuses this file)
  test::LeaseWorld world(config);
  auto pipeline = test::capture_pipeline(config, world);
  Exchange ex(ovmf_http_discover(), test::arrival());
  ASSERT_EQ(pipeline.run(ex), Verdict::Continue) << ex.drop_reason;
  EXPECT_EQ(ex.reply.message_type, MessageType::Offer);
  EXPECT_TRUE(ex.reply.file.empty());
  EXPECT_FALSE(ex.reply.options.contains(OptionCode::VendorClassIdentifier));
  EXPECT_FALSE(ex.reply.options.contains(OptionCode::BootFileName));
  ASSERT_EQ(ex.notes.size(), 1u);
  EXPECT_NE(ex.notes[0].find("the HTTP service is off"), std::string::npos) << ex.notes[0];

  // `default` is a TFTP boot program: never an HTTP boot URL.
  config = http_config();
  config.boot_files.by_arch.erase(16);
  auto no_key = test::capture_pipeline(config, world);
  Exchange again(ovmf_http_discover(), test::arrival());
  ASSERT_EQ(no_key.run(again), Verdict::Continue);
  EXPECT_TRUE(again.reply.file.empty());
}

TEST(HttpBootNormalMode, AFileAssignedByTheAuthorizationServerBecomesAUrl) {
  SelectHttpBootUrl step(http_config().boot_files, config::HttpBootServer{{}, 8080});
  Exchange ex(ovmf_http_discover(), test::arrival());
  ex.client = identify_client(ex.request);
  ex.server_address = kReached;
  ex.assigned_boot_file = "per machine/boot.efi";
  ASSERT_EQ(step.apply(ex), Verdict::Continue);
  EXPECT_EQ(ex.reply.file, "http://192.168.1.1:8080/per%20machine/boot.efi");
}

// A [subnet]'s bootfile.* keys override [bootfile] for its clients, for HTTP boot as for TFTP
// (select-boot-file); a key it does not give comes from [bootfile]; [bootp]'s clients keep [bootfile].
TEST(HttpBootNormalMode, ASubnetsBootFileOverridesGiveItsClientsTheirUrl) {
  const auto config = http_config();
  SelectHttpBootUrl step(config.boot_files, config.http_boot_server);
  Subnet rack12;
  rack12.id = 1;
  rack12.name = "rack12";
  rack12.network = Ipv4Subnet{test::ip("10.12.0.0"), test::ip("255.255.255.0")};
  rack12.boot_files = config.boot_files;
  rack12.boot_files.by_arch[16] = "rack12/ipxe.efi";
  Subnet inherits = rack12;
  inherits.id = 2;
  inherits.boot_files = config.boot_files;
  Subnet primary;  // [bootp]: id 0
  primary.boot_files.by_arch[16] = "never/used.efi";  // [bootp] is served from the step's own table
  const auto url_for = [&](const Subnet* subnet) {
    Exchange ex(ovmf_http_discover(), test::arrival());
    ex.client = identify_client(ex.request);
    ex.server_address = kReached;
    ex.subnet = subnet;
    EXPECT_EQ(step.apply(ex), Verdict::Continue) << ex.drop_reason;
    return ex.reply.file;
  };
  EXPECT_EQ(url_for(&rack12), "http://192.168.1.1/rack12/ipxe.efi");
  EXPECT_EQ(url_for(&inherits), "http://192.168.1.1/efi/ipxe.efi");
  EXPECT_EQ(url_for(&primary), "http://192.168.1.1/efi/ipxe.efi");
  EXPECT_EQ(url_for(nullptr), "http://192.168.1.1/efi/ipxe.efi");
  // A subnet whose key names a URL gives that URL as written.
  rack12.boot_files.by_arch[16] = "http://10.12.0.5/rack12.efi";
  EXPECT_EQ(url_for(&rack12), "http://10.12.0.5/rack12.efi");
}

// --- proxy mode ---

struct ProxyWorld {
  lease::MemoryLeaseStore store{[](std::function<void()>) {}};
  Pipeline pipeline(const config::DhcpConfig& config) {
    return make_proxy_pipeline(config, {.leases = store,
                                        .boot_file_size = [](std::string_view) -> std::optional<std::uint64_t> {
                                          return 42'000;
                                        }});
  }
};

config::DhcpConfig proxy_http_config(std::optional<config::HttpBootServer> server = config::HttpBootServer{{}, 8080}) {
  auto c = http_config(server);
  c.proxy = true;
  return c;
}

PacketInfo on_67() { return PacketInfo{UdpEndpoint{Ipv4Address::any(), 68}, kReached, 2, test::kNow, 67}; }

TEST(HttpBootProxyMode, RecordedOvmfDiscoverGetsAProxyOfferWithTheUrlAtTheAddressItReached) {
  ProxyWorld world;
  auto pipeline = world.pipeline(proxy_http_config());
  Exchange ex(ovmf_http_discover(), on_67());
  ASSERT_EQ(pipeline.run(ex), Verdict::Continue) << ex.drop_reason;
  EXPECT_EQ(ex.reply.message_type, MessageType::Offer);
  EXPECT_TRUE(ex.reply.yiaddr.is_unspecified());
  EXPECT_TRUE(ex.reply.siaddr.is_unspecified());
  EXPECT_EQ(ex.reply.options.get_address(OptionCode::ServerIdentifier), kReached);
  EXPECT_EQ(ex.reply.options.get_string(OptionCode::VendorClassIdentifier), "HTTPClient");
  EXPECT_EQ(ex.reply.file, "http://192.168.1.1:8080/efi/ipxe.efi");
  EXPECT_EQ(ex.reply.options.get_string(OptionCode::BootFileName), ex.reply.file);
  for (const auto code : {OptionCode::VendorSpecific, OptionCode::BootFileSize, OptionCode::SubnetMask,
                          OptionCode::Router, OptionCode::LeaseTime})
    EXPECT_FALSE(ex.reply.options.contains(code)) << static_cast<int>(code);
  // On the wire too.
  const auto parsed = parse_dhcp_packet(serialize_dhcp_packet(ex.reply, max_reply_size(ex.request)));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->file, "http://192.168.1.1:8080/efi/ipxe.efi");

  // [httpd] on one address: that one, whichever the client reached.
  auto fixed = world.pipeline(proxy_http_config(config::HttpBootServer{test::ip("192.168.1.7"), 80}));
  Exchange again(ovmf_http_discover(), on_67());
  ASSERT_EQ(fixed.run(again), Verdict::Continue) << again.drop_reason;
  EXPECT_EQ(again.reply.file, "http://192.168.1.7/efi/ipxe.efi");
}

TEST(HttpBootProxyMode, NoUrlNoReply) {
  ProxyWorld world;
  auto config = proxy_http_config(std::nullopt);
  auto pipeline = world.pipeline(config);
  Exchange ex(ovmf_http_discover(), on_67());
  EXPECT_EQ(pipeline.run(ex), Verdict::Drop);
  EXPECT_NE(ex.drop_reason.find("the HTTP service is off"), std::string::npos) << ex.drop_reason;
  config.boot_files.by_arch.erase(16);
  auto none = world.pipeline(config);
  Exchange again(ovmf_http_discover(), on_67());
  EXPECT_EQ(none.run(again), Verdict::Drop);
  EXPECT_NE(again.drop_reason.find("no [bootfile] URL"), std::string::npos) << again.drop_reason;
}

// --- hostile clients ---

DhcpPacket with_vendor_class(std::string vendor, std::optional<std::uint16_t> arch93) {
  auto p = ovmf_http_discover();
  p.options.set_string(OptionCode::VendorClassIdentifier, std::move(vendor));
  if (arch93) p.options.set_u16(OptionCode::ClientSystemArchitecture, *arch93);
  else p.options.erase(OptionCode::ClientSystemArchitecture);
  return p;
}

TEST(HttpBootHostile, OddArchitecturesGetNoUrlInEitherMode) {
  const std::pair<std::string, std::optional<std::uint16_t>> odd[] = {
      {"HTTPClient:Arch:00007:UNDI:003000", 7},      // a PXE code: its file is a TFTP boot program
      {"HTTPClient:Arch:00000", 0},
      {"HTTPClient:Arch:65535", 65535},
      {"HTTPClient:Arch:99999", std::nullopt},       // not a 16-bit code
      {"HTTPClient:Arch:0001x", std::nullopt},
      {"HTTPClient:Arch:", std::nullopt},
      {"HTTPClient", std::nullopt},
      {"HTTPClient:Arch:00016", 21},                 // option 93 wins, and 21 is not an HTTP code
  };
  auto config = http_config();
  config.boot_files.by_arch[0] = "pxelinux.0";
  config.boot_files.by_arch[65535] = "odd.efi";
  test::LeaseWorld world(config);
  auto normal = test::capture_pipeline(config, world);
  ProxyWorld proxy_world;
  auto proxy_config = config;
  proxy_config.proxy = true;
  auto proxy = proxy_world.pipeline(proxy_config);
  for (const auto& [vendor, arch] : odd) {
    SCOPED_TRACE(vendor);
    Exchange ex(with_vendor_class(vendor, arch), test::arrival());
    ASSERT_EQ(normal.run(ex), Verdict::Continue) << ex.drop_reason;
    EXPECT_TRUE(ex.reply.file.empty()) << ex.reply.file;
    EXPECT_FALSE(ex.reply.options.contains(OptionCode::VendorClassIdentifier));
    Exchange px(with_vendor_class(vendor, arch), on_67());
    EXPECT_EQ(proxy.run(px), Verdict::Drop);
  }
}

TEST(HttpBootHostile, AHugeOption60IsReadLikeAnyOther) {
  // Three 255-byte option 60 instances, concatenated (RFC 3396) by the parser.
  std::string vendor = "HTTPClient:Arch:00016:" + std::string(765 - 22, 'A');
  auto packet = with_vendor_class(vendor, std::nullopt);
  const auto wire = serialize_dhcp_packet(packet, 1500);
  const auto parsed = parse_dhcp_packet(wire);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->options.get_string(OptionCode::VendorClassIdentifier)->size(), 765u);
  const auto config = http_config();
  test::LeaseWorld world(config);
  auto pipeline = test::capture_pipeline(config, world);
  Exchange ex(*parsed, test::arrival());
  ASSERT_EQ(pipeline.run(ex), Verdict::Continue) << ex.drop_reason;
  EXPECT_EQ(ex.client.arch, 16);
  EXPECT_EQ(ex.reply.file, "http://192.168.1.1/efi/ipxe.efi");
  // The reply echoes none of it.
  EXPECT_EQ(ex.reply.options.get_string(OptionCode::VendorClassIdentifier), "HTTPClient");
  EXPECT_LE(serialize_dhcp_packet(ex.reply, max_reply_size(ex.request)).size(), max_reply_size(ex.request));
}

TEST(HttpBootHostile, AFileNameWithUrlSpecialCharactersIsEncodedOnTheWire) {
  auto config = http_config();
  config.boot_files.by_arch[16] = "boot files/a#b?c%d.efi";
  test::LeaseWorld world(config);
  auto pipeline = test::capture_pipeline(config, world);
  Exchange ex(ovmf_http_discover(), test::arrival());
  ASSERT_EQ(pipeline.run(ex), Verdict::Continue) << ex.drop_reason;
  EXPECT_EQ(ex.reply.file, "http://192.168.1.1/boot%20files/a%23b%3Fc%25d.efi");
  // An assigned name too long once encoded: no URL rather than a cut one.
  SelectHttpBootUrl step(config.boot_files, config::HttpBootServer{{}, 80});
  Exchange cut(ovmf_http_discover(), test::arrival());
  cut.client = identify_client(cut.request);
  cut.server_address = kReached;
  cut.assigned_boot_file = std::string(50, '#');
  ASSERT_EQ(step.apply(cut), Verdict::Continue);
  EXPECT_TRUE(cut.reply.file.empty());
  cut.pxe_reply = PxeReply::ProxyOffer;
  EXPECT_EQ(step.apply(cut), Verdict::Drop);
  EXPECT_NE(cut.drop_reason.find("longer than the 127-byte file field"), std::string::npos) << cut.drop_reason;
}

}  // namespace
}  // namespace netboot::dhcp
