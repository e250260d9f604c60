#include "lease/lease.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace netboot::lease {
namespace {

TEST(LeaseToString, NamesEveryStateDistinctly) {
  const std::pair<LeaseState, std::string_view> cases[] = {
      {LeaseState::Offered, "offered"},
      {LeaseState::Bound, "bound"},
      {LeaseState::Released, "released"},
      {LeaseState::Declined, "declined"},
  };
  for (const auto& [state, text] : cases) EXPECT_EQ(to_string(state), text);
  EXPECT_EQ(to_string(static_cast<LeaseState>(200)), "unknown");
}

TEST(LeaseToString, NamesEveryBootPhase) {
  const std::pair<BootPhase, std::string_view> cases[] = {
      {BootPhase::Idle, "idle"},
      {BootPhase::Pxe, "pxe"},
      {BootPhase::Os, "os"},
  };
  for (const auto& [phase, text] : cases) EXPECT_EQ(to_string(phase), text);
  EXPECT_EQ(to_string(static_cast<BootPhase>(9)), "unknown");
}

}  // namespace
}  // namespace netboot::lease
