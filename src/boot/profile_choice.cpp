#include "boot/profile_choice.hpp"

namespace netboot::boot {

ProfileChoice choose_profile(const config::BootProfiles& boot, const MacAddress& mac, const std::optional<Uuid>& uuid) {
  ProfileChoice choice;
  if (const auto exact = boot.by_exact_mac.find(mac); exact != boot.by_exact_mac.end()) {
    choice.profile = &boot.profiles[exact->second];
    return choice;
  }
  int best_bits = -1;
  for (const auto& rule : boot.by_mac)
    if (rule.key.matches(mac) && rule.key.bits >= best_bits) {  // the last of equals wins, as for a repeated key
      best_bits = rule.key.bits;
      choice.profile = &boot.profiles[rule.profile];
    }
  if (choice.profile != nullptr) return choice;
  if (uuid) {
    for (const auto& rule : boot.by_uuid)
      if (rule.key.matches(*uuid) && rule.key.bits >= best_bits) {
        best_bits = rule.key.bits;
        choice.profile = &boot.profiles[rule.profile];
      }
    if (choice.profile != nullptr) return choice;
  }
  if (boot.api.enabled()) {
    choice.ask_api = true;
    return choice;
  }
  if (boot.fallback) choice.profile = &boot.profiles[*boot.fallback];
  return choice;
}

BootSpec spec_of(const config::BootProfile& profile) {
  return BootSpec{profile.kernel, profile.initrds, profile.cmdline, "profile " + profile.name, true};
}

}  // namespace netboot::boot
