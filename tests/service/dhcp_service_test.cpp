// The DHCP service in-process, on a fake listener: the test hands it datagrams as the socket
// would (with the arrival interface and address) and reads what it sends, with the real
// pipeline (built by make_pipeline, as app/server.cpp does), a memory lease store whose
// completions the test delivers, and the event loop run on the test's thread. No socket,
// so no broadcast leaves the machine.
#include "net/dhcp_service.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <deque>
#include <sstream>

#include "core/log_limiter.hpp"
#include "dhcp/dhcp_packet.hpp"
#include "dhcp/pipeline/make_pipeline.hpp"
#include "lease/pool_set.hpp"
#include "unit/dhcp/pipeline_test_support.hpp"

namespace netboot::net {
namespace {

using dhcp::MessageType;
using dhcp::test::ip;

struct Sent {
  dhcp::DhcpPacket packet;
  UdpEndpoint to;
  unsigned ifindex = 0;
  Ipv4Address source;
};

/// Records what the service asks of its socket; deliver() is a datagram arriving.
class FakeListener final : public DatagramListener {
 public:
  explicit FakeListener(std::vector<Sent>& sent) : sent_(sent) {}
  Result<void> open(const UdpListenerOptions& options) override {
    opened = options;
    return {};
  }
  void start(Handler handler) override { handler_ = std::move(handler); }
  void close() override { handler_ = nullptr; }
  [[nodiscard]] std::uint16_t local_port() const override { return opened ? opened->port : 0; }
  bool send(ByteView datagram, UdpEndpoint to, unsigned ifindex, Ipv4Address source) override {
    auto packet = dhcp::parse_dhcp_packet(datagram);
    EXPECT_TRUE(packet) << "the service sent an unparsable datagram";
    if (packet) sent_.push_back({std::move(*packet), to, ifindex, source});
    return true;
  }
  bool add_arp_entry(Ipv4Address, const MacAddress&, unsigned) override { return false; }  // not root

  void deliver(ByteView datagram, unsigned ifindex = 2) const {
    deliver(datagram, PacketInfo{UdpEndpoint{Ipv4Address::any(), 68}, ip("192.168.1.1"), Ipv4Address::broadcast(), ifindex});
  }
  void deliver(ByteView datagram, const PacketInfo& info) const {
    ASSERT_TRUE(handler_) << "the service is not listening";
    handler_(datagram, info);
  }

  std::optional<UdpListenerOptions> opened;

 private:
  std::vector<Sent>& sent_;
  Handler handler_;
};

/// Asks nobody: the test answers each question when it chooses.
class FakeChecker final : public acl::AccessChecker {
 public:
  void check(std::string url, Done done) override { questions.push_back({std::move(url), std::move(done)}); }
  struct Question {
    std::string url;
    Done done;
  };
  std::vector<Question> questions;
};

struct DhcpServiceTest : ::testing::Test {
  /// Builds and starts the service as the composition root does, with `mode` access.
  void start(config::AccessMode mode = config::AccessMode::None) {
    config.access = mode;
    http.location = "http://auth:8080";
    http.pxe_path = "/boot";
    http.timeout = 5.0;
    auto pipeline = dhcp::make_pipeline(
        config, {.leases = store,
                 .allocator = allocator,
                 .access = dhcp::AccessDependencies{.lists = lists, .http = http, .checker = &checker},
                 .pools = pools.get()});
    auto fake = std::make_unique<FakeListener>(sent);
    listener = fake.get();
    service = std::make_unique<DhcpService>(
        io, config,
        DhcpServiceDependencies{.leases = store,
                                .pipeline = std::move(pipeline),
                                .listener = std::move(fake),
                                .events = [this](const std::vector<dhcp::BootEvent>& e) {
                                  events.insert(events.end(), e.begin(), e.end());
                                },
                                .park_timeout = dhcp::access_park_timeout(http)},
        log);
    ASSERT_TRUE(service->start());
  }

  void deliver(const dhcp::test::RequestSpec& spec) {
    listener->deliver(dhcp::serialize_dhcp_packet(dhcp::test::make_request(spec)));
  }
  /// Delivers the lease store's completions (the durable commits) and runs what was posted.
  void complete_commits() {
    while (!completions.empty()) {
      auto done = std::move(completions.front());
      completions.pop_front();
      done();
    }
    io.poll();
    io.restart();
  }
  void run_loop() {
    io.poll();
    io.restart();
  }
  std::string logs() {
    sink->flush();
    return log_text.str();
  }

  config::DhcpConfig config = dhcp::test::lab_config();
  config::AccessLists lists;
  config::HttpAccessConfig http;
  asio::io_context io;
  std::deque<std::function<void()>> completions;
  lease::MemoryLeaseStore store{[this](std::function<void()> done) { completions.push_back(std::move(done)); }};
  lease::AddressAllocator allocator{lease::PoolSettings{.pool_start = config.pool_start,
                          .pool_count = config.pool_count,
                          .reservations = config.static_leases,
                          .lease_time = std::chrono::seconds(config.lease_time)},
                                    store};
  FakeChecker checker;
  std::vector<Sent> sent;
  std::vector<dhcp::BootEvent> events;
  std::ostringstream log_text;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text);
  std::shared_ptr<spdlog::logger> log = std::make_shared<spdlog::logger>("dhcp", sink);
  std::unique_ptr<lease::PoolSet> pools;  // with_relayed_subnet(): [bootp]'s pool and rack12's
  FakeListener* listener = nullptr;
  std::unique_ptr<DhcpService> service;

  /// [subnet rack12] 10.12.0.0/24, pool .100-.101, behind a relay (giaddr 10.12.0.1) whose
  /// server-facing address is 192.168.1.2.
  void with_relayed_subnet() {
    config::SubnetConfig rack12;
    rack12.name = "rack12";
    rack12.network = Ipv4Subnet{ip("10.12.0.0"), ip("255.255.255.0")};
    rack12.netmask = rack12.network.netmask;
    rack12.pools = {{ip("10.12.0.100"), ip("10.12.0.101")}};
    rack12.lease_time = 900;
    rack12.boot_files = config.boot_files;
    config.subnets = {rack12};
    lease::PoolSettings rack12_pool;
    rack12_pool.ranges = {{ip("10.12.0.100"), 2}};
    rack12_pool.lease_time = std::chrono::seconds(900);
    pools = std::make_unique<lease::PoolSet>(
        std::vector<lease::PoolSettings>{lease::PoolSettings{.pool_start = config.pool_start,
                                                             .pool_count = config.pool_count,
                                                             .reservations = config.static_leases,
                                                             .lease_time = std::chrono::seconds(config.lease_time)},
                                         rack12_pool},
        store);
  }
  /// A datagram relayed to 192.168.1.1 from `relay_source`, giaddr 10.12.0.1 (spec's own unless set).
  void deliver_relayed(dhcp::test::RequestSpec spec, const char* relay_source, const std::optional<Bytes>& agent) {
    if (spec.giaddr.is_unspecified()) spec.giaddr = ip("10.12.0.1");
    auto request = dhcp::test::make_request(spec);
    if (agent) request.options.set(dhcp::OptionCode::RelayAgentInformation, *agent);
    listener->deliver(dhcp::serialize_dhcp_packet(request, 4000),
                      PacketInfo{UdpEndpoint{ip(relay_source), 67}, ip("192.168.1.1"), ip("192.168.1.1"), 2});
  }
};

std::size_t count_of(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_F(DhcpServiceTest, ListensOnTheConfiguredPortWithBroadcast) {
  config.port = 6767;
  start();
  ASSERT_TRUE(listener->opened);
  EXPECT_EQ(listener->opened->port, 6767);
  EXPECT_TRUE(listener->opened->broadcast);
  EXPECT_EQ(service->describe(), "dhcp 0.0.0.0:6767");
}

TEST_F(DhcpServiceTest, DiscoverGetsAnOfferOutOfTheArrivalInterfaceFromOurAddress) {
  start();
  deliver({});
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].packet.message_type, MessageType::Offer);
  EXPECT_EQ(sent[0].packet.yiaddr, ip("192.168.1.100"));
  EXPECT_EQ(sent[0].ifindex, 2u);
  EXPECT_EQ(sent[0].source, ip("192.168.1.1"));
  // No address yet and no ARP entry allowed: broadcast (RFC 2131 §4.1).
  EXPECT_EQ(sent[0].to, (UdpEndpoint{Ipv4Address::broadcast(), 68}));
  EXPECT_TRUE(completions.empty()) << "an OFFER is held in memory, never written";
  EXPECT_EQ(service->counters().offers, 1u);
}

TEST_F(DhcpServiceTest, AckLeavesOnlyOnceTheLeaseIsDurableThenEventsArePublished) {
  start();
  deliver({});
  ASSERT_EQ(sent.size(), 1u);
  const auto offered = sent[0].packet.yiaddr;
  deliver({.type = MessageType::Request, .server_id = ip("192.168.1.1"), .requested = offered});
  EXPECT_EQ(sent.size(), 1u) << "no ACK before the commit is durable";
  EXPECT_TRUE(events.empty());
  ASSERT_FALSE(completions.empty());
  complete_commits();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].packet.message_type, MessageType::Ack);
  EXPECT_EQ(sent[1].packet.yiaddr, offered);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().address, offered);
  EXPECT_EQ(service->counters().acks, 1u);
}

TEST_F(DhcpServiceTest, MalformedDatagramIsCountedAndTheNextClientServed) {
  start();
  const Bytes garbage(17, 0xFF);
  listener->deliver(garbage);
  EXPECT_TRUE(sent.empty());
  EXPECT_EQ(service->counters().parse_failed, 1u);
  deliver({});
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].packet.message_type, MessageType::Offer);
}

TEST_F(DhcpServiceTest, RequestOnAnotherInterfaceThanThePoolsIsNotForUs) {
  config.detected_interface = "lo";  // the pool's interface: index 1
  start();
  listener->deliver(dhcp::serialize_dhcp_packet(dhcp::test::make_request({})), 2);
  EXPECT_TRUE(sent.empty());
  EXPECT_EQ(service->counters().not_for_us, 1u);
  listener->deliver(dhcp::serialize_dhcp_packet(dhcp::test::make_request({})), 1);
  EXPECT_EQ(sent.size(), 1u);
}

TEST_F(DhcpServiceTest, NakLinesSayWhyAndKeepABudget) {
  // A NAK costs a forger nothing: 50 INIT-REBOOTs for an address off the network are all
  // answered, but their lines pass the log limiter like the other refusals.
  start();
  for (int i = 0; i < 50; ++i) {
    dhcp::test::RequestSpec spec;
    spec.type = MessageType::Request;
    spec.mac = *MacAddress::parse(fmt::format("02:00:00:00:11:{:02x}", i));
    spec.requested = ip("10.9.0.7");
    deliver(spec);
  }
  run_loop();
  ASSERT_EQ(sent.size(), 50u);
  EXPECT_EQ(sent[0].packet.message_type, MessageType::Nak);
  const auto text = logs();
  std::size_t lines = 0;
  for (auto at = text.find("DHCPNAK"); at != std::string::npos; at = text.find("DHCPNAK", at + 1)) ++lines;
  EXPECT_EQ(lines, kLogBurst) << text;
  EXPECT_NE(text.find("DHCPNAK to 255.255.255.255:68: address 10.9.0.7 is not on this network"), std::string::npos)
      << text;
}

TEST_F(DhcpServiceTest, ParkedRequestResumesWhenTheAuthorizationServerAnswers) {
  start(config::AccessMode::Http);
  deliver({});
  EXPECT_TRUE(sent.empty()) << "parked while the authorization server is asked";
  EXPECT_EQ(service->counters().parked, 1u);
  ASSERT_EQ(checker.questions.size(), 1u);
  EXPECT_NE(checker.questions[0].url.find("http://auth:8080/boot?"), std::string::npos) << checker.questions[0].url;
  checker.questions[0].done(acl::decide_from_answer(200, "file: custom.efi\n"));
  EXPECT_TRUE(sent.empty()) << "resumed from the loop, never inside the answer's call";
  run_loop();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].packet.message_type, MessageType::Offer);
  EXPECT_EQ(sent[0].packet.file, "custom.efi");
}

TEST_F(DhcpServiceTest, DeniedRequestIsDroppedWithTheStepsReason) {
  start(config::AccessMode::Http);
  deliver({});
  ASSERT_EQ(checker.questions.size(), 1u);
  checker.questions[0].done(acl::decide_from_answer(403, ""));
  run_loop();
  EXPECT_TRUE(sent.empty());
  EXPECT_EQ(service->counters().dropped, 1u);
  EXPECT_NE(logs().find("ignored (check-remote-access:"), std::string::npos) << logs();
}

// Reload: a new pipeline (a new policy) serves the requests that arrive from then on; an
// exchange parked on the previous one resumes and finishes there, with its answer.
TEST_F(DhcpServiceTest, AReplacedPipelineServesNewRequestsWhileAParkedOneFinishesOnItsOwn) {
  start(config::AccessMode::Http);
  deliver({});
  ASSERT_EQ(checker.questions.size(), 1u);
  config::HttpAccessConfig reloaded = http;
  reloaded.pxe_path = "/other";
  service->replace_pipeline(dhcp::make_pipeline(
      config, {.leases = store,
               .allocator = allocator,
               .access = dhcp::AccessDependencies{.lists = lists, .http = reloaded, .checker = &checker}}));
  checker.questions[0].done(acl::decide_from_answer(200, "file: custom.efi\n"));
  run_loop();
  ASSERT_EQ(sent.size(), 1u) << "the parked exchange finished on the pipeline it started on";
  EXPECT_EQ(sent[0].packet.message_type, MessageType::Offer);
  EXPECT_EQ(sent[0].packet.file, "custom.efi");
  EXPECT_EQ(checker.questions.size(), 1u) << "the new policy did not ask again for it";
  deliver({});
  ASSERT_EQ(checker.questions.size(), 2u);
  EXPECT_NE(checker.questions[1].url.find("http://auth:8080/other?"), std::string::npos) << checker.questions[1].url;
}

TEST_F(DhcpServiceTest, StopClosesTheListenerAndForgetsParkedRequests) {
  start(config::AccessMode::Http);
  deliver({});
  ASSERT_EQ(checker.questions.size(), 1u);
  service->stop();
  checker.questions[0].done(acl::decide_from_answer(200, ""));
  run_loop();
  EXPECT_TRUE(sent.empty());
  EXPECT_NE(logs().find("stopped: 1 received"), std::string::npos) << logs();
}

// --- Relay trust (docs/security.md "Relay trust") ---

const Bytes kAgent{1, 4, 'e', 't', 'h', '1', 2, 2, 0xAB, 0xCD};

// [bootp] trusted_relays: a host that is no listed relay agent floods relayed DISCOVERs for
// rack12. None is answered, none holds an address, and the lines about them keep a budget of
// their own; the real relay's client is served meanwhile.
TEST_F(DhcpServiceTest, AnUntrustedRelayIsDroppedWithABudgetedWarningWhileTheRealRelayIsServed) {
  with_relayed_subnet();
  config.trusted_relays = {Ipv4Subnet{ip("192.168.1.2"), ip("255.255.255.255")}};
  start();
  for (int i = 0; i < 50; ++i) {
    dhcp::test::RequestSpec spec;
    spec.mac = *MacAddress::parse(fmt::format("02:00:00:00:66:{:02x}", i));
    deliver_relayed(spec, "192.168.1.66", kAgent);
  }
  run_loop();
  EXPECT_TRUE(sent.empty());
  EXPECT_EQ(service->counters().not_for_us, 50u);
  EXPECT_EQ(pools->for_subnet(1).pool().free_count(), 2u);
  const auto text = logs();
  EXPECT_EQ(count_of(text, "is not in [bootp] trusted_relays"), kLogBurst) << text;
  EXPECT_NE(text.find("[warning] DHCPDISCOVER from 02:00:00:00:66:00 via relay 10.12.0.1: ignored (relay agent "
                      "192.168.1.66 (giaddr 10.12.0.1) is not in [bootp] trusted_relays)"),
            std::string::npos)
      << text;
  deliver_relayed({}, "192.168.1.2", kAgent);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].packet.message_type, MessageType::Offer);
  EXPECT_EQ(sent[0].packet.yiaddr, ip("10.12.0.100"));
  EXPECT_EQ(sent[0].to, (UdpEndpoint{ip("10.12.0.1"), 67}));
  EXPECT_NE(logs().find("via relay 10.12.0.1 circuit-id eth1 remote-id ab:cd"), std::string::npos) << logs();
}

// RFC 3396: a 600-byte option 82 (three instances on the wire) comes back whole in the OFFER the
// relay receives; the client's 576-byte maximum left it no room before.
TEST_F(DhcpServiceTest, AnOption82LongerThan255BytesGoesBackWholeToTheRelay) {
  with_relayed_subnet();
  start();
  Bytes agent;
  for (const std::uint8_t code : {1, 2, 151}) {
    agent.push_back(code);
    agent.push_back(198);
    for (std::uint8_t i = 0; i < 198; ++i) agent.push_back(static_cast<std::uint8_t>(code ^ i));
  }
  ASSERT_EQ(agent.size(), 600u);
  deliver_relayed({}, "10.12.0.1", agent);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, (UdpEndpoint{ip("10.12.0.1"), 67}));
  const Bytes* echoed = sent[0].packet.options.find(dhcp::OptionCode::RelayAgentInformation);
  ASSERT_NE(echoed, nullptr) << "the OFFER went without option 82";
  EXPECT_EQ(*echoed, agent);
  EXPECT_EQ(sent[0].packet.options.get_u32(dhcp::OptionCode::LeaseTime), 900u);
}

// giaddr 0 with option 82 (a DHCP-snooping switch): echoed, but its circuit-id is not logged as
// the lease's circuit (nor kept); the line says what it was.
TEST_F(DhcpServiceTest, AnUnrelayedOption82IsEchoedAndMarkedNotLoggedAsTheCircuit) {
  start();
  auto request = dhcp::test::make_request({});
  request.options.set(dhcp::OptionCode::RelayAgentInformation, kAgent);
  listener->deliver(dhcp::serialize_dhcp_packet(request));
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_NE(sent[0].packet.options.find(dhcp::OptionCode::RelayAgentInformation), nullptr);
  EXPECT_EQ(*sent[0].packet.options.find(dhcp::OptionCode::RelayAgentInformation), kAgent);
  const auto text = logs();
  EXPECT_EQ(text.find("circuit-id"), std::string::npos) << text;
  EXPECT_NE(text.find("DHCPOFFER 192.168.1.100 file pxelinux.0 to 255.255.255.255:68 option 82 not from a relay "
                      "(echoed only)"),
            std::string::npos)
      << text;
}

// A renewal unicast straight to us carries no option 82: its ACK line (and its lease) still name
// the circuit the lease came through.
TEST_F(DhcpServiceTest, AUnicastRenewalsAckLineNamesTheCircuitItsLeaseKeeps) {
  with_relayed_subnet();
  start();
  deliver_relayed({}, "10.12.0.1", kAgent);
  ASSERT_EQ(sent.size(), 1u);
  deliver_relayed({.type = MessageType::Request, .server_id = ip("192.168.1.1"), .requested = ip("10.12.0.100")},
                  "10.12.0.1", kAgent);
  complete_commits();
  ASSERT_EQ(sent.size(), 2u);
  ASSERT_EQ(sent[1].packet.message_type, MessageType::Ack);
  auto renew = dhcp::test::make_request({.type = MessageType::Request, .ciaddr = ip("10.12.0.100")});
  listener->deliver(dhcp::serialize_dhcp_packet(renew),
                    PacketInfo{UdpEndpoint{ip("10.12.0.100"), 68}, ip("192.168.1.1"), ip("192.168.1.1"), 2});
  complete_commits();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[2].packet.message_type, MessageType::Ack);
  EXPECT_EQ(sent[2].to, (UdpEndpoint{ip("10.12.0.100"), 68}));
  const auto text = logs();
  const auto renewal_line = text.find("DHCPACK 10.12.0.100 file pxelinux.0 to 10.12.0.100:68");
  ASSERT_NE(renewal_line, std::string::npos) << text;
  const auto line_end = text.find('\n', renewal_line);
  EXPECT_NE(text.substr(renewal_line, line_end - renewal_line).find("subnet rack12 circuit-id eth1 remote-id ab:cd"),
            std::string::npos)
      << text;
  EXPECT_EQ(store.find_by_mac(dhcp::test::mac("52:54:00:12:34:56"))->circuit_id, "eth1");
}

}  // namespace
}  // namespace netboot::net
