// select-boot-profile: the script URL for iPXE clients with a profile, [bootfile] for the
// firmware, and the boot API asked with the exchange parked, failing closed.
#include <gtest/gtest.h>

#include "core/log_limiter.hpp"
#include "dhcp/pipeline/select_boot_profile.hpp"
#include "unit/dhcp/step_test_support.hpp"

namespace netboot::dhcp {
namespace {

using test::RequestSpec;

const MacAddress kMac = test::mac("52:54:00:12:34:56");

class FakeApi final : public boot::BootApi {
 public:
  struct Question {
    std::string url;
    Done done;
  };
  void ask(std::string url, Done done) override { questions.push_back({std::move(url), std::move(done)}); }
  std::vector<Question> questions;
};

config::BootProfiles profiles(bool api) {
  config::BootProfiles b;
  b.profiles.push_back({"debian12", "vmlinuz", {"initrd.img"}, "", {}});
  b.by_mac.push_back({*MacPrefix::parse("52-54-00-12-34-56"), 0, {}});
  if (api) {
    b.by_mac.clear();
    b.api.url = "http://api:8000";
    b.api.cache_seconds = 30;
  }
  return b;
}

struct Fixture {
  explicit Fixture(bool api, ScriptLocation where = {true, {}, 8080})
      : step(profiles(api), where, directory, &fake, [this](const MacAddress& m, std::uint32_t xid) {
          resumed.emplace_back(m, xid);
        },
             [this] { return now; }) {}
  Exchange prepare(bool ipxe, std::uint32_t xid = 0xCAFE0001) {
    RequestSpec spec;
    spec.ipxe = ipxe;
    auto request = test::make_request(spec);
    request.xid = xid;
    Exchange ex(request, test::arrival());
    IdentifyClient().apply(ex);
    ClassifyRequest(test::kServer).apply(ex);
    ex.reply.file = "undionly.kpxe";  // what select-boot-file chose
    return ex;
  }
  boot::MachineDirectory directory;
  FakeApi fake;
  WallTime now{std::chrono::seconds(1000)};
  std::vector<std::pair<MacAddress, std::uint32_t>> resumed;
  SelectBootProfile step;
};

TEST(SelectBootProfile, IpxeClientGetsItsScriptUrl) {
  Fixture f(false);
  auto ex = f.prepare(true);
  EXPECT_EQ(f.step.apply(ex), Verdict::Continue);
  EXPECT_EQ(ex.reply.file, "http://192.168.1.1:8080/boot/52-54-00-12-34-56.ipxe");
  ASSERT_NE(f.directory.find(kMac), nullptr);
  EXPECT_TRUE(f.directory.find(kMac)->uuid);  // option 97, for the script server
}

TEST(SelectBootProfile, FirmwareKeepsTheIpxeBinary) {
  Fixture f(false);
  auto ex = f.prepare(false);
  EXPECT_EQ(f.step.apply(ex), Verdict::Continue);
  EXPECT_EQ(ex.reply.file, "undionly.kpxe");
}

TEST(SelectBootProfile, ScriptOverTftpWithoutHttpAndOnAFixedHttpAddress) {
  Fixture tftp(false, ScriptLocation{false, {}, 80});
  auto ex = tftp.prepare(true);
  tftp.step.apply(ex);
  EXPECT_EQ(ex.reply.file, "boot/52-54-00-12-34-56.ipxe");
  Fixture fixed(false, ScriptLocation{true, test::ip("192.168.1.5"), 80});
  auto ex2 = fixed.prepare(true);
  fixed.step.apply(ex2);
  EXPECT_EQ(ex2.reply.file, "http://192.168.1.5/boot/52-54-00-12-34-56.ipxe");
}

TEST(SelectBootProfile, OtherMachinesAndAccessFilesAreLeftAlone) {
  Fixture f(false);
  RequestSpec spec;
  spec.ipxe = true;
  spec.mac = test::mac("02:00:00:00:00:01");
  auto ex = test::classified(spec);
  ex.reply.file = "x";
  EXPECT_EQ(f.step.apply(ex), Verdict::Continue);
  EXPECT_EQ(ex.reply.file, "x");
  auto granted = f.prepare(true);
  granted.assigned_boot_file = "from-http-check";
  granted.reply.file = "from-http-check";
  EXPECT_EQ(f.step.apply(granted), Verdict::Continue);
  EXPECT_EQ(granted.reply.file, "from-http-check");
}

TEST(SelectBootProfile, ApiAnswerParksThenBoots) {
  Fixture f(true);
  auto ex = f.prepare(true);
  EXPECT_EQ(f.step.apply(ex), Verdict::Park);
  ASSERT_EQ(f.fake.questions.size(), 1U);
  EXPECT_EQ(f.fake.questions[0].url, "http://api:8000/v1/boot/52:54:00:12:34:56");
  auto retransmission = f.prepare(true);
  EXPECT_EQ(f.step.apply(retransmission), Verdict::Park);  // one question per MAC in flight
  EXPECT_EQ(f.fake.questions.size(), 1U);
  f.fake.questions[0].done(boot::read_boot_api_answer(200, R"({"kernel":"http://h/k"})"));
  ASSERT_EQ(f.resumed.size(), 1U);
  EXPECT_EQ(f.step.apply(ex), Verdict::Continue);
  EXPECT_EQ(ex.reply.file, "http://192.168.1.1:8080/boot/52-54-00-12-34-56.ipxe");
  ASSERT_NE(f.directory.find(kMac), nullptr);
  ASSERT_TRUE(f.directory.find(kMac)->api_spec);
  EXPECT_EQ(f.directory.find(kMac)->api_spec->kernel, "http://h/k");
  // Cached: the next request (another xid) does not ask.
  auto next = f.prepare(true, 0xCAFE0002);
  EXPECT_EQ(f.step.apply(next), Verdict::Continue);
  EXPECT_EQ(f.fake.questions.size(), 1U);
  // Past the cache time it asks again.
  f.now += std::chrono::seconds(31);
  auto later = f.prepare(true, 0xCAFE0003);
  EXPECT_EQ(f.step.apply(later), Verdict::Park);
  EXPECT_EQ(f.fake.questions.size(), 2U);
}

TEST(SelectBootProfile, ApiFailureFailsClosedAndIsNotKept) {
  Fixture f(true);
  auto ex = f.prepare(false);
  EXPECT_EQ(f.step.apply(ex), Verdict::Park);
  f.fake.questions[0].done(boot::failed_boot_api("no answer within 2000 ms"));
  EXPECT_EQ(f.step.apply(ex), Verdict::Drop);
  EXPECT_NE(ex.drop_reason.find("fail closed"), std::string::npos) << ex.drop_reason;
  auto again = f.prepare(false, 0xCAFE0002);
  EXPECT_EQ(f.step.apply(again), Verdict::Park);
  EXPECT_EQ(f.fake.questions.size(), 2U);
}

TEST(SelectBootProfile, ApiNoBootDropsAndIsKept) {
  Fixture f(true);
  auto ex = f.prepare(true);
  f.step.apply(ex);
  f.fake.questions[0].done(boot::read_boot_api_answer(404, ""));
  EXPECT_EQ(f.step.apply(ex), Verdict::Drop);
  auto next = f.prepare(true, 0xCAFE0002);
  EXPECT_EQ(f.step.apply(next), Verdict::Drop);
  EXPECT_EQ(f.fake.questions.size(), 1U);
}

TEST(SelectBootProfile, QuestionsInFlightAreBounded) {
  boot::MachineDirectory directory;
  FakeApi fake;
  SelectBootProfile step(profiles(true), {true, {}, 80}, directory, &fake, [](const MacAddress&, std::uint32_t) {},
                         [] { return WallTime{}; }, {}, 2);
  for (int i = 0; i < 3; ++i) {
    RequestSpec spec;
    spec.mac = MacAddress({2, 0, 0, 0, 0, static_cast<std::uint8_t>(i)});
    auto ex = test::classified(spec);
    EXPECT_EQ(step.apply(ex), i < 2 ? Verdict::Park : Verdict::Drop) << i;
  }
  EXPECT_EQ(fake.questions.size(), 2U);
}

// Review (issue 20): each answer wrote an info line with the [boot_api] URL as written, its
// password included; and a flood of spoofed MACs against a failing or refusing API wrote one
// line per MAC (3,000 DISCOVERs, 3,001 lines). Refusals now get the services' log budget.
TEST(SelectBootProfile, AnswerLinesHideThePasswordAndRefusalsKeepTheLogBudget) {
  boot::MachineDirectory directory;
  FakeApi fake;
  std::vector<std::string> lines;
  auto boot = profiles(true);
  boot.api.url = "http://netbootd:S3CRET@api:8000";
  SelectBootProfile step(boot, {true, {}, 80}, directory, &fake, [](const MacAddress&, std::uint32_t) {},
                         [] { return WallTime{}; }, [&](const std::string& line) { lines.push_back(line); });
  const int machines = 200;
  for (int i = 0; i < machines; ++i) {
    RequestSpec spec;
    spec.mac = MacAddress({2, 0, 0, 0, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)});
    auto ex = test::classified(spec);
    ASSERT_EQ(step.apply(ex), Verdict::Park) << i;
  }
  ASSERT_EQ(fake.questions.size(), static_cast<std::size_t>(machines));
  for (int i = 0; i < machines; ++i)
    fake.questions[i].done(i % 2 == 0 ? boot::failed_boot_api("HTTP 500") : boot::read_boot_api_answer(404, ""));
  EXPECT_LE(lines.size(), 2U * kLogBurst) << "one line per spoofed MAC";
  EXPECT_GE(lines.size(), 2U);
  for (const auto& line : lines) {
    EXPECT_EQ(line.find("S3CRET"), std::string::npos) << line;
    EXPECT_NE(line.find("http://netbootd:***@api:8000/v1/boot/"), std::string::npos) << line;
  }
  // A "boot" answer is a served machine: always logged.
  RequestSpec spec;
  spec.mac = MacAddress({2, 0, 0, 1, 0, 1});
  auto ex = test::classified(spec);
  ASSERT_EQ(step.apply(ex), Verdict::Park);
  const auto before = lines.size();
  fake.questions.back().done(boot::read_boot_api_answer(200, R"({"kernel":"http://h/k"})"));
  EXPECT_EQ(lines.size(), before + 1);
}

// Review (issue 20): every "no boot" (404) answer wrote a directory record, evicting the least
// recently written: spoofed MACs the API refuses pushed a real machine's answer out between
// its DHCP exchange and its script fetch (the script was then 404, the machine did not boot).
TEST(SelectBootProfile, RefusedMachinesDoNotEvictAnotherMachinesAnswer) {
  boot::MachineDirectory directory(4);
  FakeApi fake;
  WallTime now{std::chrono::seconds(1000)};
  SelectBootProfile step(profiles(true), {true, {}, 80}, directory, &fake, [](const MacAddress&, std::uint32_t) {},
                         [&] { return now; });
  RequestSpec real;
  real.mac = kMac;
  real.ipxe = true;
  auto ex = test::classified(real);
  ASSERT_EQ(step.apply(ex), Verdict::Park);
  fake.questions[0].done(boot::read_boot_api_answer(200, R"({"kernel":"http://h/k"})"));
  for (int i = 0; i < 20; ++i) {
    now += std::chrono::seconds(1);
    RequestSpec spoofed;
    spoofed.mac = MacAddress({2, 0, 0, 0, 0, static_cast<std::uint8_t>(i)});
    auto flood = test::classified(spoofed);
    ASSERT_EQ(step.apply(flood), Verdict::Park) << i;
    fake.questions.back().done(boot::read_boot_api_answer(404, ""));
  }
  ASSERT_NE(directory.find(kMac), nullptr) << "evicted by refused MACs";
  ASSERT_TRUE(directory.find(kMac)->api_spec);
  EXPECT_EQ(directory.size(), 1U);
  // A machine that had an answer and is now refused loses it (its script is no longer made).
  now += std::chrono::seconds(60);
  auto request = test::make_request(real);
  request.xid = 0xCAFE0002;  // a new exchange, not the one the first answer was for
  Exchange again(request, test::arrival());
  IdentifyClient().apply(again);
  ClassifyRequest(test::kServer).apply(again);
  ASSERT_EQ(step.apply(again), Verdict::Park);
  fake.questions.back().done(boot::read_boot_api_answer(404, ""));
  ASSERT_NE(directory.find(kMac), nullptr);
  EXPECT_FALSE(directory.find(kMac)->api_spec);
}

}  // namespace
}  // namespace netboot::dhcp
