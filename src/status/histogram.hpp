#pragma once
// A Prometheus histogram with fixed buckets: observe() is a short scan and two adds, no
// allocation and no lock (everything that observes runs on the event loop).
#include <cstdint>
#include <span>
#include <vector>

namespace netboot::status {

/// Seconds: lease commits (one fsync group) and authorization queries.
inline constexpr double kLatencyBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                             0.1,    0.25,  0.5,    1,     2.5,   5,     10};
/// Seconds: whole TFTP transfers, from a few blocks to a multi-GB image.
inline constexpr double kTransferBuckets[] = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};

class Histogram {
 public:
  /// `upper_bounds` ascending; the +Inf bucket is implied.
  explicit Histogram(std::span<const double> upper_bounds)
      : bounds_(upper_bounds), counts_(upper_bounds.size() + 1, 0) {}

  void observe(double value) noexcept {
    std::size_t i = 0;
    while (i < bounds_.size() && value > bounds_[i]) ++i;
    ++counts_[i];
    sum_ += value;
    ++count_;
  }

  [[nodiscard]] std::span<const double> upper_bounds() const noexcept { return bounds_; }
  /// Per bucket, not cumulative; the last one is (last bound, +Inf).
  [[nodiscard]] std::span<const std::uint64_t> bucket_counts() const noexcept { return counts_; }
  [[nodiscard]] double sum() const noexcept { return sum_; }
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }

 private:
  std::span<const double> bounds_;
  std::vector<std::uint64_t> counts_;
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

}  // namespace netboot::status
