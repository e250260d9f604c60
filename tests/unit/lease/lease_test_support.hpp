#pragma once
// Helpers shared by the lease tests: addresses, leases, a post queue the test drains, a temp dir.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "lease/lease.hpp"
#include "lease/lease_store.hpp"

namespace netboot::lease::testing {

inline MacAddress mac(std::uint32_t n) {
  return MacAddress({0x52, 0x54, static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                     static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
}

inline Ipv4Address ip(std::string_view text) { return *Ipv4Address::parse(text); }

/// A fixed "now" with sub-microsecond digits, so time round trips are checked to the nanosecond.
inline WallTime t0() { return WallTime{} + std::chrono::seconds(1'800'000'000) + std::chrono::nanoseconds(123'456'789); }

inline Lease make_lease(const MacAddress& m, Ipv4Address a, LeaseState state = LeaseState::Bound,
                        WallTime expires = t0() + std::chrono::hours(24)) {
  Lease lease;
  lease.mac = m;
  lease.address = a;
  lease.state = state;
  lease.expires = expires;
  lease.updated = expires - std::chrono::hours(24);
  return lease;
}

/// Completions land here; the test runs them. Thread-safe like asio::post.
class PostQueue {
 public:
  Post hook() {
    return [this](std::function<void()> work) {
      {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(work));
        ++posted_;
      }
      changed_.notify_all();
    };
  }
  /// Runs everything posted so far; returns how many closures ran.
  std::size_t drain() {
    std::vector<std::function<void()>> work;
    {
      std::lock_guard lock(mutex_);
      work.swap(queue_);
    }
    for (auto& w : work) w();
    return work.size();
  }
  /// Waits (bounded) until at least `count` closures were posted in total.
  bool wait_posted(std::size_t count, std::chrono::seconds limit = std::chrono::seconds(30)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return posted_ >= count; });
  }
  std::size_t posted() {
    std::lock_guard lock(mutex_);
    return posted_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::function<void()>> queue_;
  std::size_t posted_ = 0;
};

/// A fresh directory under the system temp dir, removed with its content.
class TempDir {
 public:
  TempDir() {
    std::random_device seed;
    path_ = std::filesystem::temp_directory_path() / ("netboot-lease-" + std::to_string(seed()) + std::to_string(seed()));
    std::filesystem::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Records observer notifications as "-mac@addr" / "+mac@addr".
class RecordingObserver final : public LeaseObserver {
 public:
  void on_lease_removed(const Lease& lease) override { events.push_back("-" + describe(lease)); }
  void on_lease_added(const Lease& lease) override { events.push_back("+" + describe(lease)); }
  static std::string describe(const Lease& lease) {
    return lease.mac.to_string() + "@" + lease.address.to_string() + ":" + std::string(to_string(lease.state));
  }
  std::vector<std::string> events;
};

}  // namespace netboot::lease::testing
