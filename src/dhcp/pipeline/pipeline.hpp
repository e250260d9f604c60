#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "core/mac_address.hpp"
#include "dhcp/pipeline/step.hpp"

namespace netboot::dhcp {

/// Says that a parked exchange may run again (its access decision is in): mac + xid identify it.
using ResumeParked = std::function<void(const MacAddress& mac, std::uint32_t xid)>;

/// The steps in a fixed order (the order lives in make_pipeline, not in configuration).
class Pipeline {
 public:
  /// `resume` is what the parking steps call (make_pipeline wires them to it); on_resume()
  /// sets its target.
  explicit Pipeline(std::vector<std::unique_ptr<Step>> steps,
                    std::shared_ptr<ResumeParked> resume = std::make_shared<ResumeParked>());

  /// Who hears that a parked exchange may run again: the owner that keeps parked exchanges
  /// (the DHCP service), which then calls run() again, never from inside the step's call.
  void on_resume(ResumeParked handler) { *resume_ = std::move(handler); }

  /// Runs from ex.next_step until a step answers Drop or Park, or the steps run out
  /// (Continue). On Park, ex.next_step stays on the parking step, so the next run() re-runs
  /// it with its result in hand. On Drop, ex.dropped_by names the step. Running an exchange
  /// that already finished returns Continue without running anything.
  Verdict run(Exchange& ex);

  [[nodiscard]] std::vector<std::string_view> step_names() const;
  [[nodiscard]] std::size_t size() const { return steps_.size(); }

 private:
  std::vector<std::unique_ptr<Step>> steps_;
  std::shared_ptr<ResumeParked> resume_;
};

}  // namespace netboot::dhcp
