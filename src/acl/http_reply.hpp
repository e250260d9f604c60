#pragma once
// The authorization server's answer (pybootd README, "HTTP-based authentication"): 200
// grants, anything else refuses; a 200 body may name the client and its boot file.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace netboot::acl {

/// Bodies longer than this are not read: the answer is a refusal (fail closed).
inline constexpr std::size_t kMaxReplyBody = 16 * 1024;

/// What a 200 body says about the client.
struct AccessGrant {
  std::optional<std::string> hostname;   // "client: <hostname>" -> DHCP option 12
  std::optional<std::string> boot_file;  // "file: <name>" -> the client's boot file
  std::vector<std::string> ignored;      // values of those keys that were not acceptable, for the log
  friend bool operator==(const AccessGrant&, const AccessGrant&) = default;
};

/// Lines "key: value": key and value split at the first ':' and trimmed, keys any case,
/// CRLF or LF line ends; the last line of a key wins (pybootd reads them in order).
/// pybootd drops a line with a second ':' in it; we keep the rest after the first, so
/// "file: http://host/x" works. Other keys and lines are skipped silently (servers may
/// say more). A hostname that is not an RFC 1123 name, or a file name that would not fit
/// the BOOTP file field (127 bytes) or holds spaces or control characters, is refused
/// and noted in `ignored`.
[[nodiscard]] AccessGrant parse_access_reply(std::string_view body);

/// RFC 1123 §2.1 host name: dot-separated labels of letters, digits and '-' (and '_',
/// which real networks use), 1..63 bytes each, no '-' at either end, 253 bytes at most.
[[nodiscard]] bool is_valid_hostname(std::string_view name) noexcept;
/// 1..127 printable ASCII bytes without spaces (RFC 2131: `file` is 128 bytes, NUL-ended).
[[nodiscard]] bool is_valid_boot_file(std::string_view name) noexcept;

}  // namespace netboot::acl
