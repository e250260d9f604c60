#include "status/host_check.hpp"

#include <algorithm>
#include <cctype>

namespace netboot::status {

bool host_accepted(std::string_view host, Ipv4Address bound, std::span<const std::string> names) {
  if (host.empty() || host.front() == '[') return false;  // IPv6 literals: the service listens on IPv4 only
  if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    const auto port = host.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    host = host.substr(0, colon);
  }
  std::string name;
  name.reserve(host.size());
  for (const char c : host) name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (!name.empty() && name.back() == '.') name.pop_back();  // "localhost." is localhost
  if (name == "localhost") return true;
  if (const auto address = Ipv4Address::parse(name)) return bound.is_unspecified() || *address == bound;
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace netboot::status
