#pragma once
// Time is passed in, never read inside the functional core: state machines take
// a `now`, so tests drive them with a ManualClock, instantly and deterministically.
#include <chrono>

namespace netboot {

using SteadyTime = std::chrono::steady_clock::time_point;
using Duration = std::chrono::steady_clock::duration;
using WallTime = std::chrono::system_clock::time_point;

class ManualClock {
 public:
  [[nodiscard]] SteadyTime now() const noexcept { return now_; }
  void advance(Duration d) noexcept { now_ += d; }

 private:
  SteadyTime now_{};
};

}  // namespace netboot
