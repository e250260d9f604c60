#include "status/list_window.hpp"

#include <charconv>

namespace netboot::status {

namespace {

std::optional<std::size_t> decimal(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;  // 9 digits: no overflow, far past any table
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<ListWindow> parse_list_window(std::string_view query, ListBounds bounds) {
  ListWindow window{.offset = 0, .limit = bounds.default_limit};
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    const auto key = pair.substr(0, eq);
    const auto value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (key == "offset") {
      const auto n = decimal(value);
      if (!n) return std::nullopt;
      window.offset = *n;
    } else if (key == "limit") {
      const auto n = decimal(value);
      if (!n || *n == 0 || *n > bounds.max_limit) return std::nullopt;
      window.limit = *n;
    }
  }
  return window;
}

}  // namespace netboot::status
