#pragma once
// HTTP dates (RFC 9110 5.6.7): Last-Modified and Date are sent as IMF-fixdate.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace netboot::http {

/// "Sun, 06 Nov 1994 08:49:37 GMT" for a Unix time in seconds.
[[nodiscard]] std::string format_http_date(std::int64_t unix_seconds);
/// IMF-fixdate only; the obsolete RFC 850 and asctime forms yield nullopt, and an
/// If-Modified-Since we cannot read is ignored (RFC 9110 13.1.3).
[[nodiscard]] std::optional<std::int64_t> parse_http_date(std::string_view text);

}  // namespace netboot::http
