#include "tftp/refusal.hpp"

namespace netboot::tftp {

Refusal refusal_for(Errc why, Direction direction) noexcept {
  if (direction == Direction::Write) {
    if (why == Errc::BadValue) return {ErrorCode::FileExists, "File already exists"};
    if (why == Errc::NotFound) return {ErrorCode::FileNotFound, "Directory not found"};
    return {ErrorCode::AccessViolation, "Access violation"};
  }
  if (why == Errc::NotFound) return {ErrorCode::FileNotFound, "File not found"};
  if (why == Errc::Busy) return {ErrorCode::NotDefined, "Server busy, try again later"};
  return {ErrorCode::AccessViolation, "Access violation"};
}

}  // namespace netboot::tftp
