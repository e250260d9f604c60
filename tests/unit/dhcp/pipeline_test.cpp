#include <gtest/gtest.h>

#include "dhcp/pipeline/make_pipeline.hpp"
#include "dhcp/pipeline/pipeline.hpp"
#include "dhcp/reply_destination.hpp"
#include "unit/dhcp/pipeline_test_support.hpp"

namespace netboot::dhcp {
namespace {

using test::ip;
using test::mac;
using test::RequestSpec;

/// Records its calls; answers from a script.
class ScriptedStep final : public Step {
 public:
  ScriptedStep(std::string_view name, std::vector<Verdict> answers, std::vector<std::string>& log)
      : name_(name), answers_(std::move(answers)), log_(log) {}
  [[nodiscard]] std::string_view name() const override { return name_; }
  Verdict apply(Exchange& ex) override {
    log_.emplace_back(name_);
    const auto v = calls_ < answers_.size() ? answers_[calls_] : Verdict::Continue;
    ++calls_;
    if (v == Verdict::Drop) ex.drop_reason = std::string(name_) + " said no";
    return v;
  }

 private:
  std::string_view name_;
  std::vector<Verdict> answers_;
  std::vector<std::string>& log_;
  std::size_t calls_ = 0;
};

Pipeline scripted(std::vector<std::string>& log, std::vector<Verdict> a, std::vector<Verdict> b,
                  std::vector<Verdict> c) {
  std::vector<std::unique_ptr<Step>> steps;
  steps.push_back(std::make_unique<ScriptedStep>("a", std::move(a), log));
  steps.push_back(std::make_unique<ScriptedStep>("b", std::move(b), log));
  steps.push_back(std::make_unique<ScriptedStep>("c", std::move(c), log));
  return Pipeline(std::move(steps));
}

TEST(Pipeline, RunsEveryStepInOrder) {
  std::vector<std::string> log;
  auto pipeline = scripted(log, {}, {}, {});
  auto ex = test::exchange({});
  EXPECT_EQ(pipeline.run(ex), Verdict::Continue);
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(pipeline.run(ex), Verdict::Continue);  // finished: runs nothing again
  EXPECT_EQ(log.size(), 3u);
}

TEST(Pipeline, DropStopsAndNamesTheStep) {
  std::vector<std::string> log;
  auto pipeline = scripted(log, {}, {Verdict::Drop}, {});
  auto ex = test::exchange({});
  EXPECT_EQ(pipeline.run(ex), Verdict::Drop);
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ex.dropped_by, "b");
  EXPECT_EQ(ex.drop_reason, "b said no");
  EXPECT_EQ(pipeline.run(ex), Verdict::Drop);  // a dropped exchange stays dropped
  EXPECT_EQ(log.size(), 2u);
}

TEST(Pipeline, ParkResumesAtTheParkingStep) {
  std::vector<std::string> log;
  auto pipeline = scripted(log, {}, {Verdict::Park, Verdict::Continue}, {});
  auto ex = test::exchange({});
  EXPECT_EQ(pipeline.run(ex), Verdict::Park);
  EXPECT_EQ(ex.next_step, 1u);
  EXPECT_EQ(pipeline.run(ex), Verdict::Continue);
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b", "b", "c"}));
}

struct Flow : ::testing::Test {
  config::DhcpConfig config = test::lab_config();
  test::LeaseWorld world{config};
  Pipeline pipeline = make_pipeline(config, {.leases = world.store, .allocator = world.allocator});

  /// What the service does: run, then commit what the pipeline decided.
  Exchange serve(const RequestSpec& spec, Verdict expected = Verdict::Continue) {
    auto ex = test::exchange(spec);
    EXPECT_EQ(pipeline.run(ex), expected) << ex.dropped_by << ": " << ex.drop_reason;
    if (expected == Verdict::Continue) world.commit(ex);
    return ex;
  }
};

TEST_F(Flow, MakePipelineFixesTheOrder) {
  EXPECT_EQ(pipeline.step_names(),
            (std::vector<std::string_view>{"select-subnet", "identify-client", "classify-request",
                                           "track-boot-phase", "select-boot-file", "select-http-boot-url",
                                           "allocate-address", "add-network-options", "add-pxe-options",
                                           "force-broadcast", "echo-relay-agent-info", "record-events"}));
}

TEST_F(Flow, AccessStepsGoAfterTheBootPhase) {
  config.access = config::AccessMode::Mac;  // and no [mac] list: every client unlisted
  const config::AccessLists lists;
  const config::HttpAccessConfig http;
  auto with_acl = make_pipeline(config, {.leases = world.store, .allocator = world.allocator,
                                         .access = AccessDependencies{.lists = lists, .http = http}});
  EXPECT_EQ(with_acl.step_names()[4], "check-local-access");
  auto ex = test::exchange({});
  EXPECT_EQ(with_acl.run(ex), Verdict::Drop);
  EXPECT_EQ(ex.dropped_by, "check-local-access");
  EXPECT_FALSE(ex.lease);  // dropped before allocation
}

TEST_F(Flow, BiosPxeClientDiscoverRequestAck) {
  const auto offer = serve({});
  const auto& o = offer.reply;
  EXPECT_EQ(o.message_type, MessageType::Offer);
  EXPECT_EQ(o.yiaddr, ip("192.168.1.100"));
  EXPECT_EQ(o.siaddr, ip("192.168.1.1"));
  EXPECT_EQ(o.file, "pxelinux.0");
  EXPECT_EQ(o.sname, "boot.lab");
  EXPECT_EQ(*o.options.find(OptionCode::VendorSpecific), (Bytes{6, 1, 8, 255}));
  EXPECT_EQ(o.options.get_string(OptionCode::BootFileName), "pxelinux.0");
  EXPECT_TRUE(offer.events.empty());
  EXPECT_EQ(choose_reply_destination(offer.request, o).kind, ReplyDestination::Kind::HardwareUnicast);

  // The wire form of the offer parses back to the same value.
  const auto wire = serialize_dhcp_packet(o, max_reply_size(offer.request));
  const auto parsed = parse_dhcp_packet(wire);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->yiaddr, o.yiaddr);
  EXPECT_EQ(parsed->options.get_string(OptionCode::BootFileName), "pxelinux.0");

  const auto ack = serve({.type = MessageType::Request, .server_id = ip("192.168.1.1"), .requested = o.yiaddr});
  EXPECT_EQ(ack.reply.message_type, MessageType::Ack);
  EXPECT_EQ(ack.lease_write, LeaseWrite::CommitBeforeReply);
  ASSERT_EQ(ack.events.size(), 2u);
  EXPECT_EQ(ack.events[1].kind, BootEvent::Kind::Boot);
  EXPECT_EQ(world.store.find_by_mac(mac("52:54:00:12:34:56"))->phase, lease::BootPhase::Pxe);
}

TEST_F(Flow, OsPhaseOfAPxeBootedMachineIsServedStrangersAreNot) {
  serve({.pxe = false}, Verdict::Drop);  // a plain client we never saw PXE-boot
  const auto offer = serve({});
  serve({.type = MessageType::Request, .server_id = ip("192.168.1.1"), .requested = offer.reply.yiaddr});
  // The installed OS asks with plain DHCP from the same MAC.
  const auto os_offer = serve({.pxe = false});
  EXPECT_EQ(os_offer.reply.yiaddr, ip("192.168.1.100"));
  EXPECT_FALSE(os_offer.reply.options.contains(OptionCode::VendorClassIdentifier));
  const auto os_ack = serve({.type = MessageType::Request, .pxe = false, .server_id = ip("192.168.1.1"),
                             .requested = os_offer.reply.yiaddr});
  EXPECT_EQ(os_ack.reply.message_type, MessageType::Ack);
  const auto stored = world.store.find_by_mac(mac("52:54:00:12:34:56"));
  EXPECT_EQ(stored->phase, lease::BootPhase::Os);
  EXPECT_EQ(stored->uuid, Uuid::parse("4c414230-1234-4567-89ab-cdef00770001"));
}

TEST_F(Flow, RequestForAnotherServerIsIgnoredAndAWrongInitRebootIsNaked) {
  const auto offer = serve({});
  const auto other = serve({.type = MessageType::Request, .server_id = ip("192.168.1.2"), .requested = offer.reply.yiaddr},
                           Verdict::Drop);
  EXPECT_EQ(other.dropped_by, "classify-request");
  // Our offer of another address is no record of its lease (it may be another server's client):
  // NAKed only for an address known to be wrong for it, here one off the served subnet.
  const auto silent = serve({.type = MessageType::Request, .requested = ip("192.168.1.103")}, Verdict::Drop);
  EXPECT_EQ(silent.dropped_by, "allocate-address");
  const auto nak = serve({.type = MessageType::Request, .requested = ip("172.16.0.9"), .giaddr = ip("192.168.1.254")});
  EXPECT_EQ(nak.reply.message_type, MessageType::Nak);
  EXPECT_TRUE(nak.reply.broadcast);  // relayed NAK: the relay must broadcast it
  EXPECT_TRUE(nak.reply.file.empty());
  EXPECT_FALSE(nak.reply.options.contains(OptionCode::VendorClassIdentifier));
  EXPECT_TRUE(nak.events.empty());
  EXPECT_EQ(choose_reply_destination(nak.request, nak.reply).kind, ReplyDestination::Kind::Relay);
}

TEST_F(Flow, UefiAndIpxeClientsGetTheirFilesAndNoBootServerDiscovery) {
  const auto uefi = serve({.arch = 7});
  EXPECT_EQ(uefi.reply.file, "bootx64.efi");
  EXPECT_EQ(*uefi.reply.options.find(OptionCode::VendorSpecific), (Bytes{6, 1, 8, 255}));
  const auto ipxe = serve({.mac = mac("52:54:00:00:00:07"), .arch = 7, .ipxe = true});
  EXPECT_EQ(ipxe.reply.file, "boot.ipxe");
}

TEST_F(Flow, BuggyClientsAreBroadcastTo) {
  config.buggy_clients = {*MacPrefix::parse("52:54:00:12:34:56")};
  auto buggy = make_pipeline(config, {.leases = world.store, .allocator = world.allocator});
  auto ex = test::exchange({});
  ASSERT_EQ(buggy.run(ex), Verdict::Continue);
  EXPECT_TRUE(ex.force_broadcast);
  EXPECT_EQ(choose_reply_destination(ex.request, ex.reply, {.force_broadcast = ex.force_broadcast}).kind,
            ReplyDestination::Kind::Broadcast);
}

TEST_F(Flow, ReleaseIsSilentButRecorded) {
  const auto offer = serve({});
  serve({.type = MessageType::Request, .server_id = ip("192.168.1.1"), .requested = offer.reply.yiaddr});
  const auto release = serve({.type = MessageType::Release, .server_id = ip("192.168.1.1"), .ciaddr = offer.reply.yiaddr});
  EXPECT_FALSE(release.send_reply);
  ASSERT_EQ(release.events.size(), 1u);
  EXPECT_EQ(release.events[0].kind, BootEvent::Kind::Release);
  EXPECT_EQ(world.store.find_by_mac(mac("52:54:00:12:34:56"))->state, lease::LeaseState::Released);
}

}  // namespace
}  // namespace netboot::dhcp
