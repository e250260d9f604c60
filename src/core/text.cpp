#include "core/text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cctype>
#include <cmath>

namespace netboot {

int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view text) noexcept {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

bool istarts_with(std::string_view text, std::string_view prefix) noexcept {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto pos = text.find(separator);
    parts.push_back(trim(text.substr(0, pos)));
    if (pos == std::string_view::npos) break;
    text.remove_prefix(pos + 1);
  }
  return parts;
}

std::optional<bool> parse_bool(std::string_view text) noexcept {
  static constexpr std::array<std::string_view, 8> kTrue{"on", "true", "enable", "enabled", "yes", "high", "ok", "1"};
  static constexpr std::array<std::string_view, 8> kFalse{"off", "false", "disable", "disabled", "no", "low", "ko", "0"};
  text = trim(text);
  for (auto word : kTrue)
    if (iequals(text, word)) return true;
  for (auto word : kFalse)
    if (iequals(text, word)) return false;
  return std::nullopt;
}

std::optional<std::uint64_t> parse_uint(std::string_view text, std::uint64_t min, std::uint64_t max) noexcept {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) return std::nullopt;
  return value;
}

std::optional<double> parse_seconds(std::string_view text) noexcept {
  text = trim(text);
  if (text.empty() || text.front() == '-' || text.front() == '+') return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value) || value < 0) return std::nullopt;
  return value;
}

std::string printable(std::string_view text, std::size_t limit) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(text.size(), limit) + 24);
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool escaped = byte < 0x20 || byte >= 0x7F || c == '"' || c == '\\';
    if (out.size() + (escaped ? 4 : 1) > limit) {
      out += "... (" + std::to_string(text.size()) + " bytes)";
      break;
    }
    if (escaped) {
      out += "\\x";
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string printable_id(std::string_view id) {
  constexpr std::size_t kMaxIdText = 64;
  constexpr char kHex[] = "0123456789abcdef";
  const bool is_text = !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F;
  });
  std::string out;
  if (is_text) {
    out.assign(id.substr(0, kMaxIdText));
  } else {
    for (const char c : id) {
      if (out.size() + 3 > kMaxIdText) break;
      if (!out.empty()) out += ':';
      out += kHex[static_cast<unsigned char>(c) >> 4];
      out += kHex[static_cast<unsigned char>(c) & 0x0F];
    }
  }
  const std::size_t shown = is_text ? out.size() : (out.size() + 1) / 3;
  if (shown < id.size()) out += "...";
  return out;
}

}  // namespace netboot
