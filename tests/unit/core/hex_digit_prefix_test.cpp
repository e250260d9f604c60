// The small helpers shared by MacAddress, Uuid and percent-decoding.
#include <gtest/gtest.h>

#include <array>

#include "core/mac_address.hpp"
#include "core/text.hpp"

namespace netboot {
namespace {

TEST(HexDigitValue, ReadsBothCasesAndRefusesTheRest) {
  const struct {
    char c;
    int value;
  } cases[] = {{'0', 0}, {'9', 9}, {'a', 10}, {'f', 15}, {'A', 10}, {'F', 15},
               {'g', -1}, {'G', -1}, {'/', -1}, {':', -1}, {'@', -1}, {'`', -1}, {'\0', -1}, {' ', -1}};
  for (const auto& c : cases) {
    SCOPED_TRACE(static_cast<int>(c.c));
    EXPECT_EQ(hex_digit_value(c.c), c.value);
  }
}

TEST(ClearAfterPrefix, KeepsExactlyTheFirstBits) {
  const struct {
    int bits;
    std::array<std::uint8_t, 3> expected;
  } cases[] = {{0, {0x00, 0x00, 0x00}}, {4, {0xF0, 0x00, 0x00}}, {8, {0xFF, 0x00, 0x00}},
               {12, {0xFF, 0xF0, 0x00}}, {23, {0xFF, 0xFF, 0xFE}}, {24, {0xFF, 0xFF, 0xFF}}, {99, {0xFF, 0xFF, 0xFF}}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.bits);
    std::array<std::uint8_t, 3> bytes{0xFF, 0xFF, 0xFF};
    clear_after_prefix(bytes, c.bits);
    EXPECT_EQ(bytes, c.expected);
  }
}

}  // namespace
}  // namespace netboot
