#include "config/near_miss.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace netboot::config {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rows of the dynamic-programming table: the swap needs the row before the previous.
  const std::size_t n = b.size();
  std::vector<std::size_t> before(n + 1), previous(n + 1), current(n + 1);
  for (std::size_t j = 0; j <= n; ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= n; ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        current[j] = std::min(current[j], before[j - 2] + 1);
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[n];
}

std::optional<std::string_view> near_miss(std::string_view name, std::span<const std::string_view> known) {
  // Names are short (under 30 characters): the quadratic distance costs nothing here, and a
  // hostile file cannot make it expensive since only unknown names of sane length are compared.
  if (name.empty() || name.size() > 64) return std::nullopt;
  const std::size_t allowed = name.size() <= 4 ? 1 : 2;
  std::optional<std::string_view> best;
  std::size_t best_distance = allowed + 1;
  for (const auto candidate : known) {
    const std::size_t distance = edit_distance(name, candidate);
    if (distance == 0) return std::nullopt;
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace netboot::config
