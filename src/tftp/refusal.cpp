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
  // A failed read (a remote root's HTTP 5xx, a body cut short, a lying Content-Length) is
  // the server's trouble, not the client's lack of rights.
  if (why == Errc::Io) return {ErrorCode::NotDefined, "Server could not read the file"};
  return {ErrorCode::AccessViolation, "Access violation"};
}

}  // namespace netboot::tftp
