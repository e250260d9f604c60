#include <gtest/gtest.h>

#include "dhcp/pipeline/check_remote_access.hpp"
#include "dhcp/pipeline/classify_request.hpp"
#include "dhcp/pipeline/identify_client.hpp"
#include "dhcp/pipeline/make_pipeline.hpp"
#include "dhcp/pipeline/track_boot_phase.hpp"
#include "unit/dhcp/pipeline_test_support.hpp"

namespace netboot::dhcp {
namespace {

using acl::RemoteDecision;
using test::mac;
using test::RequestSpec;

const MacAddress kMac = test::mac("52:54:00:12:34:56");
const char* const kPxeUrl = "http://auth:8080/boot?mac=52-54-00-12-34-56&uuid=4C414230-1234-4567-89AB-CDEF00770001";

/// Keeps every question; the test answers them when it likes (never from inside check()).
class FakeChecker final : public acl::AccessChecker {
 public:
  struct Question {
    std::string url;
    Done done;
  };
  void check(std::string url, Done done) override { questions.push_back({std::move(url), std::move(done)}); }
  void answer(std::size_t i, RemoteDecision d) { questions.at(i).done(std::move(d)); }
  std::vector<Question> questions;
};

config::HttpAccessConfig http_config(bool always_check = false) {
  config::HttpAccessConfig c;
  c.location = "http://auth:8080";
  c.pxe_path = "/boot";
  c.dhcp_path = "/linux";
  c.timeout = 5.0;
  c.always_check = always_check;
  return c;
}

RemoteDecision ok(std::string_view body = "") { return acl::decide_from_answer(200, body); }

struct Resumed {
  MacAddress mac;
  std::uint32_t xid;
  friend bool operator==(const Resumed&, const Resumed&) = default;
};

/// The remote step with the steps that run before it, a fake checker and a memory store.
struct Fixture {
  explicit Fixture(bool always_check = false, std::vector<lease::Lease> leases = {},
                   std::map<MacAddress, Ipv4Address> reserved = {})
      : store([](std::function<void()>) {}, leases),
        step(http_config(always_check), checker, store, std::move(reserved),
             [this](const MacAddress& m, std::uint32_t xid) { resumed.push_back({m, xid}); },
             [this](std::string_view line) { log.emplace_back(line); }) {}

  Exchange prepare(const RequestSpec& spec, std::uint32_t xid = 0xCAFE0001) {
    auto request = test::make_request(spec);
    request.xid = xid;
    Exchange ex(request, test::arrival());
    IdentifyClient().apply(ex);
    ClassifyRequest(test::ip("192.168.1.1")).apply(ex);
    EXPECT_EQ(TrackBootPhase(true, store).apply(ex), Verdict::Continue);
    return ex;
  }

  lease::MemoryLeaseStore store;
  FakeChecker checker;
  std::vector<Resumed> resumed;
  std::vector<std::string> log;
  CheckRemoteAccess step;
};

lease::Lease pxe_booted() {
  lease::Lease l;
  l.mac = kMac;
  l.address = test::ip("192.168.1.100");
  l.state = lease::LeaseState::Bound;
  l.expires = test::kNow + std::chrono::hours(1);
  l.phase = lease::BootPhase::Pxe;
  l.uuid = Uuid::parse("4c414230-1234-4567-89ab-cdef00770001");
  return l;
}

TEST(CheckRemoteAccessStep, ParksAsksAndResumesWithTheGrant) {
  Fixture f;
  auto ex = f.prepare({});
  EXPECT_EQ(f.step.apply(ex), Verdict::Park);
  ASSERT_EQ(f.checker.questions.size(), 1u);
  EXPECT_EQ(f.checker.questions[0].url, kPxeUrl);
  EXPECT_TRUE(f.resumed.empty()) << "no answer yet";
  EXPECT_EQ(f.step.apply(ex), Verdict::Park) << "re-run before the answer: still waiting, no second question";
  EXPECT_EQ(f.checker.questions.size(), 1u);

  f.checker.answer(0, ok("client: node7\nfile: custom.efi\n"));
  EXPECT_EQ(f.resumed, (std::vector<Resumed>{{kMac, 0xCAFE0001}}));
  ASSERT_EQ(f.log.size(), 1u);
  EXPECT_EQ(f.log[0], std::string("GET ") + kPxeUrl + ": granted (HTTP 200), client node7, file custom.efi");

  EXPECT_EQ(f.step.apply(ex), Verdict::Continue);
  EXPECT_EQ(ex.assigned_hostname, "node7");
  EXPECT_EQ(ex.assigned_boot_file, "custom.efi");
}

TEST(CheckRemoteAccessStep, AnswersHoldForTheBootPhase) {
  Fixture f;
  auto discover = f.prepare({});
  EXPECT_EQ(f.step.apply(discover), Verdict::Park);
  f.checker.answer(0, ok("file: a.efi\n"));
  EXPECT_EQ(f.step.apply(discover), Verdict::Continue);
  // The REQUEST, and a later reboot's DISCOVER with another xid, of the same phase: no question.
  auto request = f.prepare({.type = MessageType::Request, .server_id = test::ip("192.168.1.1"),
                            .requested = test::ip("192.168.1.100")});
  EXPECT_EQ(f.step.apply(request), Verdict::Continue);
  EXPECT_EQ(request.assigned_boot_file, "a.efi");
  auto again = f.prepare({}, 0x1234);
  EXPECT_EQ(f.step.apply(again), Verdict::Continue);
  EXPECT_EQ(f.checker.questions.size(), 1u);
}

TEST(CheckRemoteAccessStep, PhaseChangeAsksAgainOnTheDhcpPathWithTheAddress) {
  Fixture f(false, {pxe_booted()});
  auto pxe = f.prepare({});
  EXPECT_EQ(f.step.apply(pxe), Verdict::Park);
  f.checker.answer(0, ok());
  EXPECT_EQ(f.step.apply(pxe), Verdict::Continue);

  auto os = f.prepare({.pxe = false}, 0x77);  // the booted OS: plain DHCP, OS phase
  EXPECT_EQ(os.phase, lease::BootPhase::Os);
  EXPECT_EQ(f.step.apply(os), Verdict::Park);
  ASSERT_EQ(f.checker.questions.size(), 2u);
  EXPECT_EQ(f.checker.questions[1].url,
            "http://auth:8080/linux?mac=52-54-00-12-34-56&uuid=4C414230-1234-4567-89AB-CDEF00770001&ip=192.168.1.100");
  f.checker.answer(1, acl::decide_from_answer(401, ""));
  EXPECT_EQ(f.resumed.back(), (Resumed{kMac, 0x77}));
  EXPECT_EQ(f.step.apply(os), Verdict::Drop);
  EXPECT_EQ(os.drop_reason, "refused by the authorization server (HTTP 401)");
}

TEST(CheckRemoteAccessStep, ReservedAddressIsSentForPlainRequests) {
  Fixture f(false, {}, {{kMac, test::ip("192.168.1.50")}});
  auto plain = f.prepare({.pxe = false});
  EXPECT_EQ(f.step.apply(plain), Verdict::Park);
  EXPECT_EQ(f.checker.questions.at(0).url, "http://auth:8080/linux?mac=52-54-00-12-34-56&ip=192.168.1.50");
}

// A DISCOVER's ciaddr is 0 (RFC 2131 Table 5): one set is not reported as the client's address.
TEST(CheckRemoteAccessStep, ADiscoversCiaddrIsNotSentAsTheClientsAddress) {
  Fixture f;
  auto discover = f.prepare({.pxe = false, .ciaddr = test::ip("198.51.100.7")});
  EXPECT_EQ(f.step.apply(discover), Verdict::Park);
  EXPECT_EQ(f.checker.questions.at(0).url, "http://auth:8080/linux?mac=52-54-00-12-34-56");
}

TEST(CheckRemoteAccessStep, RefusalIsKeptFailureIsNot) {
  struct Case {
    const char* name;
    RemoteDecision decision;
    const char* reason;
    std::size_t questions_after_next_request;
  };
  const Case cases[] = {
      {"401 refuses, kept for the phase", acl::decide_from_answer(401, ""),
       "refused by the authorization server (HTTP 401)", 1},
      {"redirect refuses", acl::decide_from_answer(302, ""), "refused by the authorization server (HTTP 302)", 1},
      {"timeout fails closed, asked again", acl::failed_check("no answer within 5000 ms"),
       "no decision from the authorization server (no answer within 5000 ms): denied", 2},
      {"refused connection fails closed", acl::failed_check("Connection refused"),
       "no decision from the authorization server (Connection refused): denied", 2},
      {"5xx fails closed", acl::decide_from_answer(503, ""),
       "no decision from the authorization server (HTTP 503): denied", 2},
  };
  for (const auto& c : cases) {
    Fixture f;
    auto ex = f.prepare({});
    EXPECT_EQ(f.step.apply(ex), Verdict::Park) << c.name;
    f.checker.answer(0, c.decision);
    EXPECT_EQ(f.step.apply(ex), Verdict::Drop) << c.name;
    EXPECT_EQ(ex.drop_reason, c.reason) << c.name;
    ASSERT_EQ(f.log.size(), 1u);
    EXPECT_NE(f.log[0].find(": access denied"), std::string::npos) << f.log[0];
    auto next = f.prepare({}, 0x42);
    const auto verdict = f.step.apply(next);
    EXPECT_EQ(f.checker.questions.size(), c.questions_after_next_request) << c.name;
    EXPECT_EQ(verdict, c.questions_after_next_request == 1 ? Verdict::Drop : Verdict::Park) << c.name;
  }
}

TEST(CheckRemoteAccessStep, AlwaysCheckAsksForEveryRequest) {
  Fixture f(true);
  auto discover = f.prepare({});
  EXPECT_EQ(f.step.apply(discover), Verdict::Park);
  f.checker.answer(0, ok("client: a\n"));
  EXPECT_EQ(f.step.apply(discover), Verdict::Continue);
  // The REQUEST has the DISCOVER's xid, yet it is a new request: it is asked about again.
  auto request = f.prepare({.type = MessageType::Request, .server_id = test::ip("192.168.1.1"),
                            .requested = test::ip("192.168.1.100")});
  EXPECT_EQ(f.step.apply(request), Verdict::Park);
  ASSERT_EQ(f.checker.questions.size(), 2u);
  f.checker.answer(1, ok("client: b\n"));
  EXPECT_EQ(f.step.apply(request), Verdict::Continue);
  EXPECT_EQ(request.assigned_hostname, "b");
}

TEST(CheckRemoteAccessStep, RetransmissionWaitsForTheSameAnswer) {
  Fixture f;
  auto first = f.prepare({}, 1);
  EXPECT_EQ(f.step.apply(first), Verdict::Park);
  auto second = f.prepare({}, 2);  // the ROM gave up on xid 1 and started over
  EXPECT_EQ(f.step.apply(second), Verdict::Park);
  EXPECT_EQ(f.checker.questions.size(), 1u);
  f.checker.answer(0, ok());
  EXPECT_EQ(f.resumed, (std::vector<Resumed>{{kMac, 2}})) << "the service holds the newest request";
  EXPECT_EQ(f.step.apply(second), Verdict::Continue);
}

TEST(CheckRemoteAccessStep, AlwaysCheckWaitsForTheQuestionInFlight) {
  Fixture f(true);
  auto first = f.prepare({}, 1);
  EXPECT_EQ(f.step.apply(first), Verdict::Park);
  auto second = f.prepare({}, 2);
  EXPECT_EQ(f.step.apply(second), Verdict::Park);
  ASSERT_EQ(f.checker.questions.size(), 1u) << "one question per MAC and phase in flight, always_check too";
  f.checker.answer(0, acl::decide_from_answer(403, ""));
  EXPECT_EQ(f.resumed, (std::vector<Resumed>{{kMac, 2}})) << "the newest request gets the answer";
  EXPECT_EQ(f.step.apply(second), Verdict::Drop);
  auto third = f.prepare({}, 3);  // always_check: the answer was spent, the next request asks anew
  EXPECT_EQ(f.step.apply(third), Verdict::Park);
  EXPECT_EQ(f.checker.questions.size(), 2u);
}

TEST(CheckRemoteAccessStep, AtMostOneQuestionPerMacAndPhaseInFlight) {
  // Issue 23 item 7: switching between PXE and plain DISCOVERs (new xids) made one
  // connection per datagram to a slow server.
  for (const bool always_check : {false, true}) {
    SCOPED_TRACE(always_check);
    Fixture f(always_check);
    for (std::uint32_t i = 0; i < 40; ++i) {
      auto ex = f.prepare({.pxe = i % 2 == 0}, 0x100 + i);
      EXPECT_EQ(f.step.apply(ex), Verdict::Park);
    }
    EXPECT_EQ(f.checker.questions.size(), 2u) << "one PXE question, one plain question";
    f.checker.answer(0, ok());
    f.checker.answer(1, ok());
    EXPECT_EQ(f.resumed.size(), 2u);
  }
}

TEST(CheckRemoteAccessStep, OtherClientsAreNotHeldBack) {
  Fixture f;
  auto slow = f.prepare({.mac = mac("52:54:00:00:00:01")});
  EXPECT_EQ(f.step.apply(slow), Verdict::Park);
  auto fast = f.prepare({.mac = mac("52:54:00:00:00:02")});
  EXPECT_EQ(f.step.apply(fast), Verdict::Park);
  f.checker.answer(1, ok());
  EXPECT_EQ(f.resumed, (std::vector<Resumed>{{mac("52:54:00:00:00:02"), 0xCAFE0001}}));
  EXPECT_EQ(f.step.apply(fast), Verdict::Continue);
  EXPECT_EQ(f.step.apply(slow), Verdict::Park);
}

TEST(CheckRemoteAccessStep, AnswerAfterTheStepIsGoneIsHarmless) {
  FakeChecker checker;
  lease::MemoryLeaseStore store([](std::function<void()>) {});
  int resumed = 0;
  {
    CheckRemoteAccess step(http_config(), checker, store, {}, [&](const MacAddress&, std::uint32_t) { ++resumed; });
    Exchange ex(test::make_request({}), test::arrival());
    IdentifyClient().apply(ex);
    EXPECT_EQ(step.apply(ex), Verdict::Park);
  }
  checker.answer(0, ok());
  EXPECT_EQ(resumed, 0);
}

TEST(CheckRemoteAccessStep, CacheIsBoundedAndKeepsQuestionsInFlight) {
  FakeChecker checker;
  lease::MemoryLeaseStore store([](std::function<void()>) {});
  CheckRemoteAccess step(http_config(), checker, store, {}, [](const MacAddress&, std::uint32_t) {}, {}, 2);
  const char* macs[] = {"52:54:00:00:00:01", "52:54:00:00:00:02", "52:54:00:00:00:03", "52:54:00:00:00:04"};
  for (const char* m : macs) {
    Exchange ex(test::make_request({.mac = mac(m)}), test::arrival());
    IdentifyClient().apply(ex);
    EXPECT_EQ(step.apply(ex), Verdict::Park);
  }
  EXPECT_EQ(step.cached(), 4u) << "questions in flight are never forgotten";
  for (std::size_t i = 0; i < 4; ++i) checker.answer(i, ok());
  Exchange ex(test::make_request({.mac = mac("52:54:00:00:00:05")}), test::arrival());
  IdentifyClient().apply(ex);
  EXPECT_EQ(step.apply(ex), Verdict::Park);
  EXPECT_EQ(step.cached(), 4u) << "a decided entry made room";
}

TEST(CheckRemoteAccessStep, GrantedFileAndHostnameReachTheReplyAndTheLease) {
  test::LeaseWorld world;
  FakeChecker checker;
  std::vector<Resumed> resumed;
  auto config = test::lab_config();
  config.access = config::AccessMode::Http;
  const config::AccessLists lists;
  const auto http = http_config();
  Pipeline pipeline = make_pipeline(config, {.leases = world.store, .allocator = world.allocator,
                                             .access = AccessDependencies{.lists = lists, .http = http,
                                                                          .checker = &checker}});
  pipeline.on_resume([&](const MacAddress& m, std::uint32_t xid) { resumed.push_back({m, xid}); });
  const Bytes prl{1, 3, 6, 12, 15, 43, 60, 66, 67, 93, 97};
  auto discover = test::exchange({.parameter_list = prl});
  EXPECT_EQ(pipeline.run(discover), Verdict::Park);
  checker.answer(0, ok("client: node7\nfile: custom.efi\n"));
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_EQ(pipeline.run(discover), Verdict::Continue);
  EXPECT_EQ(discover.reply.message_type, MessageType::Offer);
  EXPECT_EQ(discover.reply.file, "custom.efi") << "the granted file wins over [bootfile]";
  EXPECT_EQ(discover.reply.options.get_string(OptionCode::HostName), "node7");
  world.commit(discover);

  auto request = test::exchange({.type = MessageType::Request, .server_id = test::ip("192.168.1.1"),
                                 .requested = discover.reply.yiaddr, .parameter_list = prl});
  EXPECT_EQ(pipeline.run(request), Verdict::Continue) << request.drop_reason;
  EXPECT_EQ(request.reply.message_type, MessageType::Ack);
  EXPECT_EQ(request.reply.file, "custom.efi");
  ASSERT_TRUE(request.lease.has_value());
  EXPECT_EQ(request.lease->boot_file, "custom.efi");
  EXPECT_EQ(request.lease->hostname, "node7");
  EXPECT_EQ(checker.questions.size(), 1u);
}

TEST(MakeAccessSteps, OneStepPerModeAndFailsClosedWithoutAChecker) {
  lease::MemoryLeaseStore store([](std::function<void()>) {});
  FakeChecker checker;
  config::DhcpConfig dhcp = test::lab_config();
  const auto steps_for = [&](config::AccessMode mode, acl::AccessChecker* c) {
    dhcp.access = mode;
    return make_access_steps(dhcp, {}, http_config(), store, c, [](const MacAddress&, std::uint32_t) {});
  };
  EXPECT_TRUE(steps_for(config::AccessMode::None, nullptr).empty());
  for (const auto mode : {config::AccessMode::Mac, config::AccessMode::Uuid}) {
    const auto steps = steps_for(mode, nullptr);
    ASSERT_EQ(steps.size(), 1u);
    EXPECT_EQ(steps[0]->name(), "check-local-access");
  }
  const auto remote = steps_for(config::AccessMode::Http, &checker);
  ASSERT_EQ(remote.size(), 1u);
  EXPECT_EQ(remote[0]->name(), "check-remote-access");
  const auto unwired = steps_for(config::AccessMode::Http, nullptr);
  ASSERT_EQ(unwired.size(), 1u);
  auto ex = test::exchange({});
  IdentifyClient().apply(ex);
  EXPECT_EQ(unwired[0]->apply(ex), Verdict::Drop);
}

TEST(AccessParkTimeout, OutlastsTheCheckTimeout) {
  config::HttpAccessConfig c;
  c.timeout = 5.0;
  EXPECT_EQ(access_park_timeout(c), std::chrono::milliseconds(6000));
  c.timeout = 0.25;
  EXPECT_EQ(access_park_timeout(c), std::chrono::milliseconds(1250));
}

}  // namespace
}  // namespace netboot::dhcp
