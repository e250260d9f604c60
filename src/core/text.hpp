#pragma once
// Small text helpers shared by the configuration reader and the protocol codecs.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace netboot {

std::string_view trim(std::string_view text) noexcept;
std::string to_lower(std::string_view text);
bool iequals(std::string_view a, std::string_view b) noexcept;
bool istarts_with(std::string_view text, std::string_view prefix) noexcept;
/// Splits on `separator`, trimming each piece; empty pieces are kept so callers can reject them.
std::vector<std::string_view> split(std::string_view text, char separator);

/// The value of one hexadecimal digit (either case), -1 for anything else.
int hex_digit_value(char c) noexcept;

/// pybootd's boolean spellings, any case: on/off, true/false, enable(d)/disable(d),
/// yes/no, high/low, ok/ko, 1/0.
std::optional<bool> parse_bool(std::string_view text) noexcept;

/// A whole decimal number in [min, max]; no sign, no trailing garbage.
std::optional<std::uint64_t> parse_uint(std::string_view text, std::uint64_t min, std::uint64_t max) noexcept;
/// A non-negative decimal number such as "2" or "0.5" (pybootd's [tftp] timeout is a float).
std::optional<double> parse_seconds(std::string_view text) noexcept;

/// How much of a name or message from the network a log line shows, escaped.
inline constexpr std::size_t kPrintableLimit = 200;

/// `text` from the network made safe for a one-line log: control bytes (CR, LF: forged
/// lines), non-ASCII, '"' and '\' become "\xNN"; bounded, because a datagram or request
/// may carry 64 KiB (four times that escaped): past `limit` bytes of the escaped form (an
/// escape is never cut) it ends "... (N bytes)", N being the length of `text`.
std::string printable(std::string_view text, std::size_t limit = kPrintableLimit);

/// A short identifier chosen by a client or a relay (option 82's circuit-id and remote-id) for
/// a log line or the lease listing: printable ASCII as text, anything else as hex
/// (aa:bb:...), at most 64 characters (then "...").
std::string printable_id(std::string_view id);

}  // namespace netboot
