#include "core/result.hpp"

namespace netboot {

std::string_view to_string(Errc code) noexcept {
  switch (code) {
    case Errc::Truncated: return "truncated";
    case Errc::BadLength: return "bad length";
    case Errc::BadValue: return "bad value";
    case Errc::Unsupported: return "unsupported";
    case Errc::NotFound: return "not found";
    case Errc::AccessDenied: return "access denied";
    case Errc::Io: return "i/o error";
    case Errc::Busy: return "busy";
  }
  return "unknown";
}

}  // namespace netboot
