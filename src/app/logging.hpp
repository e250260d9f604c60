#pragma once
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "config/config.hpp"
#include "core/result.hpp"

namespace netboot::app {

/// The sink and level of [logger]; every service gets its own named logger on it, so each
/// line says which service it is about: "2026-11-25 17:02:03.123 info [dhcp] ...".
class Logging {
 public:
  static Result<Logging> create(const config::LoggerConfig& config);
  /// A logger named after a service ("dhcp", "tftp", "http", "main") on the shared sink.
  [[nodiscard]] std::shared_ptr<spdlog::logger> get(const std::string& service) const;

 private:
  std::shared_ptr<spdlog::sinks::sink> sink_;
  spdlog::level::level_enum level_ = spdlog::level::info;
};

spdlog::level::level_enum to_spdlog(config::LogLevel level) noexcept;

}  // namespace netboot::app
