#pragma once
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace netboot {

/// A UUID in RFC 4122 order (the order of its usual text form).
class Uuid {
 public:
  constexpr Uuid() = default;
  explicit constexpr Uuid(std::array<std::uint8_t, 16> bytes) : bytes_(bytes) {}
  /// "xxxxxxxx-aaaa-bbbb-cccc-yyyyyyyyyyyy" (any case; dashes optional).
  static std::optional<Uuid> parse(std::string_view text) noexcept;
  /// PXE option 97 / SMBIOS wire order: the first three fields are little-endian
  /// (firmware-requests.md). `wire` is the 16 bytes after the type byte.
  static Uuid from_smbios_bytes(std::span<const std::uint8_t, 16> wire) noexcept;
  [[nodiscard]] std::array<std::uint8_t, 16> to_smbios_bytes() const noexcept;
  [[nodiscard]] constexpr const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
  /// Lower-case canonical text form.
  [[nodiscard]] std::string to_string() const;
  friend constexpr auto operator<=>(const Uuid&, const Uuid&) = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
};

/// A [uuid] key: a UUID, a prefix ("12345678-abcd/48": every UUID starting with those 48
/// bits) or pybootd 1.8's "uuid/uuidmask" form (a UUID and a mask written as a UUID: the
/// bits set in the mask must equal, whatever the mask's shape).
struct UuidPrefix {
  Uuid uuid;                                // bits outside the mask are zero
  int bits = 128;                           // bits the mask keeps: the more, the more specific
  std::array<std::uint8_t, 16> mask = kFullMask;
  static constexpr std::array<std::uint8_t, 16> kFullMask = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                                             0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  static std::optional<UuidPrefix> parse(std::string_view text) noexcept;
  [[nodiscard]] bool matches(const Uuid& uuid) const noexcept;
  [[nodiscard]] bool is_exact() const noexcept { return bits == 128; }
  /// "uuid", "uuid/bits" for a prefix, "uuid/mask" for any other mask.
  [[nodiscard]] std::string to_string() const;
  friend constexpr auto operator<=>(const UuidPrefix&, const UuidPrefix&) = default;
};

}  // namespace netboot
