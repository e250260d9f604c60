#pragma once
// Lines about refused requests: `if (auto end = admit_line(...)) log->warn("...{}", ..., *end);`
// The line is built only when it will be written (its level is on and the service's
// LogLimiter lets it through), and ends with the count of the lines held back before it.
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

#include "core/log_limiter.hpp"

namespace netboot::net {

inline std::optional<std::string> admit_line(const spdlog::logger& log, LogLimiter& limiter,
                                             spdlog::level::level_enum level, std::string_view kind) {
  // A line the level hides spends no budget; at debug every line is written.
  if (!log.should_log(level)) return std::nullopt;
  const auto admitted = limiter.admit(kind, log.should_log(spdlog::level::debug));
  if (!admitted.log) return std::nullopt;
  return LogLimiter::suffix(admitted);
}

}  // namespace netboot::net
