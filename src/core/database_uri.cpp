#include "core/database_uri.hpp"

namespace netboot {

bool is_database_uri(std::string_view text) noexcept {
  return text.starts_with("postgresql://") || text.starts_with("postgres://");
}

std::string redact_database_uri(std::string_view uri) {
  if (!is_database_uri(uri)) return std::string(uri);
  std::string out(uri);
  const std::size_t authority = out.find("://") + 3;
  // userinfo ends at the last '@' before the path or query (a password may contain '@' only
  // percent-encoded, but be generous: the last one wins).
  const std::size_t authority_end = out.find_first_of("/?", authority);
  const std::size_t at = out.rfind('@', authority_end == std::string::npos ? std::string::npos : authority_end);
  if (at != std::string::npos && at >= authority) {
    const std::size_t colon = out.find(':', authority);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  // password=... in the query string, up to the next '&'.
  for (std::size_t query = out.find('?'); query != std::string::npos;) {
    std::size_t key = out.find("password=", query);
    if (key == std::string::npos) break;
    if (out[key - 1] != '?' && out[key - 1] != '&') {
      query = key + 1;
      continue;
    }
    const std::size_t value = key + 9;
    const std::size_t end = out.find('&', value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
    query = value + 3;
  }
  return out;
}

}  // namespace netboot
