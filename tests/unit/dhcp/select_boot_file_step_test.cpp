#include <gtest/gtest.h>

#include "dhcp/pipeline/select_boot_file.hpp"
#include "unit/dhcp/step_test_support.hpp"

namespace netboot::dhcp {
namespace {

using test::ip;
using test::RequestSpec;
using test::kServer;
using test::classified;

TEST(SelectBootFileStep, PicksTheFileForTheArchitecture) {
  struct Case {
    std::string_view name;
    RequestSpec spec;
    std::string file;
  };
  const Case cases[] = {
      {"BIOS -> default", {.arch = 0}, "pxelinux.0"},
      {"UEFI 7", {.arch = 7}, "bootx64.efi"},
      {"UEFI 9 stands in for 7", {.arch = 9}, "bootx64.efi"},
      {"iPXE gets its script", {.arch = 7, .ipxe = true}, "boot.ipxe"},
      {"vendor class only", {.arch = std::nullopt}, "pxelinux.0"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto ex = classified(c.spec);
    EXPECT_EQ(SelectBootFile(test::lab_config().boot_files).apply(ex), Verdict::Continue);
    EXPECT_EQ(ex.reply.file, c.file);
  }
}

TEST(SelectBootFileStep, AssignedFileWins) {
  auto ex = classified({});
  ex.assigned_boot_file = "special.0";
  EXPECT_EQ(SelectBootFile(test::lab_config().boot_files).apply(ex), Verdict::Continue);
  EXPECT_EQ(ex.reply.file, "special.0");
}

TEST(SelectBootFileStep, PxeClientWithoutAFileIsDroppedPlainClientIsNot) {
  config::BootFileTable only_uefi;
  only_uefi.by_arch[7] = "bootx64.efi";
  auto pxe = classified({.arch = 0});
  EXPECT_EQ(SelectBootFile(only_uefi).apply(pxe), Verdict::Drop);
  EXPECT_NE(pxe.drop_reason.find("x86 BIOS"), std::string::npos);
  auto plain = classified({.pxe = false});
  EXPECT_EQ(SelectBootFile(only_uefi).apply(plain), Verdict::Continue);
  EXPECT_EQ(plain.reply.file, "");
}

TEST(SelectBootFileStep, LeavesRepliesThatAreNotSentAlone) {
  auto release = classified({.type = MessageType::Release, .server_id = kServer, .ciaddr = ip("192.168.1.100")});
  EXPECT_EQ(SelectBootFile(test::lab_config().boot_files).apply(release), Verdict::Continue);
  EXPECT_EQ(release.reply.file, "");
}

}  // namespace
}  // namespace netboot::dhcp
