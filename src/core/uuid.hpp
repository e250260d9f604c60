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

/// A UUID prefix: "12345678-abcd/48" matches every UUID starting with those 48 bits.
struct UuidPrefix {
  Uuid uuid;  // bits past `bits` are zero
  int bits = 128;
  static std::optional<UuidPrefix> parse(std::string_view text) noexcept;
  [[nodiscard]] bool matches(const Uuid& uuid) const noexcept;
  [[nodiscard]] bool is_exact() const noexcept { return bits == 128; }
  [[nodiscard]] std::string to_string() const;
  friend constexpr auto operator<=>(const UuidPrefix&, const UuidPrefix&) = default;
};

}  // namespace netboot
