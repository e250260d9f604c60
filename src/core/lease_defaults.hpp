#pragma once
#include <chrono>

namespace netboot {

/// pybootd's default [bootp] lease_time (one day). The configuration and the lease layer,
/// which do not depend on each other, both read it here.
inline constexpr std::chrono::seconds kDefaultLeaseTime{86400};

}  // namespace netboot
