#include "http/byte_range.hpp"

#include <charconv>

namespace netboot::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

/// 1*DIGIT, nothing else; overflow is a failure.
std::optional<std::uint64_t> digits(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

}  // namespace

RangeDecision decide_range(const std::optional<std::string_view>& field, std::uint64_t size) {
  const RangeDecision whole{};
  if (!field) return whole;
  const std::string_view text = trim(*field);
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || !iequals_ascii(trim(text.substr(0, eq)), "bytes")) return whole;
  const std::string_view spec = trim(text.substr(eq + 1));
  if (spec.find(',') != std::string_view::npos) return whole;
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  const std::string_view first_text = spec.substr(0, dash);
  const std::string_view last_text = spec.substr(dash + 1);

  if (first_text.empty()) {  // suffix-range: the last N bytes
    const auto suffix = digits(last_text);
    if (!suffix) return whole;
    if (*suffix == 0 || size == 0) return {RangeDecision::Kind::Unsatisfiable, {}};
    const std::uint64_t length = *suffix < size ? *suffix : size;
    return {RangeDecision::Kind::Partial, {size - length, size - 1}};
  }
  const auto first = digits(first_text);
  if (!first) return whole;
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!last_text.empty()) {
    const auto given = digits(last_text);
    if (!given || *given < *first) return whole;  // invalid range-spec: ignore the field
    if (*given < last) last = *given;
  }
  if (*first >= size) return {RangeDecision::Kind::Unsatisfiable, {}};
  return {RangeDecision::Kind::Partial, {*first, last}};
}

}  // namespace netboot::http
