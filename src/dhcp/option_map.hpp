#pragma once
// DHCP options as a value: code -> bytes. Repeated instances of a code are concatenated
// in arrival order (RFC 3396 §5), so every option is one logical value here however it
// was split on the wire. Typed getters return nullopt on a length that does not fit the
// type, never throw: the bytes came from the wire.
#include <cstdint>
#include <utility>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_reader.hpp"
#include "core/ipv4_address.hpp"
#include "dhcp/dhcp_constants.hpp"

namespace netboot::dhcp {

class OptionMap {
 public:
  // A vector sorted by code, not a std::map: a packet carries a dozen options, and one
  // block for all entries beats a tree node per option (the DHCP path's allocations).
  using Storage = std::vector<std::pair<OptionCode, Bytes>>;
  using const_iterator = Storage::const_iterator;

  [[nodiscard]] bool contains(OptionCode code) const { return find(code) != nullptr; }
  /// The raw value, or nullptr when absent. Valid until the map is modified.
  [[nodiscard]] const Bytes* find(OptionCode code) const;
  [[nodiscard]] std::size_t size() const noexcept { return options_.size(); }
  [[nodiscard]] bool empty() const noexcept { return options_.empty(); }
  [[nodiscard]] const_iterator begin() const noexcept { return options_.begin(); }
  [[nodiscard]] const_iterator end() const noexcept { return options_.end(); }

  /// Replaces the value of `code`. PAD and END are framing, not options: ignored.
  void set(OptionCode code, Bytes value);
  /// RFC 3396 §5: a repeated option continues the value of the earlier instance.
  void append(OptionCode code, ByteView value);
  /// Returns true when the option was present.
  bool erase(OptionCode code);
  void clear() noexcept { options_.clear(); }

  // Typed access. Getters want the exact length (address lists: a non-empty multiple of 4).
  [[nodiscard]] std::optional<std::uint8_t> get_u8(OptionCode code) const;
  [[nodiscard]] std::optional<std::uint16_t> get_u16(OptionCode code) const;
  [[nodiscard]] std::optional<std::uint32_t> get_u32(OptionCode code) const;
  [[nodiscard]] std::optional<Ipv4Address> get_address(OptionCode code) const;
  [[nodiscard]] std::optional<std::vector<Ipv4Address>> get_addresses(OptionCode code) const;
  /// The value as text, with trailing NULs removed (PXE ROMs and Windows NUL-terminate
  /// strings although RFC 2132 §2 says not to).
  [[nodiscard]] std::optional<std::string> get_string(OptionCode code) const;
  /// Option 55 style: every byte is an option code.
  [[nodiscard]] std::vector<OptionCode> get_codes(OptionCode code) const;

  void set_u8(OptionCode code, std::uint8_t value);
  void set_u16(OptionCode code, std::uint16_t value);
  void set_u32(OptionCode code, std::uint32_t value);
  void set_address(OptionCode code, Ipv4Address value);
  /// An empty list erases the option: RFC 2132 list options need at least one entry.
  void set_addresses(OptionCode code, const std::vector<Ipv4Address>& values);
  void set_string(OptionCode code, std::string_view value);

  friend bool operator==(const OptionMap&, const OptionMap&) = default;

 private:
  /// The value of `code`, inserted empty in code order when absent.
  Bytes& slot(OptionCode code);
  Storage options_;
};

/// True when option 55 of `options` lists `wanted`.
bool requests_option(const OptionMap& options, OptionCode wanted);

}  // namespace netboot::dhcp
