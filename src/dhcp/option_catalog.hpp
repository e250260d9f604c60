#pragma once
// A table of the options we know by name and value shape (Kea's option definitions,
// as data): used to print packets and to keep describe() output stable.
#include <cstdint>
#include <optional>
#include <string_view>

#include "dhcp/dhcp_constants.hpp"

namespace netboot::dhcp {

enum class OptionKind : std::uint8_t {
  Bytes,        // shown as hex
  U8,
  U16,
  U32,
  Address,
  AddressList,
  Text,
  CodeList,     // option 55: a list of option codes
  U16List,      // option 93: one or more architecture codes
};

struct OptionInfo {
  OptionCode code;
  std::string_view name;  // tcpdump/Kea style lower-case name: "subnet-mask"
  OptionKind kind;
};

/// The catalog entry for `code`, nullopt for options we do not know by name.
std::optional<OptionInfo> find_option_info(OptionCode code) noexcept;
/// "subnet-mask", or "option-224" for unknown codes.
std::string option_name(OptionCode code);

}  // namespace netboot::dhcp
