#include "lease/address_pool.hpp"

#include <algorithm>
#include <bit>

namespace netboot::lease {
namespace {

constexpr std::uint64_t bit(std::uint32_t index) { return std::uint64_t{1} << (index % 64); }

}  // namespace

AddressPool::AddressPool(Ipv4Address start, std::uint32_t count) : start_(start) {
  const std::uint64_t room = std::uint64_t{0xFFFFFFFFu} - start.to_host_order() + 1;
  count_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(count, room));
  free_ = count_;
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

std::uint32_t AddressPool::offset(Ipv4Address address) const {
  return address.to_host_order() - start_.to_host_order();
}

bool AddressPool::contains(Ipv4Address address) const {
  return address >= start_ && offset(address) < count_;
}

bool AddressPool::is_free(Ipv4Address address) const {
  if (!contains(address)) return false;
  const std::uint32_t i = offset(address);
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
  return start_.plus(index);
}

void AddressPool::take(Ipv4Address address) {
  if (!contains(address)) return;
  std::uint32_t index = offset(address);
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
  if (!contains(address)) return;
  std::uint32_t index = offset(address);
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
