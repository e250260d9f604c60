#include <gtest/gtest.h>

#include "dhcp/pxe.hpp"

namespace netboot::dhcp {
namespace {

// firmware-requests.md: QEMU -uuid 4c414230-1234-4567-89ab-cdef00770001, option 97 bytes.
const Bytes kOption97{0x00, 0x30, 0x42, 0x41, 0x4c, 0x34, 0x12, 0x67, 0x45,
                      0x89, 0xab, 0xcd, 0xef, 0x00, 0x77, 0x00, 0x01};

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST(ClientUuid, ReadsOption97InSmbiosByteOrder) {
  OptionMap m;
  m.set(OptionCode::ClientMachineIdentifier, kOption97);
  const auto uuid = client_uuid(m);
  ASSERT_TRUE(uuid);
  EXPECT_EQ(uuid->to_string(), "4c414230-1234-4567-89ab-cdef00770001");
}

TEST(ClientUuid, RejectsOtherTypesAndLengths) {
  for (const Bytes& bad : {Bytes{}, Bytes(16, 0x11), Bytes(18, 0), [] {
                             Bytes b = kOption97;
                             b[0] = 1;
                             return b;
                           }()}) {
    OptionMap m;
    m.set(OptionCode::ClientMachineIdentifier, bad);
    EXPECT_FALSE(client_uuid(m)) << bad.size();
  }
  EXPECT_FALSE(client_uuid(OptionMap{}));
}

TEST(ClientArch, PrefersOption93ThenTheVendorClass) {
  struct Case {
    std::string_view name;
    std::optional<Bytes> opt93;
    std::optional<std::string_view> vendor;
    std::optional<std::uint16_t> expected;
  };
  const Case cases[] = {
      {"option 93 BIOS", Bytes{0, 0}, "PXEClient:Arch:00007:UNDI:003000", 0},
      {"option 93 UEFI", Bytes{0, 7}, std::nullopt, 7},
      {"option 93 list: first wins", Bytes{0, 9, 0, 7}, std::nullopt, 9},
      {"option 93 odd length: vendor class", Bytes{0, 7, 1}, "PXEClient:Arch:00011:UNDI:003000", 11},
      {"vendor class only", std::nullopt, "PXEClient:Arch:00007:UNDI:003010", 7},
      {"HTTPClient vendor class", std::nullopt, "HTTPClient:Arch:00016:UNDI:003001", 16},
      {"vendor class without arch", std::nullopt, "PXEClient", std::nullopt},
      {"vendor class with short digits", std::nullopt, "PXEClient:Arch:0007:UNDI", std::nullopt},
      {"vendor class with letters", std::nullopt, "PXEClient:Arch:0000x", std::nullopt},
      {"vendor class arch over 65535", std::nullopt, "PXEClient:Arch:99999", std::nullopt},
      {"vendor class arch at the end", std::nullopt, "PXEClient:Arch:00006", 6},
      {"neither", std::nullopt, std::nullopt, std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    OptionMap m;
    if (c.opt93) m.set(OptionCode::ClientSystemArchitecture, *c.opt93);
    if (c.vendor) m.set_string(OptionCode::VendorClassIdentifier, *c.vendor);
    EXPECT_EQ(client_arch(m), c.expected);
  }
}

TEST(UserClass, ReadsRfc3004ListsAndPlainStrings) {
  EXPECT_EQ(parse_user_classes(text("iPXE")), (std::vector<std::string>{"iPXE"}));
  EXPECT_EQ(parse_user_classes(Bytes{4, 'i', 'P', 'X', 'E', 3, 'f', 'o', 'o'}),
            (std::vector<std::string>{"iPXE", "foo"}));
  // Length byte that overruns: not RFC 3004, one plain string.
  EXPECT_EQ(parse_user_classes(Bytes{9, 'a'}).size(), 1u);
  EXPECT_TRUE(parse_user_classes(Bytes{}).empty());
}

TEST(ClientKind, PxeNeedsThePxeClientVendorClass) {
  OptionMap m;
  EXPECT_FALSE(is_pxe_client(m));
  m.set_string(OptionCode::VendorClassIdentifier, "MSFT 5.0");
  EXPECT_FALSE(is_pxe_client(m));
  m.set_string(OptionCode::VendorClassIdentifier, "PXEClient:Arch:00000:UNDI:002001");
  EXPECT_TRUE(is_pxe_client(m));
  m.set_string(OptionCode::VendorClassIdentifier, "PXEClient");
  EXPECT_TRUE(is_pxe_client(m));
}

TEST(ClientKind, IpxeFromUserClassInEitherFormOrOption175) {
  struct Case {
    std::string_view name;
    OptionMap options;
    bool expected;
  };
  std::vector<Case> cases;
  cases.push_back({"nothing", {}, false});
  OptionMap plain;
  plain.set(OptionCode::UserClass, text("iPXE"));
  cases.push_back({"plain user class iPXE", plain, true});
  OptionMap rfc3004;
  rfc3004.set(OptionCode::UserClass, Bytes{3, 'f', 'o', 'o', 4, 'i', 'P', 'X', 'E'});
  cases.push_back({"RFC 3004 list holding iPXE", rfc3004, true});
  OptionMap other;
  other.set(OptionCode::UserClass, text("gPXE-ish"));
  cases.push_back({"other user class", other, false});
  OptionMap features;
  features.set(OptionCode::IpxeEncapsulated, Bytes{0xb1, 1, 1});
  cases.push_back({"option 175", features, true});
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(is_ipxe_client(c.options), c.expected);
  }
}

TEST(IdentifyClient, CollectsEverythingFromASeabiosIpxeDiscover) {
  DhcpPacket p;
  p.chaddr = HardwareAddress::ethernet(*MacAddress::parse("52:54:00:12:34:56"));
  p.message_type = MessageType::Discover;
  p.options.set_string(OptionCode::VendorClassIdentifier, "PXEClient:Arch:00000:UNDI:002001");
  p.options.set(OptionCode::ClientSystemArchitecture, Bytes{0, 0});
  p.options.set(OptionCode::ClientMachineIdentifier, kOption97);
  p.options.set(OptionCode::UserClass, text("iPXE"));
  const auto id = identify_client(p);
  EXPECT_EQ(id.mac, MacAddress::parse("52:54:00:12:34:56"));
  EXPECT_EQ(id.uuid, Uuid::parse("4c414230-1234-4567-89ab-cdef00770001"));
  EXPECT_EQ(id.arch, 0);
  EXPECT_EQ(id.vendor_class, "PXEClient:Arch:00000:UNDI:002001");
  EXPECT_EQ(id.user_classes, (std::vector<std::string>{"iPXE"}));
  EXPECT_TRUE(id.is_pxe);
  EXPECT_TRUE(id.is_ipxe);
}

TEST(IdentifyClient, PlainDhcpClientIsNeitherPxeNorIpxe) {
  DhcpPacket p;
  p.chaddr.htype = 6;  // IEEE 802: no MAC for us
  p.options.set(OptionCode::ClientIdentifier, Bytes{1, 2, 3});
  const auto id = identify_client(p);
  EXPECT_FALSE(id.mac);
  EXPECT_FALSE(id.uuid);
  EXPECT_FALSE(id.arch);
  EXPECT_FALSE(id.is_pxe);
  EXPECT_FALSE(id.is_ipxe);
  EXPECT_EQ(id.vendor_class, "");
}

TEST(PxeVendorOptions, EncodesSubOptionsWithEnd) {
  EXPECT_EQ(encode_pxe_vendor_options({.discovery_control = pxe::kUseBootFile}), (Bytes{6, 1, 8, 255}));
  EXPECT_EQ(encode_pxe_vendor_options({}), Bytes{255});
  PxeVendorOptions menu;
  menu.menu = {{0, "Boot"}};
  menu.prompt_timeout = 0;
  menu.prompt = "PXE";
  EXPECT_EQ(encode_pxe_vendor_options(menu), (Bytes{9, 7, 0, 0, 4, 'B', 'o', 'o', 't', 10, 4, 0, 'P', 'X', 'E', 255}));
}

TEST(PxeVendorOptions, MenuNeverOverflowsASubOption) {
  PxeVendorOptions menu;
  for (int i = 0; i < 10; ++i) menu.menu.push_back({0, std::string(60, 'x')});
  const auto wire = encode_pxe_vendor_options(menu);
  ASSERT_GE(wire.size(), 2u);
  EXPECT_EQ(wire[0], pxe::kBootMenu);
  EXPECT_EQ(wire[1] % 63, 0);  // whole items only
  EXPECT_EQ(wire.size(), 2u + wire[1] + 1u);
}

TEST(PxeVendorOptions, OnlyBiosPxeClientsAreToldToSkipDiscovery) {
  struct Case {
    std::string_view name;
    bool pxe;
    std::optional<std::uint16_t> arch;
    bool gets_options;
  };
  const Case cases[] = {
      {"BIOS PXE", true, arch::kX86Bios, true},
      {"PXE 2.0 ROM without arch", true, std::nullopt, true},
      {"UEFI x86-64 (7)", true, arch::kEfiBc, true},
      {"UEFI x86-64 (9)", true, arch::kEfiX86_64, true},
      {"UEFI ARM64", true, arch::kEfiArm64, true},
      {"not PXE", false, arch::kX86Bios, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ClientIdentity id;
    id.is_pxe = c.pxe;
    id.arch = c.arch;
    const auto options = pxe_vendor_options_for(id);
    ASSERT_EQ(options.has_value(), c.gets_options);
    if (options) {
      EXPECT_EQ(options->discovery_control, pxe::kUseBootFile);
    }
  }
}

TEST(ArchName, NamesCommonArchitectures) {
  EXPECT_EQ(arch_name(0), "x86 BIOS");
  EXPECT_EQ(arch_name(7), "x86-64 UEFI");
  EXPECT_EQ(arch_name(9), "x86-64 UEFI");
  EXPECT_EQ(arch_name(11), "ARM64 UEFI");
  EXPECT_EQ(arch_name(1234), "arch 1234");
}

}  // namespace
}  // namespace netboot::dhcp
