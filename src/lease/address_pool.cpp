#include "lease/address_pool.hpp"

#include <algorithm>
#include <bit>

namespace netboot::lease {
namespace {

constexpr std::uint64_t bit(std::uint32_t index) { return std::uint64_t{1} << (index % 64); }

}  // namespace

AddressPool::AddressPool(Ipv4Address start, std::uint32_t count) : AddressPool(std::vector<Range>{{start, count}}) {}

AddressPool::AddressPool(std::vector<Range> ranges) {
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.start < b.start; });
  std::uint64_t total = 0;
  for (auto& range : ranges) {
    const std::uint64_t room = std::uint64_t{0xFFFFFFFFu} - range.start.to_host_order() + 1;
    range.count = static_cast<std::uint32_t>(std::min<std::uint64_t>(range.count, room));
    if (range.count == 0) continue;
    before_.push_back(static_cast<std::uint32_t>(total));
    ranges_.push_back(range);
    total += range.count;
  }
  if (!ranges.empty()) start_ = ranges.front().start;
  count_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(total, 0xFFFFFFFFu));
  free_ = count_;
  build_levels();
}

void AddressPool::build_levels() {
  if (count_ == 0) return;
  // Level 0: one bit per address, all set (free). Each level above: a bit per word below.
  std::uint64_t bits = count_;
  for (;;) {
    const auto words = static_cast<std::size_t>((bits + 63) / 64);
    std::vector<std::uint64_t> level(words, ~std::uint64_t{0});
    if (bits % 64 != 0) level.back() = (std::uint64_t{1} << (bits % 64)) - 1;
    levels_.push_back(std::move(level));
    if (words == 1) break;
    bits = words;
  }
}

std::optional<std::uint32_t> AddressPool::offset(Ipv4Address address) const {
  if (ranges_.size() == 1) {  // the common case ([bootp]): no search
    const std::uint32_t delta = address.to_host_order() - ranges_[0].start.to_host_order();
    if (address < ranges_[0].start || delta >= ranges_[0].count) return std::nullopt;
    return delta;
  }
  const auto it = std::upper_bound(ranges_.begin(), ranges_.end(), address,
                                   [](Ipv4Address a, const Range& r) { return a < r.start; });
  if (it == ranges_.begin()) return std::nullopt;
  const auto i = static_cast<std::size_t>(it - ranges_.begin()) - 1;
  const std::uint32_t delta = address.to_host_order() - ranges_[i].start.to_host_order();
  if (delta >= ranges_[i].count) return std::nullopt;
  return before_[i] + delta;
}

Ipv4Address AddressPool::address_at(std::uint32_t index) const {
  const auto it = std::upper_bound(before_.begin(), before_.end(), index);
  const auto i = static_cast<std::size_t>(it - before_.begin()) - 1;
  return ranges_[i].start.plus(index - before_[i]);
}

bool AddressPool::contains(Ipv4Address address) const { return offset(address).has_value(); }

bool AddressPool::is_free(Ipv4Address address) const {
  const auto at = offset(address);
  if (!at) return false;
  const std::uint32_t i = *at;
  ++word_accesses_;
  return (levels_[0][i / 64] & bit(i)) != 0;
}

std::optional<Ipv4Address> AddressPool::first_free() const {
  if (free_ == 0) return std::nullopt;
  std::uint32_t index = 0;
  for (auto level = levels_.size(); level-- > 0;) {
    ++word_accesses_;
    const std::uint64_t word = levels_[level][index];
    index = index * 64 + static_cast<std::uint32_t>(std::countr_zero(word));
  }
  return address_at(index);
}

void AddressPool::take(Ipv4Address address) {
  const auto at = offset(address);
  if (!at) return;
  std::uint32_t index = *at;
  ++word_accesses_;
  if ((levels_[0][index / 64] & bit(index)) == 0) return;
  --free_;
  // Clear the bit; when its word empties, clear that word's bit one level up, and so on.
  for (auto& level : levels_) {
    ++word_accesses_;
    std::uint64_t& word = level[index / 64];
    word &= ~bit(index);
    if (word != 0) break;
    index /= 64;
  }
}

void AddressPool::put_back(Ipv4Address address) {
  const auto at = offset(address);
  if (!at) return;
  std::uint32_t index = *at;
  ++word_accesses_;
  if ((levels_[0][index / 64] & bit(index)) != 0) return;
  ++free_;
  // Set the bit; a word that was empty must now be announced one level up.
  for (auto& level : levels_) {
    ++word_accesses_;
    std::uint64_t& word = level[index / 64];
    const bool was_empty = word == 0;
    word |= bit(index);
    if (!was_empty) break;
    index /= 64;
  }
}

}  // namespace netboot::lease
