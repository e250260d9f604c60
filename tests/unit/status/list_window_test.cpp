#include "status/list_window.hpp"

#include <gtest/gtest.h>

namespace netboot::status {
namespace {

constexpr ListBounds kBounds{.default_limit = 100, .max_limit = 1000};

TEST(ListWindow, DefaultsWithoutAQuery) {
  EXPECT_EQ(parse_list_window("", kBounds), (ListWindow{.offset = 0, .limit = 100}));
}

TEST(ListWindow, ReadsOffsetAndLimitAndIgnoresOtherKeys) {
  EXPECT_EQ(parse_list_window("offset=20&limit=50", kBounds), (ListWindow{.offset = 20, .limit = 50}));
  EXPECT_EQ(parse_list_window("x=1&limit=1000&y", kBounds), (ListWindow{.offset = 0, .limit = 1000}));
}

TEST(ListWindow, RefusesWhatIsNotABoundedNumber) {
  for (const char* query : {"limit=0", "limit=1001", "limit=-1", "limit=", "limit=1e3", "offset=abc", "offset=1 ",
                            "limit=99999999999999999999", "offset=1234567890"})
    EXPECT_EQ(parse_list_window(query, kBounds), std::nullopt) << query;
}

}  // namespace
}  // namespace netboot::status
