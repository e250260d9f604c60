#pragma once
// "{name}" templates (the [profile] cmdline, kernel and initrd values): parsed once at load
// so that an unknown name is a configuration error with its line, expanded per machine.
// "{{" and "}}" stand for literal braces.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace netboot {

struct TemplatePiece {
  bool variable = false;  // text is a variable's name, else literal text
  std::string text;
  friend bool operator==(const TemplatePiece&, const TemplatePiece&) = default;
};

/// Splits `text` into literal and variable pieces; every variable must be one of `known`.
/// Errors (Errc::BadValue): "unknown variable {x} (known: {a}, {b})", "'{' without '}'",
/// "'}' without '{'".
[[nodiscard]] Result<std::vector<TemplatePiece>> parse_template(std::string_view text,
                                                                std::span<const std::string_view> known);

}  // namespace netboot
