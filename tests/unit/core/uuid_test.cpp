// UUIDs (SMBIOS byte order of PXE option 97) and [uuid] prefixes.
#include <gtest/gtest.h>

#include "core/uuid.hpp"

namespace netboot {
namespace {

TEST(Uuid, ReadsSmbiosWireOrderAsFirmwaresSendIt) {
  // firmware-requests.md: QEMU -uuid 4c414230-1234-4567-89ab-cdef00770001 goes on the wire as:
  const std::array<std::uint8_t, 16> wire{0x30, 0x42, 0x41, 0x4c, 0x34, 0x12, 0x67, 0x45,
                                          0x89, 0xab, 0xcd, 0xef, 0x00, 0x77, 0x00, 0x01};
  const auto uuid = Uuid::from_smbios_bytes(wire);
  EXPECT_EQ(uuid.to_string(), "4c414230-1234-4567-89ab-cdef00770001");
  EXPECT_EQ(uuid.to_smbios_bytes(), wire);
  EXPECT_EQ(Uuid::parse("4C414230-1234-4567-89AB-CDEF00770001"), uuid);
  EXPECT_FALSE(Uuid::parse("4c414230-1234-4567-89ab-cdef0077000"));
  EXPECT_FALSE(Uuid::parse("4c4142301-234-4567-89ab-cdef00770001"));
}

TEST(UuidPrefix, MatchesLeadingBits) {
  const auto prefix = UuidPrefix::parse("4c414230-1234/48");
  ASSERT_TRUE(prefix);
  EXPECT_TRUE(prefix->matches(*Uuid::parse("4c414230-1234-4567-89ab-cdef00770001")));
  EXPECT_FALSE(prefix->matches(*Uuid::parse("4c414230-1235-4567-89ab-cdef00770001")));
  EXPECT_FALSE(UuidPrefix::parse("4c41/20"));
  EXPECT_TRUE(UuidPrefix::parse("4c414230-1234-4567-89ab-cdef00770001")->is_exact());
}

}  // namespace
}  // namespace netboot
