#include "acl/http_reply.hpp"

#include <fmt/format.h>

#include "core/text.hpp"

namespace netboot::acl {
namespace {

// A refused value goes into a log line: no control bytes, bounded length.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 64)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u >= 0x7f ? '?' : c);
  }
  if (text.size() > 64) out += "...";
  return out;
}

}  // namespace

bool is_valid_hostname(std::string_view name) noexcept {
  if (name.empty() || name.size() > 253) return false;
  for (const auto label : split(name, '.')) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (const char c : label) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) return false;
    }
  }
  // split() trims; a name with blanks around a label is not a name.
  return name.find_first_of(" \t") == std::string_view::npos;
}

bool is_valid_boot_file(std::string_view name) noexcept {
  if (name.empty() || name.size() > 127) return false;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
  }
  return true;
}

AccessGrant parse_access_reply(std::string_view body) {
  AccessGrant grant;
  while (!body.empty()) {
    const auto end = body.find('\n');
    const std::string_view line = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(key, "client")) {
      if (is_valid_hostname(value)) grant.hostname = std::string(value);
      else grant.ignored.push_back(fmt::format("client '{}': not a host name", printable(value)));
    } else if (iequals(key, "file")) {
      if (is_valid_boot_file(value)) grant.boot_file = std::string(value);
      else grant.ignored.push_back(fmt::format("file '{}': not a usable boot file name", printable(value)));
    }
  }
  return grant;
}

}  // namespace netboot::acl
