#pragma once
#include <string_view>

#include "dhcp/pipeline/exchange.hpp"
#include "dhcp/pipeline/verdict.hpp"

namespace netboot::dhcp {

/// One concern of the request handling (CoreDHCP's handler): reads the exchange, writes
/// its part of the reply draft, answers with a verdict. Configuration comes through the
/// constructor. A step that may Park must be safe to run again on the same exchange: it is
/// re-run on resume and then finds its result in the exchange.
class Step {
 public:
  Step() = default;
  Step(const Step&) = delete;
  Step& operator=(const Step&) = delete;
  virtual ~Step() = default;
  /// For logs and counters: "select-boot-file".
  [[nodiscard]] virtual std::string_view name() const = 0;
  virtual Verdict apply(Exchange& ex) = 0;
};

}  // namespace netboot::dhcp
