#include <gtest/gtest.h>

#include "dhcp/pipeline/force_broadcast.hpp"
#include "unit/dhcp/step_test_support.hpp"

namespace netboot::dhcp {
namespace {

using test::mac;
using test::classified;

TEST(ForceBroadcastStep, MatchesConfiguredPrefixes) {
  ForceBroadcast step({*MacPrefix::parse("52:54:00/24")});
  auto buggy = classified({});
  step.apply(buggy);
  EXPECT_TRUE(buggy.force_broadcast);
  auto fine = classified({.mac = mac("00:11:22:33:44:55")});
  step.apply(fine);
  EXPECT_FALSE(fine.force_broadcast);
}

}  // namespace
}  // namespace netboot::dhcp
