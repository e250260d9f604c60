#pragma once
// Which boot a machine gets (pure): [hosts] assignments, the boot API, the default.
#include <optional>

#include "boot/boot_spec.hpp"
#include "config/config.hpp"

namespace netboot::boot {

struct ProfileChoice {
  const config::BootProfile* profile = nullptr;  // a [profile] applies
  bool ask_api = false;                          // no [hosts] entry, and [boot_api] decides
  [[nodiscard]] bool none() const { return profile == nullptr && !ask_api; }
};

/// In this order: the most specific [hosts] MAC entry (exact over prefix, longer prefix over
/// shorter), else the most specific UUID entry, else the boot API when configured, else
/// [hosts] default, else nothing (the machine boots [bootfile] as before).
[[nodiscard]] ProfileChoice choose_profile(const config::BootProfiles& boot, const MacAddress& mac,
                                           const std::optional<Uuid>& uuid);

/// A profile as a BootSpec (its values are templates).
[[nodiscard]] BootSpec spec_of(const config::BootProfile& profile);

}  // namespace netboot::boot
