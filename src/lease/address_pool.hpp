#pragma once
// The dynamic range pool_start .. pool_start+pool_count-1 and which of its addresses are
// free. Knows nothing about leases or persistence: the allocator tells it what is taken.
//
// The free set is a hierarchical bitmap (64-way tree of words: a bit in level k+1 says "word
// j of level k has a free bit"), so first_free(), take() and put_back() each touch one word
// per level: 3 words for 50,000 addresses, 4 for a /8. pybootd scans its lease list for
// every client, which is quadratic as the pool fills.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/ipv4_address.hpp"

namespace netboot::lease {

class AddressPool {
 public:
  struct Range {
    Ipv4Address start;
    std::uint32_t count = 0;
  };
  /// All addresses start free. A range running past 255.255.255.255 is cut there.
  AddressPool(Ipv4Address start, std::uint32_t count);
  /// Several disjoint ranges (a [subnet] pool = a-b; c-d), sorted by start: one bitmap over
  /// their concatenation, so the costs stay those of one range (plus a binary search over
  /// the few ranges).
  explicit AddressPool(std::vector<Range> ranges);

  [[nodiscard]] Ipv4Address start() const { return start_; }
  [[nodiscard]] std::uint32_t size() const { return count_; }
  [[nodiscard]] std::uint32_t free_count() const { return free_; }
  [[nodiscard]] bool contains(Ipv4Address address) const;
  /// False outside the range.
  [[nodiscard]] bool is_free(Ipv4Address address) const;
  /// The lowest free address, if any.
  [[nodiscard]] std::optional<Ipv4Address> first_free() const;

  /// Marks an address taken / free again. Addresses outside the range are ignored;
  /// repeating a call changes nothing.
  void take(Ipv4Address address);
  void put_back(Ipv4Address address);

  /// Bitmap words read or written so far: lets tests assert the cost per operation.
  [[nodiscard]] std::uint64_t word_accesses() const { return word_accesses_; }

 private:
  [[nodiscard]] std::optional<std::uint32_t> offset(Ipv4Address address) const;
  [[nodiscard]] Ipv4Address address_at(std::uint32_t index) const;
  void build_levels();

  std::vector<Range> ranges_;          // sorted; empty for an empty pool
  std::vector<std::uint32_t> before_;  // addresses in the ranges before each one
  Ipv4Address start_;
  std::uint32_t count_ = 0;
  std::uint32_t free_ = 0;
  std::vector<std::vector<std::uint64_t>> levels_;  // levels_[0]: one bit per address; back(): one word
  mutable std::uint64_t word_accesses_ = 0;          // instrumentation only
};

}  // namespace netboot::lease
