#include "tftp/path_rewriter.hpp"

#include "core/text.hpp"

namespace netboot::tftp {

bool glob_match(std::string_view pattern, std::string_view text) noexcept {
  // Iterative matcher with one backtrack point: linear in practice, no recursion.
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::optional<Rewrite> PathRewriter::apply(std::string_view requested, const FilterVariables& vars) const {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    std::string_view pattern = trim(rules_[i].pattern);
    // pybootd accepted an optional "./" before the name.
    if (pattern.substr(0, 2) == "./") pattern.remove_prefix(2);
    if (!glob_match(pattern, requested)) continue;

    std::string_view replacement = trim(rules_[i].replacement);
    Rewrite rewrite;
    rewrite.rule = i;
    if (replacement.size() >= 2 && replacement.front() == '[' && replacement.back() == ']') {
      rewrite.indirect = true;
      replacement = trim(replacement.substr(1, replacement.size() - 2));
    }
    // The fixed directory ends at the last '/' before the first variable (or the last '/'
    // of all when there is none).
    const auto first_variable = replacement.find('{');
    const auto fixed_end = replacement.substr(0, first_variable).rfind('/');
    if (fixed_end != std::string_view::npos) {
      rewrite.directory = std::string(replacement.substr(0, fixed_end == 0 ? 1 : fixed_end));
      replacement.remove_prefix(fixed_end + 1);
    }
    std::string name;
    while (!replacement.empty()) {
      const auto open = replacement.find('{');
      const auto close = open == std::string_view::npos ? open : replacement.find('}', open);
      if (close == std::string_view::npos) {
        name.append(replacement);
        break;
      }
      name.append(replacement.substr(0, open));
      const auto variable = replacement.substr(open + 1, close - open - 1);
      if (variable == "filename") {
        name.append(vars.filename);
        rewrite.has_variable = true;
      } else if (variable == "bootfile") {
        name.append(vars.bootfile.empty() ? vars.filename : vars.bootfile);
        rewrite.has_variable = true;
      } else {
        name.append(replacement.substr(open, close - open + 1));  // unknown: kept literally
      }
      replacement.remove_prefix(close + 1);
    }
    rewrite.name = std::move(name);
    return rewrite;
  }
  return std::nullopt;
}

}  // namespace netboot::tftp
