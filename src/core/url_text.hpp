#pragma once
// Pure helpers for the http(s) URLs of a remote TFTP root ([tftp] root = http://...): what
// a log line may show of them, and which redirects stay within the root.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace netboot {

/// `url` with the password of its user info replaced by "***" ("http://admin:***@host/x";
/// user info without a password, often a token, becomes "***@"). Every URL that reaches a
/// log line goes through this: a root's credentials are never written out.
[[nodiscard]] std::string url_for_log(std::string_view url);

/// "scheme://host:port" of an absolute http(s) URL, lower-cased, the default port made
/// explicit, the user info left out; nothing for anything else.
[[nodiscard]] std::optional<std::string> origin_of(std::string_view url);

/// True when `target` (an absolute http(s) URL) has the scheme, host and port of `base`,
/// and no user info other than base's: the only redirects ever followed.
[[nodiscard]] bool same_origin(std::string_view base, std::string_view target);

/// True when `target`'s path lies beneath `root`'s path (both absolute URLs of one origin):
/// "/files/a" is beneath "http://h/files", "/outside" and "/files/../x" (any "." or ".."
/// segment, percent-encoded or not) are not.
[[nodiscard]] bool beneath_root_path(std::string_view root, std::string_view target);

/// `target` carrying `base`'s user info when it has none of its own: a same-origin
/// redirect of a root with credentials keeps them.
[[nodiscard]] std::string with_user_info_of(std::string_view base, std::string_view target);

/// Why a redirect from a root `root` to `target` is not followed ("(another host)", ...),
/// or nothing when it may be: only with `same_host_allowed`, to the same origin, beneath
/// the root's path.
[[nodiscard]] std::optional<std::string> redirect_refusal(std::string_view root, std::string_view target,
                                                          bool same_host_allowed);

/// `path` percent-encoded for a URL (RFC 3986 §2.1): every byte but the unreserved ones
/// (ALPHA, DIGIT, "-._~") and '/' becomes %XX, as curl_easy_escape does per component.
[[nodiscard]] std::string url_path_escape(std::string_view path);

/// A Content-Length header's value: digits only (surrounding blanks allowed); "12abc",
/// "-5", "" and overflowing numbers are nothing.
[[nodiscard]] std::optional<std::uint64_t> parse_content_length(std::string_view value) noexcept;

}  // namespace netboot
