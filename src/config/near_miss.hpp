#pragma once
// "Did you mean [tftp]?": an unknown section or key that is one or two typing mistakes away
// from a known name is a mistake, not an extension (a [tftpp] typo must not leave
// TFTP on its defaults). Names far from every known one stay warnings, since pybootd files
// may carry extra keys.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace netboot::config {

/// Optimal string alignment distance (insertions, deletions, substitutions and swaps of
/// two neighbours, each 1) counted in UTF-8 code points, ignoring ASCII case.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

/// The known names `name` is a near miss of: every one at the smallest distance, within 1 edit
/// for names of up to 4 code points, 2 for longer ones (none when `name` is itself known), in
/// the order of `known`; empty when none is that close. All of them, since picking one of two
/// equally close names ([httpp]: [http] or [httpd]?) would guess.
[[nodiscard]] std::vector<std::string_view> near_miss(std::string_view name, std::span<const std::string_view> known);

/// "[http] or [httpd]", "'a', 'b' or 'c'": the names each wrapped in open/close.
[[nodiscard]] std::string one_of(std::span<const std::string_view> names, std::string_view open, std::string_view close);

}  // namespace netboot::config
