#include "core/database_uri.hpp"

namespace netboot {

bool is_database_uri(std::string_view text) noexcept {
  return text.starts_with("postgresql://") || text.starts_with("postgres://");
}

namespace {

/// A query key as libpq reads it: percent-decoded ("%70assword" is "password"), lower case.
std::string decoded_key(std::string_view key) {
  std::string out;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (key[i] == '%' && i + 2 < key.size()) {
      const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      const int high = hex(key[i + 1]);
      const int low = hex(key[i + 2]);
      if (high >= 0 && low >= 0) {
        out += static_cast<char>(high * 16 + low);
        i += 2;
        continue;
      }
    }
    out += static_cast<char>(key[i] >= 'A' && key[i] <= 'Z' ? key[i] - 'A' + 'a' : key[i]);
  }
  return out;
}

}  // namespace

std::string redact_database_uri(std::string_view uri) {
  if (!is_database_uri(uri)) return std::string(uri);
  std::string out(uri);
  const std::size_t authority = out.find("://") + 3;
  // Userinfo: libpq looks for '@' before the first '/', but a password may hold '?', and a
  // mistyped one '/'. Err on the side of hiding: everything from the first ':' after the
  // scheme to the last '@' anywhere (over-hiding a host or path is harmless in a log).
  const std::size_t at = out.rfind('@');
  if (at != std::string::npos && at >= authority) {
    const std::size_t colon = out.find(':', authority);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  // Query parameters whose key (percent-decoded, any case) names a password: password,
  // sslpassword, and whatever else libpq may add.
  const std::size_t query = out.find('?', authority);
  if (query == std::string::npos) return out;
  std::string rebuilt = out.substr(0, query + 1);
  std::string_view rest = std::string_view(out).substr(query + 1);
  bool first = true;
  while (true) {
    const std::size_t amp = rest.find('&');
    const std::string_view param = rest.substr(0, amp);
    const std::size_t equals = param.find('=');
    if (!first) rebuilt += '&';
    first = false;
    if (equals != std::string_view::npos && decoded_key(param.substr(0, equals)).find("password") != std::string::npos)
      rebuilt.append(param.substr(0, equals + 1)).append("***");
    else
      rebuilt.append(param);
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return rebuilt;
}

}  // namespace netboot
