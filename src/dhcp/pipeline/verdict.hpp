#pragma once
#include <cstdint>
#include <string_view>

namespace netboot::dhcp {

/// What a step decides. A drop's reason goes in Exchange::drop_reason (for the log line),
/// not in the enum.
enum class Verdict : std::uint8_t {
  Continue,  // go on with the next step
  Drop,      // no reply and no lease change
  Park,      // waiting for outside work (remote access check); run() again resumes at this step
};

constexpr std::string_view to_string(Verdict v) noexcept {
  switch (v) {
    case Verdict::Continue: return "continue";
    case Verdict::Drop: return "drop";
    case Verdict::Park: return "park";
  }
  return "?";
}

}  // namespace netboot::dhcp
