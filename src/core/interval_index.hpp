#pragma once
// Disjoint address intervals -> an id, answered by binary search: the subnet a request
// belongs to, the pool an address is in. With 1,000 subnets a lookup is at most 11
// comparisons; comparisons() lets tests assert that bound without a timer.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/ipv4_address.hpp"

namespace netboot {

class IntervalIndex {
 public:
  /// Adds [first, last] for `id`; call finish() once every interval is in. The intervals
  /// must not overlap (the configuration loader rejects overlapping subnets and pools).
  void add(Ipv4Address first, Ipv4Address last, std::uint32_t id) {
    entries_.push_back({first.to_host_order(), last.to_host_order(), id});
  }
  void finish() {
    std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) { return a.first < b.first; });
    first_.clear();
    first_.reserve(entries_.size());
    for (const auto& e : entries_) first_.push_back(e.first);
  }

  /// The id of the interval holding `address`: the last interval starting at or below it,
  /// if it reaches that far.
  [[nodiscard]] std::optional<std::uint32_t> find(Ipv4Address address) const {
    const std::uint32_t a = address.to_host_order();
    const auto it = std::upper_bound(first_.begin(), first_.end(), a, [this](std::uint32_t value, std::uint32_t first) {
      ++comparisons_;
      return value < first;
    });
    if (it == first_.begin()) return std::nullopt;
    const auto& entry = entries_[static_cast<std::size_t>(it - first_.begin()) - 1];
    ++comparisons_;
    if (a > entry.last) return std::nullopt;
    return entry.id;
  }

  [[nodiscard]] std::size_t size() const { return entries_.size(); }
  /// Comparisons made by find() so far (instrumentation only).
  [[nodiscard]] std::uint64_t comparisons() const { return comparisons_; }

 private:
  struct Entry {
    std::uint32_t first, last, id;
  };
  std::vector<Entry> entries_;       // sorted by first after finish()
  std::vector<std::uint32_t> first_; // the starts alone, for a cache-friendly search
  mutable std::uint64_t comparisons_ = 0;
};

}  // namespace netboot
