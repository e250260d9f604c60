#include "core/url_text.hpp"

#include <limits>
#include <string>

#include "core/text.hpp"

namespace netboot {

namespace {

struct UrlParts {
  std::string_view scheme;     // before "://"
  std::string_view user_info;  // before '@' in the authority (empty: none)
  bool has_user_info = false;
  std::string_view host_port;  // the authority after any user info
  std::string_view path;       // from the authority's end to '?' or '#'
  std::size_t authority_start = 0;
  std::size_t host_start = 0;
};

std::optional<UrlParts> split_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  UrlParts parts;
  parts.scheme = url.substr(0, scheme_end);
  parts.authority_start = scheme_end + 3;
  const std::string_view rest = url.substr(parts.authority_start);
  const auto authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  const auto at = authority.rfind('@');
  parts.has_user_info = at != std::string_view::npos;
  parts.user_info = parts.has_user_info ? authority.substr(0, at) : std::string_view{};
  parts.host_start = parts.authority_start + (parts.has_user_info ? at + 1 : 0);
  parts.host_port = parts.has_user_info ? authority.substr(at + 1) : authority;
  if (authority_end != std::string_view::npos) {
    const std::string_view after = rest.substr(authority_end);
    parts.path = after.substr(0, after.find_first_of("?#"));
  }
  return parts;
}

bool is_dot_segment(std::string_view segment) {
  std::string decoded;
  for (std::size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '%' && iequals(segment.substr(i, 3), "%2e")) {
      decoded += '.';
      i += 2;
    } else {
      decoded += segment[i];
    }
  }
  return decoded == "." || decoded == "..";
}

}  // namespace

std::string url_for_log(std::string_view url) {
  const auto parts = split_url(url);
  if (!parts || !parts->has_user_info) return std::string(url);
  const auto colon = parts->user_info.find(':');
  std::string shown(url.substr(0, parts->authority_start));
  if (colon != std::string_view::npos) {
    shown += parts->user_info.substr(0, colon);
    shown += ":***@";
  } else {
    shown += "***@";
  }
  shown += url.substr(parts->host_start);
  return shown;
}

std::optional<std::string> origin_of(std::string_view url) {
  const auto parts = split_url(url);
  if (!parts) return std::nullopt;
  const std::string scheme = to_lower(parts->scheme);
  if (scheme != "http" && scheme != "https") return std::nullopt;
  if (parts->host_port.empty()) return std::nullopt;
  std::string host(parts->host_port);
  const auto bracket = host.rfind(']');
  const auto colon = host.rfind(':');
  std::string port = scheme == "http" ? "80" : "443";
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    if (colon + 1 < host.size()) port = host.substr(colon + 1);
    host.resize(colon);
  }
  if (host.empty()) return std::nullopt;
  return scheme + "://" + to_lower(host) + ":" + port;
}

bool same_origin(std::string_view base, std::string_view target) {
  const auto a = origin_of(base);
  const auto b = origin_of(target);
  if (!a || !b || *a != *b) return false;
  const auto base_parts = split_url(base);
  const auto target_parts = split_url(target);
  // A target naming other credentials is another account: not the root's.
  return !target_parts->has_user_info ||
         (base_parts->has_user_info && target_parts->user_info == base_parts->user_info);
}

bool beneath_root_path(std::string_view root, std::string_view target) {
  const auto root_parts = split_url(root);
  const auto target_parts = split_url(target);
  if (!root_parts || !target_parts) return false;
  std::string_view prefix = root_parts->path;
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  const std::string_view path = target_parts->path;
  if (path.size() <= prefix.size() + 1 || path.substr(0, prefix.size()) != prefix || path[prefix.size()] != '/')
    return false;
  std::string_view rest = path.substr(prefix.size() + 1);
  while (true) {
    const auto slash = rest.find('/');
    if (is_dot_segment(rest.substr(0, slash))) return false;
    if (slash == std::string_view::npos) return true;
    rest.remove_prefix(slash + 1);
  }
}

std::string with_user_info_of(std::string_view base, std::string_view target) {
  const auto base_parts = split_url(base);
  const auto target_parts = split_url(target);
  if (!base_parts || !target_parts || !base_parts->has_user_info || target_parts->has_user_info)
    return std::string(target);
  std::string out(target.substr(0, target_parts->authority_start));
  out += base_parts->user_info;
  out += '@';
  out += target.substr(target_parts->authority_start);
  return out;
}

std::optional<std::string> redirect_refusal(std::string_view root, std::string_view target, bool same_host_allowed) {
  if (!same_host_allowed) return std::string("not followed ([tftp] remote_redirects = off)");
  if (!same_origin(root, target)) return std::string("not followed (another host)");
  if (!beneath_root_path(root, target)) return std::string("not followed (outside the root's path)");
  return std::nullopt;
}

std::optional<std::uint64_t> parse_content_length(std::string_view value) noexcept {
  value = trim(value);
  if (value.empty() || value.size() > 19) return std::nullopt;
  std::uint64_t n = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
  return n;
}

std::string url_path_escape(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size());
  for (const char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    const bool keep = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    if (keep) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

}  // namespace netboot
