#include "lease/lease.hpp"

namespace netboot::lease {

std::string_view to_string(LeaseState state) noexcept {
  switch (state) {
    case LeaseState::Offered: return "offered";
    case LeaseState::Bound: return "bound";
    case LeaseState::Released: return "released";
    case LeaseState::Declined: return "declined";
  }
  return "unknown";
}

std::string_view to_string(BootPhase phase) noexcept {
  switch (phase) {
    case BootPhase::Idle: return "idle";
    case BootPhase::Pxe: return "pxe";
    case BootPhase::Os: return "os";
  }
  return "unknown";
}

}  // namespace netboot::lease
