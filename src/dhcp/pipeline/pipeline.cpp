#include "dhcp/pipeline/pipeline.hpp"

namespace netboot::dhcp {

Pipeline::Pipeline(std::vector<std::unique_ptr<Step>> steps, std::shared_ptr<ResumeParked> resume)
    : steps_(std::move(steps)), resume_(std::move(resume)) {
  std::erase(steps_, nullptr);
}

Verdict Pipeline::run(Exchange& ex) {
  while (ex.next_step < steps_.size()) {
    Step& step = *steps_[ex.next_step];
    const Verdict verdict = step.apply(ex);
    if (verdict == Verdict::Park) return verdict;
    if (verdict == Verdict::Drop) {
      ex.dropped_by = step.name();
      if (ex.drop_reason.empty()) ex.drop_reason = "dropped";
      ex.next_step = steps_.size();  // a dropped exchange never resumes
      return verdict;
    }
    ++ex.next_step;
  }
  return ex.dropped_by.empty() ? Verdict::Continue : Verdict::Drop;
}

std::vector<std::string_view> Pipeline::step_names() const {
  std::vector<std::string_view> names;
  names.reserve(steps_.size());
  for (const auto& step : steps_) names.push_back(step->name());
  return names;
}

}  // namespace netboot::dhcp
