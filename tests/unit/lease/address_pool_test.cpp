#include "lease/address_pool.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "unit/lease/lease_test_support.hpp"

namespace netboot::lease {
namespace {

using testing::ip;

TEST(AddressPool, HandsOutTheLowestFreeAddress) {
  AddressPool pool(ip("10.0.0.10"), 5);
  EXPECT_EQ(pool.first_free(), ip("10.0.0.10"));
  pool.take(ip("10.0.0.10"));
  pool.take(ip("10.0.0.12"));
  EXPECT_EQ(pool.first_free(), ip("10.0.0.11"));
  pool.take(ip("10.0.0.11"));
  EXPECT_EQ(pool.first_free(), ip("10.0.0.13"));
  pool.put_back(ip("10.0.0.10"));
  EXPECT_EQ(pool.first_free(), ip("10.0.0.10"));
  EXPECT_EQ(pool.free_count(), 3U);
}

TEST(AddressPool, RepeatedAndOutOfRangeCallsChangeNothing) {
  AddressPool pool(ip("10.0.0.10"), 3);
  pool.take(ip("10.0.0.11"));
  pool.take(ip("10.0.0.11"));
  pool.take(ip("10.0.0.9"));
  pool.take(ip("10.0.0.13"));
  pool.put_back(ip("10.0.0.200"));
  EXPECT_EQ(pool.free_count(), 2U);
  pool.put_back(ip("10.0.0.11"));
  pool.put_back(ip("10.0.0.11"));
  EXPECT_EQ(pool.free_count(), 3U);
  EXPECT_FALSE(pool.is_free(ip("10.0.0.13")));
  EXPECT_FALSE(pool.contains(ip("10.0.0.9")));
  EXPECT_TRUE(pool.contains(ip("10.0.0.12")));
  EXPECT_FALSE(pool.contains(ip("10.0.0.13")));
}

TEST(AddressPool, EmptyPoolHasNothingToGive) {
  AddressPool pool(ip("10.0.0.10"), 0);
  EXPECT_EQ(pool.first_free(), std::nullopt);
  EXPECT_FALSE(pool.contains(ip("10.0.0.10")));
  pool.take(ip("10.0.0.10"));
  pool.put_back(ip("10.0.0.10"));
  EXPECT_EQ(pool.free_count(), 0U);
}

TEST(AddressPool, RangeEndsAtTheLastAddress) {
  AddressPool pool(ip("255.255.255.250"), 100);
  EXPECT_EQ(pool.size(), 6U);
  EXPECT_TRUE(pool.contains(Ipv4Address::broadcast()));
  for (int i = 0; i < 6; ++i) pool.take(*pool.first_free());
  EXPECT_EQ(pool.first_free(), std::nullopt);
}

// Sizes around the 64-bit word and 4096-address level boundaries, driven by a seeded random
// sequence and checked against a std::set reference after every step.
TEST(AddressPool, AgreesWithAReferenceSetAcrossLevelBoundaries) {
  for (const std::uint32_t size : {1U, 63U, 64U, 65U, 4095U, 4096U, 4097U, 70'000U}) {
    SCOPED_TRACE(size);
    AddressPool pool(ip("10.0.0.0"), size);
    std::set<std::uint32_t> free;
    for (std::uint32_t i = 0; i < size; ++i) free.insert(i);
    std::mt19937 random(size);
    std::uniform_int_distribution<std::uint32_t> pick(0, size - 1);
    for (int step = 0; step < 20'000; ++step) {
      const std::uint32_t offset = step % 3 == 0 && !free.empty() ? *free.begin() : pick(random);
      if (random() % 2 == 0) {
        pool.take(ip("10.0.0.0").plus(offset));
        free.erase(offset);
      } else {
        pool.put_back(ip("10.0.0.0").plus(offset));
        free.insert(offset);
      }
      const auto expected = free.empty() ? std::nullopt : std::optional(ip("10.0.0.0").plus(*free.begin()));
      ASSERT_EQ(pool.first_free(), expected) << "step " << step;
      ASSERT_EQ(pool.free_count(), free.size());
    }
  }
}

TEST(AddressPool, TakingEveryAddressInOrderCostsAFewWordsEach) {
  constexpr std::uint32_t kSize = 50'000;
  AddressPool pool(ip("10.0.0.0"), kSize);
  std::uint64_t worst = 0;
  for (std::uint32_t i = 0; i < kSize; ++i) {
    const std::uint64_t before = pool.word_accesses();
    const auto address = pool.first_free();
    ASSERT_EQ(address, ip("10.0.0.0").plus(i));
    pool.take(*address);
    worst = std::max(worst, pool.word_accesses() - before);
  }
  // 3 levels for 50,000 addresses: 3 reads to find, 1 check + at most 3 writes to take.
  EXPECT_LE(worst, 7U);
  EXPECT_EQ(pool.first_free(), std::nullopt);
}

}  // namespace
}  // namespace netboot::lease
