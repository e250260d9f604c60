#pragma once
// Which part of a list an /api/v1 request asks for: `?offset=N&limit=M`. Pure. The limit
// is bounded (a request asks for at most `max_limit` entries), so the size of an answer,
// and the time the loop spends building it, do not grow with the table.
#include <cstddef>
#include <optional>
#include <string_view>

namespace netboot::status {

struct ListWindow {
  std::size_t offset = 0;
  std::size_t limit = static_cast<std::size_t>(-1);

  friend bool operator==(const ListWindow&, const ListWindow&) = default;
};

struct ListBounds {
  std::size_t default_limit;
  std::size_t max_limit;
};

/// The window a query string ("offset=20&limit=50", without '?') asks for; keys other than
/// offset and limit are ignored. nullopt (400) for a value that is not a decimal number, a
/// limit of 0 or above `bounds.max_limit`.
[[nodiscard]] std::optional<ListWindow> parse_list_window(std::string_view query, ListBounds bounds);

}  // namespace netboot::status
