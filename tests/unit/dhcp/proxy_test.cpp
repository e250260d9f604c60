// proxyDHCP (port 67, proxy = yes) and the PXE boot server (port 4011), built as
// their own pipelines (make_proxy_pipeline, make_boot_server_pipeline). Driven by the
// requests real firmwares sent (tests/data/captures/recorded/) and by the request builder.
#include <gtest/gtest.h>

#include "dhcp/pipeline/make_pipeline.hpp"
#include "dhcp/pipeline/record_proxy_boot.hpp"
#include "dhcp/pxe.hpp"
#include "dhcp/reply_destination.hpp"
#include "unit/dhcp/golden_support.hpp"
#include "unit/dhcp/pipeline_test_support.hpp"

namespace netboot::dhcp {
namespace {

const Ipv4Address kServer = test::ip("198.18.143.1");

// The e2e [bootfile] table, with no pool: proxy mode.
config::DhcpConfig proxy_config() {
  config::DhcpConfig c;
  c.proxy = true;
  c.servername = "netboot";
  c.boot_files.fallback = "pxelinux.0";
  c.boot_files.by_arch[7] = "snponly.efi";
  c.boot_files.ipxe_by_arch[7] = "boot.ipxe";
  c.boot_files.ipxe_fallback = "boot.ipxe";
  return c;
}

struct World {
  std::deque<std::function<void()>> posted;
  lease::MemoryLeaseStore store{[this](std::function<void()> f) { posted.push_back(std::move(f)); }};
  BootPipelineDependencies deps(std::optional<Ipv4Address> tftp = {}) {
    return {.leases = store,
            .boot_file_size = [](std::string_view) -> std::optional<std::uint64_t> { return 42'000; },
            .tftp_server = tftp};
  }
};

PacketInfo on_67(Ipv4Address from = Ipv4Address::any(), std::uint16_t port = 68) {
  return PacketInfo{UdpEndpoint{from, port}, kServer, 2, test::kNow, 67};
}
PacketInfo on_4011(Ipv4Address from, std::uint16_t port = 4011) {
  return PacketInfo{UdpEndpoint{from, port}, kServer, 2, test::kNow, 4011};
}

DhcpPacket capture(std::string_view name) {
  return test::load_capture("captures/recorded/" + std::string(name) + ".hex");
}

Bytes vendor_43(const Exchange& ex) {
  const Bytes* v = ex.reply.options.find(OptionCode::VendorSpecific);
  return v ? *v : Bytes{};
}

const Bytes kUseBootFile{6, 1, 8, 255};

// --- the vendor option table (pxe_vendor_options_for) ---

ClientIdentity client(bool pxe, std::optional<std::uint16_t> arch, bool ipxe, bool http = false) {
  ClientIdentity id;
  id.is_pxe = pxe;
  id.arch = arch;
  id.is_ipxe = ipxe;
  id.is_http_client = http;
  return id;
}

TEST(PxeVendorTable, PerArchitectureIpxeHttpAndReplyKind) {
  struct Row {
    ClientIdentity id;
    PxeReply kind;
    bool has_43;
  };
  const Row rows[] = {
      // Normal mode (Lease): every PXE client gets "use this boot file", as before.
      {client(true, 0, false), PxeReply::Lease, true},
      {client(true, 7, false), PxeReply::Lease, true},
      {client(true, 7, true), PxeReply::Lease, true},
      // proxy OFFER: BIOS ROMs and iPXE keep it; UEFI PXE (arch >= 6, not iPXE) gets none.
      {client(true, 0, false), PxeReply::ProxyOffer, true},
      {client(true, 5, false), PxeReply::ProxyOffer, true},
      {client(true, std::nullopt, false), PxeReply::ProxyOffer, true},
      {client(true, 6, false), PxeReply::ProxyOffer, false},
      {client(true, 7, false), PxeReply::ProxyOffer, false},
      {client(true, 9, false), PxeReply::ProxyOffer, false},
      {client(true, 11, false), PxeReply::ProxyOffer, false},
      {client(true, 7, true), PxeReply::ProxyOffer, true},
      {client(true, 0, true), PxeReply::ProxyOffer, true},
      // boot-server ACK: everyone ("no discovery, boot this").
      {client(true, 7, false), PxeReply::BootServerAck, true},
      {client(true, 0, false), PxeReply::BootServerAck, true},
      // HTTP boot and non-PXE clients: never.
      {client(false, 16, false, true), PxeReply::ProxyOffer, false},
      {client(false, 16, false, true), PxeReply::BootServerAck, false},
      {client(false, std::nullopt, false), PxeReply::Lease, false},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(::testing::Message() << "arch " << (row.id.arch ? int(*row.id.arch) : -1) << " ipxe "
                                      << row.id.is_ipxe << " http " << row.id.is_http_client << " "
                                      << to_string(row.kind));
    const auto options = pxe_vendor_options_for(row.id, row.kind);
    EXPECT_EQ(options.has_value(), row.has_43);
    if (options) EXPECT_EQ(encode_pxe_vendor_options(*options), kUseBootFile);
  }
}

TEST(PxeVendorTable, HttpClientIsRecognised) {
  OptionMap o;
  o.set_string(OptionCode::VendorClassIdentifier, "HTTPClient:Arch:00016:UNDI:003001");
  EXPECT_TRUE(is_http_client(o));
  EXPECT_FALSE(is_pxe_client(o));
  o.set_string(OptionCode::VendorClassIdentifier, "PXEClient:Arch:00007");
  EXPECT_FALSE(is_http_client(o));
}

// --- proxy OFFER from the recorded DISCOVERs ---

TEST(ProxyPipeline, Edk2DiscoverGetsABinlOfferPointingAtPort4011) {
  const auto config = proxy_config();
  World world;
  auto pipeline = make_proxy_pipeline(config, world.deps(test::ip("198.18.143.9")));
  Exchange ex(capture("ovmf-edk2-discover"), on_67());
  ASSERT_EQ(pipeline.run(ex), Verdict::Continue) << ex.drop_reason;
  EXPECT_EQ(ex.reply.message_type, MessageType::Offer);
  EXPECT_EQ(ex.kind, RequestKind::ProxyDiscover);
  EXPECT_TRUE(ex.reply.yiaddr.is_unspecified());
  EXPECT_TRUE(ex.reply.ciaddr.is_unspecified());
  EXPECT_EQ(ex.reply.siaddr, kServer);  // the 4011 target, not the TFTP server
  EXPECT_EQ(ex.reply.file, "snponly.efi");
  EXPECT_EQ(ex.reply.options.get_string(OptionCode::VendorClassIdentifier), "PXEClient");
  EXPECT_EQ(ex.reply.options.get_address(OptionCode::ServerIdentifier), kServer);
  EXPECT_EQ(*ex.reply.options.find(OptionCode::ClientMachineIdentifier),
            *ex.request.options.find(OptionCode::ClientMachineIdentifier));
  EXPECT_EQ(ex.reply.options.find(OptionCode::VendorSpecific), nullptr);  // EDK2 drops a first ProxyPxe10 offer
  for (const auto code : {OptionCode::SubnetMask, OptionCode::Router, OptionCode::DomainNameServer,
                          OptionCode::DomainName, OptionCode::LeaseTime, OptionCode::RenewalTime,
                          OptionCode::RebindingTime})
    EXPECT_FALSE(ex.reply.options.contains(code)) << static_cast<int>(code);
  EXPECT_EQ(ex.lease_write, LeaseWrite::None);
  EXPECT_FALSE(ex.lease);
  EXPECT_TRUE(ex.events.empty());  // its BOOT comes with the 4011 ACK
  const auto to = choose_reply_destination(ex.request, ex.reply);
  EXPECT_EQ(to.kind, ReplyDestination::Kind::Broadcast);
  EXPECT_EQ(to.address, Ipv4Address::broadcast());
  EXPECT_EQ(to.port, 68);
}

TEST(ProxyPipeline, BiosIpxeDiscoverGetsTheFileAndUseBootFile) {
  const auto config = proxy_config();
  World world;
  auto pipeline = make_proxy_pipeline(config, world.deps(test::ip("198.18.141.9")));
  Exchange ex(capture("seabios-ipxe-discover"), on_67());
  ASSERT_EQ(pipeline.run(ex), Verdict::Continue) << ex.drop_reason;
  EXPECT_EQ(ex.reply.message_type, MessageType::Offer);
  EXPECT_TRUE(ex.reply.yiaddr.is_unspecified());
  EXPECT_EQ(ex.reply.siaddr, test::ip("198.18.141.9"));  // the TFTP server
  EXPECT_EQ(ex.reply.file, "boot.ipxe");
  EXPECT_EQ(vendor_43(ex), kUseBootFile);
  EXPECT_EQ(ex.reply.options.get_string(OptionCode::VendorClassIdentifier), "PXEClient");
  EXPECT_EQ(ex.reply.options.get_address(OptionCode::ServerIdentifier), kServer);
  EXPECT_EQ(ex.reply.options.get_u16(OptionCode::BootFileSize), 83);  // ceil(42000 / 512)
  ASSERT_EQ(ex.events.size(), 1u);  // iPXE takes the file from here: BOOT now
  EXPECT_EQ(ex.events[0].kind, BootEvent::Kind::Boot);
  EXPECT_TRUE(ex.events[0].address.is_unspecified());
  EXPECT_EQ(ex.events[0].boot_file, "boot.ipxe");
  EXPECT_EQ(ex.lease_write, LeaseWrite::None);
}

TEST(ProxyPipeline, UefiIpxeDiscoverKeepsOption43) {
  const auto config = proxy_config();
  World world;
  auto pipeline = make_proxy_pipeline(config, world.deps());
  Exchange ex(capture("ovmf-ipxe-discover"), on_67());
  ASSERT_EQ(pipeline.run(ex), Verdict::Continue) << ex.drop_reason;
  EXPECT_EQ(ex.reply.file, "boot.ipxe");
  EXPECT_EQ(vendor_43(ex), kUseBootFile);
  EXPECT_EQ(ex.reply.siaddr, kServer);  // no separate TFTP server: ours
}

TEST(ProxyPipeline, NonPxeClientsAreDroppedQuietly) {
  const auto config = proxy_config();
  World world;
  auto pipeline = make_proxy_pipeline(config, world.deps());
  for (const auto* name : {"udhcpc-discover", "dhclient-discover", "seabios-ipxe-os-discover",
                           "seabios-ipxe-os-request"}) {
    SCOPED_TRACE(name);
    Exchange ex(capture(name), on_67());
    EXPECT_EQ(pipeline.run(ex), Verdict::Drop);
    EXPECT_TRUE(ex.drop_is_debug);
    EXPECT_EQ(ex.lease_write, LeaseWrite::None);
  }
}

TEST(ProxyPipeline, NeverALeaseNorANakWhateverTheRequest) {
  const auto config = proxy_config();
  World world;
  auto pipeline = make_proxy_pipeline(config, world.deps());
  const MessageType types[] = {MessageType::Discover, MessageType::Request, MessageType::Decline,
                               MessageType::Release, MessageType::Inform, MessageType::Offer,
                               MessageType::Ack, MessageType::Nak};
  for (const auto type : types) {
    for (const auto server_id : {std::optional<Ipv4Address>{}, std::optional(kServer),
                                 std::optional(test::ip("198.18.143.2"))}) {
      for (const bool pxe : {true, false}) {
        test::RequestSpec spec;
        spec.type = type;
        spec.pxe = pxe;
        spec.server_id = server_id;
        spec.requested = test::ip("198.18.143.100");
        spec.ciaddr = type == MessageType::Release || type == MessageType::Inform ? test::ip("198.18.143.100")
                                                                                   : Ipv4Address();
        Exchange ex(test::make_request(spec), on_67());
        const auto verdict = pipeline.run(ex);
        SCOPED_TRACE(::testing::Message() << to_string(type) << " pxe " << pxe);
        EXPECT_EQ(ex.lease_write, LeaseWrite::None);
        EXPECT_FALSE(ex.lease);
        EXPECT_NE(ex.reply.message_type, MessageType::Nak);
        EXPECT_TRUE(ex.reply.yiaddr.is_unspecified());
        const bool answered = pxe && (type == MessageType::Discover ||
                                      (type == MessageType::Request && server_id == std::optional(kServer)));
        EXPECT_EQ(verdict == Verdict::Continue, answered);
        if (verdict == Verdict::Drop) EXPECT_TRUE(ex.drop_is_debug) << ex.drop_reason;
      }
    }
  }
  EXPECT_EQ(world.store.size(), 0u);
}

TEST(ProxyPipeline, RequestForTheAddressServerIsTheirs) {
  const auto config = proxy_config();
  World world;
  auto pipeline = make_proxy_pipeline(config, world.deps());
  Exchange ex(capture("ovmf-edk2-request"), on_67());  // names 198.18.143.1... as its server
  ex.received.local_address = test::ip("198.18.143.7");  // we are another host
  EXPECT_EQ(pipeline.run(ex), Verdict::Drop);
  EXPECT_TRUE(ex.drop_is_debug);
}

TEST(ProxyPipeline, HttpBootClientGetsAUrlWithHttpClient) {
  auto config = proxy_config();
  config.boot_files.by_arch[16] = "http://198.18.143.1/boot.efi";
  World world;
  auto pipeline = make_proxy_pipeline(config, world.deps());
  test::RequestSpec spec;
  spec.pxe = false;
  auto request = test::make_request(spec);
  request.options.set_string(OptionCode::VendorClassIdentifier, "HTTPClient:Arch:00016:UNDI:003001");
  request.options.set_u16(OptionCode::ClientSystemArchitecture, 16);
  Exchange ex(request, on_67());
  ASSERT_EQ(pipeline.run(ex), Verdict::Continue) << ex.drop_reason;
  EXPECT_EQ(ex.reply.options.get_string(OptionCode::VendorClassIdentifier), "HTTPClient");
  EXPECT_EQ(ex.reply.file, "http://198.18.143.1/boot.efi");
  EXPECT_TRUE(ex.reply.siaddr.is_unspecified());
  EXPECT_FALSE(ex.reply.options.contains(OptionCode::VendorSpecific));

  // A TFTP file name is no use to it.
  config.boot_files.by_arch[16] = "boot.efi";
  auto plain = make_proxy_pipeline(config, world.deps());
  Exchange again(request, on_67());
  EXPECT_EQ(plain.run(again), Verdict::Drop);
}

TEST(ProxyPipeline, AccessListRefusesAMachine) {
  auto config = proxy_config();
  config.access = config::AccessMode::Mac;
  config::AccessLists lists;
  lists.mac.push_back({*MacPrefix::parse("52:54:00:12:34:56"), true, {}});
  World world;
  static const config::HttpAccessConfig kHttp;
  auto pipeline = make_proxy_pipeline(config, {.leases = world.store,
                                               .access = AccessDependencies{.lists = lists, .http = kHttp}});
  Exchange refused(capture("seabios-ipxe-discover"), on_67());  // 52:54:00:2c:14:...
  EXPECT_EQ(pipeline.run(refused), Verdict::Drop);
  EXPECT_EQ(refused.dropped_by, "check-local-access");
  EXPECT_FALSE(refused.drop_is_debug);  // an operator wants to see who was refused
  Exchange allowed(test::make_request({}), on_67());
  EXPECT_EQ(pipeline.run(allowed), Verdict::Continue) << allowed.drop_reason;
}

// --- the boot server on port 4011 ---

TEST(BootServerPipeline, Edk2RecordedRequestGetsTheAckWithItsFile) {
  const auto config = proxy_config();
  World world;
  auto pipeline = make_boot_server_pipeline(config, world.deps(test::ip("198.18.143.9")));
  const auto request = capture("ovmf-edk2-bootserver-request");
  const auto client_ip = test::ip("198.18.143.100");
  ASSERT_EQ(request.ciaddr, client_ip);
  Exchange ex(request, on_4011(client_ip));
  ASSERT_EQ(pipeline.run(ex), Verdict::Continue) << ex.drop_reason;
  EXPECT_EQ(ex.kind, RequestKind::BootServerRequest);
  EXPECT_EQ(ex.reply.message_type, MessageType::Ack);
  EXPECT_EQ(ex.reply.xid, request.xid);
  EXPECT_EQ(ex.reply.ciaddr, client_ip);
  EXPECT_TRUE(ex.reply.yiaddr.is_unspecified());
  EXPECT_EQ(ex.reply.siaddr, test::ip("198.18.143.9"));  // now the TFTP server
  EXPECT_EQ(ex.reply.file, "snponly.efi");
  EXPECT_EQ(ex.reply.options.get_address(OptionCode::ServerIdentifier), kServer);
  EXPECT_EQ(ex.reply.options.get_string(OptionCode::VendorClassIdentifier), "PXEClient");
  EXPECT_EQ(vendor_43(ex), kUseBootFile);
  EXPECT_TRUE(ex.reply.options.contains(OptionCode::ClientMachineIdentifier));
  EXPECT_FALSE(ex.reply.options.contains(OptionCode::LeaseTime));
  EXPECT_EQ(ex.lease_write, LeaseWrite::None);
  ASSERT_EQ(ex.events.size(), 1u);
  EXPECT_EQ(ex.events[0].kind, BootEvent::Kind::Boot);
  EXPECT_EQ(ex.events[0].address, client_ip);

  DestinationPolicy policy;
  policy.boot_server_peer = ex.received.peer;
  const auto to = choose_reply_destination(ex.request, ex.reply, policy);
  EXPECT_EQ(to.kind, ReplyDestination::Kind::BootServerPeer);
  EXPECT_EQ(to.address, client_ip);
  EXPECT_EQ(to.port, 4011);
  // The whole reply as it goes on the wire (within EDK2's size limit, parsed back).
  const auto wire = serialize_dhcp_packet(ex.reply, max_reply_size(ex.request));
  const auto parsed = parse_dhcp_packet(wire);
  ASSERT_TRUE(parsed);
  test::expect_golden("golden/recorded/ovmf-edk2-bootserver-request.proxy-reply.txt",
                      describe(*parsed) + "destination: " + std::string(to_string(to.kind)) + " " +
                          to.address.to_string() + ":" + std::to_string(to.port) + "\n");
}

TEST(BootServerPipeline, ServedInNormalModeToo) {
  auto config = test::lab_config();  // a pool: normal mode
  World world;
  auto pipeline = make_boot_server_pipeline(config, world.deps());
  test::RequestSpec spec;
  spec.type = MessageType::Request;
  spec.arch = 7;
  spec.ciaddr = test::ip("192.168.1.50");
  Exchange ex(test::make_request(spec), on_4011(spec.ciaddr));
  ASSERT_EQ(pipeline.run(ex), Verdict::Continue) << ex.drop_reason;
  EXPECT_EQ(ex.reply.file, "bootx64.efi");
  EXPECT_EQ(ex.reply.options.get_address(OptionCode::ServerIdentifier), test::ip("192.168.1.1"));
}

TEST(BootServerPipeline, ForgedOrUnanswerableSourcesAreDropped) {
  const auto config = proxy_config();
  World world;
  auto pipeline = make_boot_server_pipeline(config, world.deps());
  const auto request = capture("ovmf-edk2-bootserver-request");  // ciaddr 198.18.143.100
  struct Case {
    const char* why;
    PacketInfo info;
  };
  const Case cases[] = {
      {"ciaddr is another host", on_4011(test::ip("198.18.143.55"))},
      {"source port of some other service", on_4011(test::ip("198.18.143.100"), 53)},
      {"source port 67 (another server)", on_4011(test::ip("198.18.143.100"), 67)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.why);
    Exchange ex(request, c.info);
    EXPECT_EQ(pipeline.run(ex), Verdict::Drop);
    EXPECT_TRUE(ex.drop_is_debug);
  }
  // No ciaddr: broadcast, multicast or unspecified sources cannot be answered.
  auto no_ciaddr = request;
  no_ciaddr.ciaddr = Ipv4Address();
  for (const auto* from : {"0.0.0.0", "255.255.255.255", "224.0.0.1", "240.0.0.1"}) {
    SCOPED_TRACE(from);
    Exchange ex(no_ciaddr, on_4011(test::ip(from)));
    EXPECT_EQ(pipeline.run(ex), Verdict::Drop);
  }
  // iPXE asks from port 68 without ciaddr: answered, to where it came from.
  Exchange ipxe(no_ciaddr, on_4011(test::ip("198.18.143.100"), 68));
  EXPECT_EQ(pipeline.run(ipxe), Verdict::Continue) << ipxe.drop_reason;
}

TEST(BootServerPipeline, DiscoverAndOtherTypesAreNotAnswered) {
  const auto config = proxy_config();
  World world;
  auto pipeline = make_boot_server_pipeline(config, world.deps());
  for (const auto type : {MessageType::Discover, MessageType::Decline, MessageType::Release, MessageType::Ack}) {
    test::RequestSpec spec;
    spec.type = type;
    spec.ciaddr = test::ip("198.18.143.100");
    Exchange ex(test::make_request(spec), on_4011(spec.ciaddr));
    EXPECT_EQ(pipeline.run(ex), Verdict::Drop) << to_string(type);
    EXPECT_EQ(ex.lease_write, LeaseWrite::None);
  }
  test::RequestSpec plain;
  plain.type = MessageType::Request;
  plain.pxe = false;
  plain.ciaddr = test::ip("198.18.143.100");
  Exchange ex(test::make_request(plain), on_4011(plain.ciaddr));
  EXPECT_EQ(pipeline.run(ex), Verdict::Drop);
  EXPECT_EQ(ex.dropped_by, "require-boot-client");
}

// --- one BOOT per boot, in a bounded table ---

TEST(RecordProxyBoot, RetransmissionsNotifyOnceAndTheTableIsBounded) {
  RecordProxyBoot step(4);
  auto run = [&](const char* mac, std::uint32_t xid) {
    test::RequestSpec spec;
    spec.mac = test::mac(mac);
    auto request = test::make_request(spec);
    request.xid = xid;
    Exchange ex(request, on_67());
    ex.client = identify_client(ex.request);
    ex.kind = RequestKind::ProxyDiscover;
    ex.reply.message_type = MessageType::Offer;
    ex.reply.file = "pxelinux.0";
    step.apply(ex);
    return ex.events.size();
  };
  EXPECT_EQ(run("02:00:00:00:00:01", 1), 1u);
  EXPECT_EQ(run("02:00:00:00:00:01", 1), 0u);  // retransmitted DISCOVER
  EXPECT_EQ(run("02:00:00:00:00:01", 2), 1u);  // the next boot
  for (int i = 0; i < 100; ++i) run("02:00:00:00:00:02", static_cast<std::uint32_t>(1000 + i));  // a flood
  EXPECT_EQ(step.remembered(), 4u);
  EXPECT_EQ(run("02:00:00:00:00:01", 1), 1u);  // forgotten long ago: notified again, never unbounded
}

}  // namespace
}  // namespace netboot::dhcp
