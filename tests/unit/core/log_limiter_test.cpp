#include "core/log_limiter.hpp"

#include <gtest/gtest.h>

namespace netboot {
namespace {

using namespace std::chrono_literals;

TEST(LogLimiter, ABurstPassesThenLinesAreCountedAndReportedWithTheNextOneLetThrough) {
  ManualClock clock;
  LogLimiter limiter(3, 10s);
  for (int i = 0; i < 3; ++i) {
    const auto d = limiter.admit("dhcp ignored", clock.now());
    EXPECT_TRUE(d.log);
    EXPECT_EQ(d.suppressed, 0U);
  }
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(limiter.admit("dhcp ignored", clock.now()).log);
  clock.advance(9s);
  EXPECT_FALSE(limiter.admit("dhcp ignored", clock.now()).log);  // same interval
  clock.advance(1s);
  const auto next = limiter.admit("dhcp ignored", clock.now());
  EXPECT_TRUE(next.log);
  EXPECT_EQ(next.suppressed, 1001U);
  EXPECT_EQ(LogLimiter::suffix(next), " (1001 similar lines not logged)");
  const auto after = limiter.admit("dhcp ignored", clock.now());
  EXPECT_TRUE(after.log);
  EXPECT_EQ(after.suppressed, 0U);  // reported once
  EXPECT_EQ(LogLimiter::suffix(after), "");
}

TEST(LogLimiter, WhatNoLaterLineReportedIsStillCounted) {
  ManualClock clock;
  LogLimiter limiter(1, 10s);
  EXPECT_EQ(limiter.unreported(), 0U);
  limiter.admit("a", clock.now());
  limiter.admit("b", clock.now());
  for (int i = 0; i < 5; ++i) limiter.admit("a", clock.now());
  for (int i = 0; i < 2; ++i) limiter.admit("b", clock.now());
  EXPECT_EQ(limiter.unreported(), 7U);
  clock.advance(10s);
  EXPECT_EQ(limiter.admit("a", clock.now()).suppressed, 5U);
  EXPECT_EQ(limiter.unreported(), 2U);
}

TEST(LogLimiter, VerboseLetsEverythingThrough) {
  LogLimiter limiter(1, std::chrono::hours(1));
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter.admit("k", true).log);
  EXPECT_TRUE(limiter.admit("k", false).log);
  EXPECT_FALSE(limiter.admit("k", false).log);
}

TEST(LogLimiter, KindsHaveTheirOwnBudget) {
  ManualClock clock;
  LogLimiter limiter(1, 1s);
  EXPECT_TRUE(limiter.admit("tftp refused", clock.now()).log);
  EXPECT_FALSE(limiter.admit("tftp refused", clock.now()).log);
  EXPECT_TRUE(limiter.admit("http refused", clock.now()).log);
  clock.advance(1s);
  const auto d = limiter.admit("tftp refused", clock.now());
  EXPECT_TRUE(d.log);
  EXPECT_EQ(LogLimiter::suffix(d), " (1 similar line not logged)");
}

TEST(LogLimiter, ASteadyTrickleBelowTheBurstIsNeverCut) {
  ManualClock clock;
  LogLimiter limiter(5, 10s);
  for (int i = 0; i < 1000; ++i) {
    const auto d = limiter.admit("k", clock.now());
    ASSERT_TRUE(d.log) << i;
    ASSERT_EQ(d.suppressed, 0U);
    clock.advance(2s);  // 5 per 10 s
  }
}

}  // namespace
}  // namespace netboot
