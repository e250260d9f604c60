#include <gtest/gtest.h>

#include "dhcp/pipeline/add_pxe_options.hpp"
#include "unit/dhcp/step_test_support.hpp"

namespace netboot::dhcp {
namespace {

using test::kServer;
using test::classified;

TEST(AddPxeOptionsStep, BiosPxeClientGetsTheFullSet) {
  auto ex = classified({.arch = 0});
  ex.reply.siaddr = kServer;
  ex.reply.file = "pxelinux.0";
  AddPxeOptions step([](std::string_view file) -> std::optional<std::uint64_t> {
    return file == "pxelinux.0" ? std::optional<std::uint64_t>(1025) : std::nullopt;
  });
  ASSERT_EQ(step.apply(ex), Verdict::Continue);
  const auto& o = ex.reply.options;
  EXPECT_EQ(o.get_string(OptionCode::VendorClassIdentifier), "PXEClient");
  EXPECT_EQ(*o.find(OptionCode::ClientMachineIdentifier), test::kGuid);
  EXPECT_EQ(o.get_string(OptionCode::TftpServerName), "192.168.1.1");
  EXPECT_EQ(o.get_string(OptionCode::BootFileName), "pxelinux.0");
  EXPECT_EQ(o.get_u16(OptionCode::BootFileSize), 3);  // 1025 bytes = 3 blocks of 512
  EXPECT_EQ(*o.find(OptionCode::VendorSpecific), (Bytes{6, 1, 8, 255}));
}

TEST(AddPxeOptionsStep, UefiClientGetsNoVendorOptionsAndOnlyWhatItAsks) {
  auto ex = classified({.arch = 7, .guid = false, .parameter_list = {1, 3}});
  ex.reply.siaddr = kServer;
  ex.reply.file = "bootx64.efi";
  AddPxeOptions().apply(ex);
  const auto& o = ex.reply.options;
  EXPECT_TRUE(o.contains(OptionCode::VendorClassIdentifier));
  EXPECT_EQ(*o.find(OptionCode::VendorSpecific), (Bytes{6, 1, 8, 255}));  // EDK2 needs it too
  EXPECT_FALSE(o.contains(OptionCode::ClientMachineIdentifier));
  EXPECT_FALSE(o.contains(OptionCode::TftpServerName));
  EXPECT_FALSE(o.contains(OptionCode::BootFileName));
  EXPECT_FALSE(o.contains(OptionCode::BootFileSize));
}

TEST(AddPxeOptionsStep, PlainClientsAndHugeFiles) {
  auto plain = classified({.pxe = false});
  AddPxeOptions().apply(plain);
  EXPECT_TRUE(plain.reply.options.empty());
  auto ex = classified({});
  ex.reply.file = "huge.iso";
  AddPxeOptions([](std::string_view) -> std::optional<std::uint64_t> { return 1ull << 40; }).apply(ex);
  EXPECT_EQ(ex.reply.options.get_u16(OptionCode::BootFileSize), 0xFFFF);
}

}  // namespace
}  // namespace netboot::dhcp
