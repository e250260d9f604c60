// Option 13 from a remote [tftp] root: the exchange parks once, before an address is chosen,
// and goes on with or without the size.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "dhcp/pipeline/await_boot_file_size.hpp"
#include "dhcp/pipeline/make_pipeline.hpp"
#include "unit/dhcp/pipeline_test_support.hpp"

namespace netboot::dhcp {
namespace {

/// Answers from a table; a file listed as pending keeps its `ready` for the test to call.
class FakeSizes final : public RemoteFileSize {
 public:
  Answer lookup(std::string_view file, std::function<void()> ready) override {
    ++lookups;
    if (const auto it = known.find(std::string(file)); it != known.end()) return {State::Known, it->second};
    if (!pending || !ready) return {};
    waiting.push_back(std::move(ready));
    return {State::Pending, 0};
  }
  std::map<std::string, std::uint64_t> known;
  bool pending = true;
  std::vector<std::function<void()>> waiting;
  int lookups = 0;
};

struct RemoteRoot : ::testing::Test {
  config::DhcpConfig config = [] {
    auto c = test::lab_config();
    c.allow_simple_dhcp = true;  // plain clients are served too
    return c;
  }();
  test::LeaseWorld world{config};
  FakeSizes sizes;
  std::vector<std::pair<MacAddress, std::uint32_t>> resumed;
  Pipeline pipeline = [this] {
    auto p = make_pipeline(config, {.leases = world.store, .allocator = world.allocator, .remote_file_size = &sizes});
    p.on_resume([this](const MacAddress& mac, std::uint32_t xid) { resumed.emplace_back(mac, xid); });
    return p;
  }();
};

TEST_F(RemoteRoot, TheStepRunsBeforeAnAddressIsChosen) {
  const auto names = pipeline.step_names();
  const auto at = [&](std::string_view name) { return std::find(names.begin(), names.end(), name) - names.begin(); };
  EXPECT_LT(at("select-boot-file"), at("await-boot-file-size"));
  EXPECT_LT(at("await-boot-file-size"), at("allocate-address"));
}

TEST_F(RemoteRoot, AKnownSizeGoesOutAtOnce) {
  sizes.known["pxelinux.0"] = 1025;
  auto ex = test::exchange({.arch = 0});
  ASSERT_EQ(pipeline.run(ex), Verdict::Continue) << ex.drop_reason;
  EXPECT_EQ(ex.reply.options.get_u16(OptionCode::BootFileSize), 3);
  EXPECT_TRUE(resumed.empty());
}

TEST_F(RemoteRoot, ParksOnceThenGoesOnWithTheSizeIfItCameInTime) {
  auto ex = test::exchange({.arch = 0});
  ASSERT_EQ(pipeline.run(ex), Verdict::Park);
  EXPECT_FALSE(ex.lease) << "no address chosen while parked";
  ASSERT_EQ(sizes.waiting.size(), 1u);
  sizes.known["pxelinux.0"] = 70'000;  // the HEAD answered
  sizes.waiting[0]();
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_EQ(resumed[0].first, *ex.request.chaddr.mac());
  EXPECT_EQ(resumed[0].second, ex.request.xid);
  ASSERT_EQ(pipeline.run(ex), Verdict::Continue) << ex.drop_reason;
  EXPECT_EQ(ex.reply.options.get_u16(OptionCode::BootFileSize), 137);
}

TEST_F(RemoteRoot, ALateAnswerMeansNoOption13AndNoSecondWait) {
  auto ex = test::exchange({.arch = 0});
  ASSERT_EQ(pipeline.run(ex), Verdict::Park);
  sizes.waiting[0]();  // waited long enough: nothing known
  ASSERT_EQ(pipeline.run(ex), Verdict::Continue) << ex.drop_reason;
  EXPECT_FALSE(ex.reply.options.contains(OptionCode::BootFileSize));
  EXPECT_TRUE(ex.lease.has_value());
  EXPECT_EQ(sizes.waiting.size(), 1u) << "parked only once";
}

TEST_F(RemoteRoot, PlainDhcpClientsNeverWait) {
  auto ex = test::exchange({.pxe = false});
  EXPECT_EQ(pipeline.run(ex), Verdict::Continue) << ex.drop_reason;
  EXPECT_TRUE(sizes.waiting.empty());
}

}  // namespace
}  // namespace netboot::dhcp
