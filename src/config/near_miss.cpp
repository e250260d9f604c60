#include "config/near_miss.hpp"

#include <algorithm>
#include <vector>

namespace netboot::config {
namespace {

// Code points, so that a typo in a non-ASCII letter counts as one mistake, not two or three.
// Invalid UTF-8 bytes stand for themselves; only ASCII letters fold case.
std::u32string code_points(std::string_view text) {
  std::u32string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    bool valid = length != 0 && i + length <= text.size();
    char32_t point = length == 1 ? lead : length == 2 ? (lead & 0x1F) : length == 3 ? (lead & 0x0F) : (lead & 0x07);
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0) == 0x80;
      point = (point << 6) | (next & 0x3F);
    }
    if (!valid) {
      out.push_back(0x110000 + lead);  // outside Unicode: equal only to the same invalid byte
      ++i;
      continue;
    }
    if (point >= 'A' && point <= 'Z') point += 'a' - 'A';
    out.push_back(point);
    i += length;
  }
  return out;
}

std::size_t distance(const std::u32string& a, const std::u32string& b) {
  // Three rows of the dynamic-programming table: the swap needs the row before the previous.
  const std::size_t n = b.size();
  std::vector<std::size_t> before(n + 1), previous(n + 1), current(n + 1);
  for (std::size_t j = 0; j <= n; ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= n; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        current[j] = std::min(current[j], before[j - 2] + 1);
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[n];
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) { return distance(code_points(a), code_points(b)); }

std::vector<std::string_view> near_miss(std::string_view name, std::span<const std::string_view> known) {
  // Names are short (under 30 characters): the quadratic distance costs nothing here, and a
  // hostile file cannot make it expensive since only unknown names of sane length are compared.
  if (name.empty() || name.size() > 256) return {};
  const auto points = code_points(name);
  if (points.size() > 64) return {};
  const std::size_t allowed = points.size() <= 4 ? 1 : 2;
  std::vector<std::string_view> best;
  std::size_t best_distance = allowed + 1;
  for (const auto candidate : known) {
    const std::size_t d = distance(points, code_points(candidate));
    if (d == 0) return {};
    if (d > allowed) continue;
    if (d < best_distance) {
      best.clear();
      best_distance = d;
    }
    if (d == best_distance && std::find(best.begin(), best.end(), candidate) == best.end()) best.push_back(candidate);
  }
  return best;
}

std::string one_of(std::span<const std::string_view> names, std::string_view open, std::string_view close) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out.append(open).append(names[i]).append(close);
  }
  return out;
}

}  // namespace netboot::config
