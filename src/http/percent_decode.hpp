#pragma once
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/text.hpp"

namespace netboot::http {

/// RFC 3986 2.1 percent-decoding of a path. '+' stays '+' (it means space only in forms).
/// A '%' not followed by two hex digits is an error (the request gets 400). Decoded NUL
/// bytes are kept: the path resolver refuses them, so the refusal is logged in one place.
[[nodiscard]] Result<std::string> percent_decode(std::string_view text);

/// `text` with control bytes, non-ASCII and '"' / '\' escaped, for one-line logs (shared
/// with TFTP: core/text).
using netboot::printable;

}  // namespace netboot::http
