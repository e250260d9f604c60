#pragma once
// "Did you mean [tftp]?": an unknown section or key that is one or two typing mistakes away
// from a known name is a mistake, not an extension (issue 22: a [tftpp] typo must not leave
// TFTP on its defaults). Names far from every known one stay warnings, since pybootd files
// may carry extra keys.
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace netboot::config {

/// Optimal string alignment distance (insertions, deletions, substitutions and swaps of
/// two neighbours, each 1), ignoring case.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

/// The known name `name` is a near miss of: within 1 edit for names of up to 4 characters,
/// 2 for longer ones (never the name itself); nullopt when none is that close.
[[nodiscard]] std::optional<std::string_view> near_miss(std::string_view name, std::span<const std::string_view> known);

}  // namespace netboot::config
