#include "core/log_limiter.hpp"

#include <fmt/format.h>

namespace netboot {

LogLimiter::Decision LogLimiter::admit(std::string_view kind, SteadyTime now) {
  auto it = windows_.find(kind);
  if (it == windows_.end()) it = windows_.emplace(std::string(kind), Window{now, 0, 0}).first;
  Window& window = it->second;
  if (now - window.start >= interval_) {
    window.start = now;
    window.used = 0;
  }
  if (window.used >= burst_) {
    ++window.suppressed;
    ++suppressed_total_;
    return {false, 0};
  }
  ++window.used;
  const Decision decision{true, window.suppressed};
  window.suppressed = 0;
  return decision;
}

std::uint64_t LogLimiter::unreported() const {
  std::uint64_t total = 0;
  for (const auto& [kind, window] : windows_) total += window.suppressed;
  return total;
}

std::string LogLimiter::suffix(const Decision& decision) {
  if (decision.suppressed == 0) return {};
  return fmt::format(" ({} similar line{} not logged)", decision.suppressed, decision.suppressed == 1 ? "" : "s");
}

}  // namespace netboot
