#pragma once
// pybootd's [filters]: "glob = replacement". The first rule whose glob matches the whole
// requested name wins (rules keep their file order). In the replacement, {filename} is the
// requested name and {bootfile} the client's boot file from its lease ("file:" line of the
// HTTP access check; the requested name when there is none); a replacement in brackets,
// "[dir/{filename}.cfg]", names a file whose first line is the name to serve.
//
// Confinement: the part of the replacement the administrator wrote up to the first variable
// is a fixed directory, honoured wherever it is (pybootd's README serves pybootd/etc/pxe.cfg
// from outside the root); everything from the first variable on may carry client text and is
// resolved beneath that directory only.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace netboot::tftp {

/// '*' matches any run of characters ('/' included, as in pybootd), '?' exactly one.
[[nodiscard]] bool glob_match(std::string_view pattern, std::string_view text) noexcept;

struct FilterVariables {
  std::string_view filename;  // the requested name (sanitised)
  std::string_view bootfile;  // the client's per-lease boot file, or empty
};

struct Rewrite {
  std::string directory;  // fixed, administrator-written; "" = the root; may be absolute
  std::string name;       // to resolve beneath `directory`; may hold client text
  bool has_variable = false;  // `name` came (partly) from a substitution
  bool indirect = false;  // [path]: the file holds the name to serve
  std::size_t rule = 0;   // index of the matching rule, for logs
};

class PathRewriter {
 public:
  explicit PathRewriter(std::vector<config::FilterRule> rules) : rules_(std::move(rules)) {}
  /// The rewrite for `requested`, or nullopt when no rule matches (serve it as asked).
  [[nodiscard]] std::optional<Rewrite> apply(std::string_view requested, const FilterVariables& vars) const;
  [[nodiscard]] const std::vector<config::FilterRule>& rules() const noexcept { return rules_; }
  [[nodiscard]] bool empty() const noexcept { return rules_.empty(); }

 private:
  std::vector<config::FilterRule> rules_;
};

}  // namespace netboot::tftp
