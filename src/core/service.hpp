#pragma once
// The life cycle every service offers the composition root (app/server.cpp). It lives
// below net/ so that a service depends on nothing above it.
#include <string>

#include "core/result.hpp"

namespace netboot {

class Service {
 public:
  virtual ~Service() = default;
  /// Binds sockets and starts serving; an error is one line for the operator.
  virtual Result<void> start() = 0;
  /// Closes listeners and aborts work in progress (TFTP transfers get an ERROR).
  virtual void stop() = 0;
  /// stop() after a failed start: nothing was served, so nothing to report.
  virtual void abandon() { stop(); }
  /// "dhcp 0.0.0.0:67", for the ready line.
  [[nodiscard]] virtual std::string describe() const = 0;
};

}  // namespace netboot
