#include "app/logging.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <syslog.h>

#include <fmt/format.h>

namespace netboot::app {

spdlog::level::level_enum to_spdlog(config::LogLevel level) noexcept {
  switch (level) {
    case config::LogLevel::Critical: return spdlog::level::critical;
    case config::LogLevel::Error: return spdlog::level::err;
    case config::LogLevel::Warning: return spdlog::level::warn;
    case config::LogLevel::Info: return spdlog::level::info;
    case config::LogLevel::Debug: return spdlog::level::debug;
  }
  return spdlog::level::info;
}

Result<Logging> Logging::create(const config::LoggerConfig& config) {
  Logging logging;
  logging.level_ = to_spdlog(config.level);
  try {
    switch (config.type) {
      case config::LogSink::Stderr:
        logging.sink_ = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        logging.sink_->set_pattern("%Y-%m-%d %H:%M:%S.%e %l [%n] %v");
        break;
      case config::LogSink::Stdout:
        logging.sink_ = std::make_shared<spdlog::sinks::stdout_sink_mt>();
        logging.sink_->set_pattern("%Y-%m-%d %H:%M:%S.%e %l [%n] %v");
        break;
      case config::LogSink::File:
        logging.sink_ = std::make_shared<spdlog::sinks::basic_file_sink_mt>(config.file.string());
        logging.sink_->set_pattern("%Y-%m-%d %H:%M:%S.%e %l [%n] %v");
        break;
      case config::LogSink::Syslog:
        logging.sink_ = std::make_shared<spdlog::sinks::syslog_sink_mt>("netbootd", LOG_PID, LOG_DAEMON, true);
        logging.sink_->set_pattern("[%n] %v");
        break;
      case config::LogSink::None:
        logging.sink_ = std::make_shared<spdlog::sinks::null_sink_mt>();
        break;
    }
  } catch (const spdlog::spdlog_ex& e) {
    return fail(Errc::Io, fmt::format("cannot open log file {}: {}", config.file.string(), e.what()));
  }
  return logging;
}

std::shared_ptr<spdlog::logger> Logging::get(const std::string& service) const {
  auto logger = std::make_shared<spdlog::logger>(service, sink_);
  logger->set_level(level_);
  logger->flush_on(spdlog::level::info);  // operators tail the log; lines must not sit in a buffer
  return logger;
}

}  // namespace netboot::app
