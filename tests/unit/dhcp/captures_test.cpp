// Golden tests: captures in tests/data/captures/*.hex -> describe() text in
// tests/data/golden/<name>.txt, and the OFFER the default pipeline makes for each in
// golden/<name>.offer.txt. Regenerate with UPDATE_GOLDEN=1 (then review the diff).
#include <gtest/gtest.h>

#include "dhcp/pxe.hpp"
#include "unit/dhcp/golden_support.hpp"
#include "unit/dhcp/pipeline_test_support.hpp"

namespace netboot::dhcp {
namespace {

struct Capture {
  std::string_view name;
  std::optional<std::uint16_t> arch;
  bool pxe;
  bool ipxe;
  bool has_uuid;
  bool broadcast;
  std::string_view boot_file;  // from the lab configuration
  bool vendor_options;         // option 43 in the offer
};

const Capture kCaptures[] = {
    {"seabios_ipxe_discover", 0, true, true, true, false, "boot.ipxe", true},
    {"ovmf_ipxe_discover", 7, true, true, true, false, "boot.ipxe", true},
    {"edk2_pxe_discover", 7, true, false, true, true, "bootx64.efi", true},
    {"udhcpc_discover", std::nullopt, false, false, false, false, "pxelinux.0", false},
};

DhcpPacket load(std::string_view name) { return test::load_capture("captures/" + std::string(name) + ".hex"); }

TEST(Captures, ParseToTheGoldenDescription) {
  for (const auto& c : kCaptures) {
    SCOPED_TRACE(c.name);
    const auto packet = load(c.name);
    EXPECT_EQ(packet.message_type, MessageType::Discover);
    test::expect_golden("golden/" + std::string(c.name) + ".txt", describe(packet));
  }
}

TEST(Captures, IdentifyEachFirmware) {
  for (const auto& c : kCaptures) {
    SCOPED_TRACE(c.name);
    const auto packet = load(c.name);
    const auto id = identify_client(packet);
    EXPECT_EQ(id.mac, MacAddress::parse("52:54:00:12:34:56"));
    EXPECT_EQ(id.arch, c.arch);
    EXPECT_EQ(id.is_pxe, c.pxe);
    EXPECT_EQ(id.is_ipxe, c.ipxe);
    EXPECT_EQ(packet.broadcast, c.broadcast);
    if (c.has_uuid) {
      EXPECT_EQ(id.uuid, Uuid::parse("4c414230-1234-4567-89ab-cdef00770001"));
    } else {
      EXPECT_FALSE(id.uuid);
    }
  }
}

TEST(Captures, SerializeBackToTheSameValue) {
  for (const auto& c : kCaptures) {
    SCOPED_TRACE(c.name);
    const auto packet = load(c.name);
    const auto again = parse_dhcp_packet(serialize_dhcp_packet(packet, 1500));
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, packet);
  }
}

TEST(Captures, OfferMatchesTheGoldenReply) {
  for (const auto& c : kCaptures) {
    SCOPED_TRACE(c.name);
    auto config = test::lab_config();
    config.allow_simple_dhcp = true;  // udhcpc is served too
    test::LeaseWorld world(config);
    auto pipeline = test::capture_pipeline(config, world);
    Exchange ex(load(c.name), test::arrival());
    ASSERT_EQ(pipeline.run(ex), Verdict::Continue) << ex.drop_reason;
    EXPECT_EQ(ex.reply.message_type, MessageType::Offer);
    EXPECT_EQ(ex.reply.file, c.boot_file);
    EXPECT_EQ(ex.reply.options.contains(OptionCode::VendorSpecific), c.vendor_options);
    EXPECT_EQ(ex.reply.options.contains(OptionCode::VendorClassIdentifier), c.pxe);
    // What goes on the wire fits the client's limit and reads back the same.
    test::expect_golden("golden/" + std::string(c.name) + ".offer.txt", test::describe_wire_reply(ex));
  }
}

}  // namespace
}  // namespace netboot::dhcp
