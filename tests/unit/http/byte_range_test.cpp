#include "http/byte_range.hpp"

#include <gtest/gtest.h>

namespace netboot::http {
namespace {

using Kind = RangeDecision::Kind;

TEST(DecideRange, FollowsRfc9110ForASingleRange) {
  struct Case {
    std::optional<std::string_view> field;
    std::uint64_t size;
    Kind kind;
    std::uint64_t first = 0;
    std::uint64_t last = 0;
  };
  const Case cases[] = {
      {std::nullopt, 1000, Kind::Whole},
      {"bytes=0-0", 1000, Kind::Partial, 0, 0},              // first byte
      {"bytes=0-99", 1000, Kind::Partial, 0, 99},            // first hundred
      {"bytes=100-199", 1000, Kind::Partial, 100, 199},      // middle
      {"bytes=900-", 1000, Kind::Partial, 900, 999},         // open-ended
      {"bytes=-100", 1000, Kind::Partial, 900, 999},         // suffix
      {"bytes=-5000", 1000, Kind::Partial, 0, 999},          // suffix longer than the file
      {"bytes=990-5000", 1000, Kind::Partial, 990, 999},     // last clamped
      {"bytes=999-999", 1000, Kind::Partial, 999, 999},      // last byte
      {"Bytes = 1-2", 1000, Kind::Partial, 1, 2},            // unit is case-insensitive, OWS tolerated
      {"bytes=1000-", 1000, Kind::Unsatisfiable},            // starts past the end
      {"bytes=5000-6000", 1000, Kind::Unsatisfiable},
      {"bytes=-0", 1000, Kind::Unsatisfiable},               // empty suffix
      {"bytes=0-", 0, Kind::Unsatisfiable},                  // empty file has no byte 0
      {"bytes=-10", 0, Kind::Unsatisfiable},
      {"bytes=5-1", 1000, Kind::Whole},                      // last < first: invalid, ignored
      {"bytes=0-1,5-6", 1000, Kind::Whole},                  // several ranges: ignored
      {"bytes=0-1, bytes=4-5", 1000, Kind::Whole},           // repeated fields joined
      {"items=0-1", 1000, Kind::Whole},                      // another unit
      {"bytes=", 1000, Kind::Whole},
      {"bytes=-", 1000, Kind::Whole},
      {"bytes=a-b", 1000, Kind::Whole},
      {"bytes=+1-2", 1000, Kind::Whole},
      {"bytes=1-2x", 1000, Kind::Whole},
      {"bytes 0-1", 1000, Kind::Whole},
      {"bytes=99999999999999999999-", 1000, Kind::Whole},   // overflow: not a number we accept
      {"bytes=0-99999999999999999999", 1000, Kind::Whole},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.field.value_or("(none)")) + " size " + std::to_string(c.size));
    const auto d = decide_range(c.field, c.size);
    EXPECT_EQ(d.kind, c.kind);
    if (c.kind == Kind::Partial) {
      EXPECT_EQ(d.range.first, c.first);
      EXPECT_EQ(d.range.last, c.last);
      EXPECT_EQ(d.range.length(), c.last - c.first + 1);
    }
  }
}

}  // namespace
}  // namespace netboot::http
