#include "core/text_template.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace netboot {

Result<std::vector<TemplatePiece>> parse_template(std::string_view text, std::span<const std::string_view> known) {
  std::vector<TemplatePiece> pieces;
  std::string literal;
  const auto flush = [&] {
    if (!literal.empty()) pieces.push_back({false, std::move(literal)});
    literal.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      literal.push_back(c);
      ++i;
      continue;
    }
    if (c == '}') return fail(Errc::BadValue, "'}' without '{' (write '}}' for a literal brace)");
    if (c != '{') {
      literal.push_back(c);
      continue;
    }
    const auto close = text.find('}', i + 1);
    if (close == std::string_view::npos) return fail(Errc::BadValue, "'{' without '}' (write '{{' for a literal brace)");
    const std::string_view name = text.substr(i + 1, close - i - 1);
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string names;
      for (const auto k : known) names += fmt::format("{}{{{}}}", names.empty() ? "" : ", ", k);
      return fail(Errc::BadValue, fmt::format("unknown variable {{{}}} (known: {})", name, names));
    }
    flush();
    pieces.push_back({true, std::string(name)});
    i = close;
  }
  flush();
  return pieces;
}

}  // namespace netboot
