#pragma once
// Bounds the log lines a flood can cause. Each kind of per-request line (a DHCP request
// ignored, a TFTP or HTTP request refused) may pass `burst` times per `interval`; the rest
// are counted, and the count rides on the next line let through ("... (1234 similar lines
// not logged)"). A flood of spoofed DISCOVERs then costs a few lines per interval instead of
// one per datagram, while a single misbehaving client is still logged in full. Pure: the
// caller passes the time; one instance per service (the loop is single-threaded).
#include <cstdint>
#include <string>
#include <string_view>
#include <functional>
#include <map>

#include "core/clock.hpp"

namespace netboot {

/// The services' budget: 20 lines of a kind per 10 s, about what an operator reads.
inline constexpr unsigned kLogBurst = 20;
inline constexpr Duration kLogInterval = std::chrono::seconds(10);

class LogLimiter {
 public:
  LogLimiter(unsigned burst, Duration interval) : burst_(burst), interval_(interval) {}

  struct Decision {
    bool log = true;
    std::uint64_t suppressed = 0;  // lines of this kind not logged since the last one that was
  };
  /// Whether a line of `kind` may be logged at `now`.
  Decision admit(std::string_view kind, SteadyTime now);
  /// admit() at the steady clock's now; everything passes when `verbose` (level debug: the
  /// operator asked for every line).
  Decision admit(std::string_view kind, bool verbose = false) {
    return verbose ? Decision{} : admit(kind, std::chrono::steady_clock::now());
  }

  /// Lines counted but not yet reported with a later line (for a service's stop line).
  [[nodiscard]] std::uint64_t unreported() const;
  /// Every line held back since construction (the status service's counter).
  [[nodiscard]] std::uint64_t suppressed_total() const noexcept { return suppressed_total_; }

  /// " (N similar lines not logged)" when N > 0, else "": to append to the line let through.
  [[nodiscard]] static std::string suffix(const Decision& decision);

 private:
  struct Window {
    SteadyTime start{};
    unsigned used = 0;
    std::uint64_t suppressed = 0;
  };
  unsigned burst_;
  Duration interval_;
  // A handful of fixed kinds; std::less<> finds one by string_view without building a string.
  std::map<std::string, Window, std::less<>> windows_;
  std::uint64_t suppressed_total_ = 0;
};

}  // namespace netboot
