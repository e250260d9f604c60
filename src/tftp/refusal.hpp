#pragma once
// The ERROR packet a refused request gets, from why it was refused (an Errc from opening,
// locating or creating the file). One mapping, so every path answers the same way.
#include <string_view>

#include "core/result.hpp"
#include "tftp/tftp_packet.hpp"

namespace netboot::tftp {

struct Refusal {
  ErrorCode code = ErrorCode::NotDefined;
  std::string_view message;  // what the client is told (the log line gives the detail)
};

enum class Direction : std::uint8_t { Read, Write };

/// Read (RRQ): NotFound -> 1 "File not found"; Busy (a remote root's memory budget spent)
/// -> 0 "Server busy, try again later"; Io (a read failed, e.g. a remote root's HTTP 5xx or
/// a cut body) -> 0 "Server could not read the file"; anything else -> 2 "Access violation".
/// Write (WRQ): BadValue (the name exists) -> 6 "File already exists", NotFound (a missing
/// directory) -> 1 "Directory not found", anything else -> 2 "Access violation".
[[nodiscard]] Refusal refusal_for(Errc why, Direction direction) noexcept;

}  // namespace netboot::tftp
