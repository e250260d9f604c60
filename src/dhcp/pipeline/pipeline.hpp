#pragma once
#include <memory>
#include <string_view>
#include <vector>

#include "dhcp/pipeline/step.hpp"

namespace netboot::dhcp {

/// The steps in a fixed order (the order lives in make_pipeline, not in configuration).
class Pipeline {
 public:
  explicit Pipeline(std::vector<std::unique_ptr<Step>> steps);

  /// Runs from ex.next_step until a step answers Drop or Park, or the steps run out
  /// (Continue). On Park, ex.next_step stays on the parking step, so the next run() re-runs
  /// it with its result in hand. On Drop, ex.dropped_by names the step. Running an exchange
  /// that already finished returns Continue without running anything.
  Verdict run(Exchange& ex);

  [[nodiscard]] std::vector<std::string_view> step_names() const;
  [[nodiscard]] std::size_t size() const { return steps_.size(); }

 private:
  std::vector<std::unique_ptr<Step>> steps_;
};

}  // namespace netboot::dhcp
