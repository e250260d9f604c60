#include "config/ini_file.hpp"

#include <ini.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "core/text.hpp"

namespace netboot::config {
namespace {

// inih reads lines into a fixed buffer (INI_MAX_LINE = 200 in Debian's build). Longer
// lines (a long [tftp] root URL) are handed to inih as a short stand-in entry and
// restored from the raw text here.
constexpr std::string_view kLongLineKey = "__netbootd_long_line__";

// Sections whose keys are MAC addresses: "AA:BB:CC:DD:EE:FF = yes" would be split at the
// first ':' by inih (and by Python's ConfigParser), so these lines are re-split at '='.
bool has_mac_keys(std::string_view section) {
  return iequals(section, "mac") || iequals(section, "static_dhcp") || iequals(section, "buggy_clients") ||
         iequals(section, "hosts");
}

// Strips an inline ";" comment the way inih does (only when preceded by white space).
std::string_view strip_inline_comment(std::string_view text) {
  for (std::size_t i = 1; i < text.size(); ++i)
    if (text[i] == ';' && (text[i - 1] == ' ' || text[i - 1] == '\t')) return trim(text.substr(0, i));
  return trim(text);
}

struct ParseState {
  std::vector<std::string_view> lines;
  std::size_t next = 0;   // next line for the reader
  int current_line = 0;   // 1-based line inih is working on
  std::string stand_in;   // what was handed to inih for the current line
  IniFile file;
  std::string error;
};

char* read_line(char* out, int size, void* user) {
  auto& state = *static_cast<ParseState*>(user);
  if (!state.error.empty() || state.next >= state.lines.size()) return nullptr;
  const std::string_view raw = state.lines[state.next++];
  state.current_line = static_cast<int>(state.next);
  const std::string_view trimmed = trim(raw);
  const bool indented = !raw.empty() && (raw.front() == ' ' || raw.front() == '\t');
  if (!trimmed.empty() && trimmed.front() == '[') {
    // inih (like ConfigParser) reads an indented line after a key as more of that key's
    // value, so "  [tftp]" would silently become text in the section above.
    if (indented && !state.file.sections.empty() && !state.file.sections.back().entries.empty()) {
      state.error = fmt::format("{}:{}: '{}' is indented: a section header must start at the beginning of the line "
                                "(an indented line continues the value of the key above it)",
                                state.file.path, state.current_line, trimmed);
      return nullptr;
    }
    const auto close = trimmed.find(']');
    if (close != std::string_view::npos)
      state.file.sections.push_back({std::string(trim(trimmed.substr(1, close - 1))), state.current_line, {}});
  }
  const auto capacity = static_cast<std::size_t>(size) - 2;  // room for '\n' and NUL
  if (raw.size() <= capacity) {
    state.stand_in.assign(raw);
  } else if (trimmed.empty() || trimmed.front() == ';' || trimmed.front() == '#') {
    state.stand_in = trimmed.empty() ? std::string() : std::string(";");
  } else if (trimmed.front() != '[' && raw.find_first_of("=:") != std::string_view::npos) {
    // "key = value" or "key: value": restored whole from the raw line in on_entry.
    state.stand_in = fmt::format("{} = {}", kLongLineKey, state.current_line);
  } else {
    state.error = fmt::format("{}:{}: line of {} bytes is not 'key = value' (lines longer than {} bytes must be)",
                              state.file.path, state.current_line, raw.size(), capacity);
    return nullptr;
  }
  state.stand_in.push_back('\n');
  std::memcpy(out, state.stand_in.data(), state.stand_in.size());
  out[state.stand_in.size()] = '\0';
  return out;
}

int on_entry(void* user, const char* section, const char* name, const char* value) {
  auto& state = *static_cast<ParseState*>(user);
  if (state.file.sections.empty()) {  // inih accepts keys before any section; pybootd's ConfigParser does not
    state.error = fmt::format("{}:{}: '{}' is outside any [section]", state.file.path, state.current_line, name);
    return 0;
  }
  IniSection& current = state.file.sections.back();
  const std::string_view raw = state.lines[static_cast<std::size_t>(state.current_line - 1)];
  const bool continuation = !raw.empty() && (raw.front() == ' ' || raw.front() == '\t') && !current.entries.empty() &&
                            current.entries.back().key == name;
  if (continuation) {
    current.entries.back().value += '\n';
    current.entries.back().value += value;
    return 1;
  }
  IniEntry entry{name, value, state.current_line};
  const bool long_line = entry.key == kLongLineKey;
  if (long_line || has_mac_keys(section)) {
    // MAC keys hold ':' themselves; elsewhere inih splits at the first '=' or ':'.
    const auto equals = has_mac_keys(section) ? raw.find('=') : raw.find_first_of("=:");
    if (equals != std::string_view::npos) {
      entry.key = std::string(trim(raw.substr(0, equals)));
      entry.value = std::string(strip_inline_comment(raw.substr(equals + 1)));
    }
  }
  current.entries.push_back(std::move(entry));
  return 1;
}

}  // namespace

Result<IniFile> parse_ini_text(std::string_view text, std::string path) {
  ParseState state;
  state.file.path = std::move(path);
  // A UTF-8 byte-order mark (Windows editors write one) is no part of the first line.
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    state.lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  const int result = ini_parse_stream(&read_line, &state, &on_entry, &state);
  if (!state.error.empty()) return fail(Errc::BadValue, state.error);
  if (result > 0) {
    const auto line = state.lines[static_cast<std::size_t>(result - 1)];
    return fail(Errc::BadValue, fmt::format("{}:{}: syntax error: expected '[section]' or 'key = value', got '{}'",
                                            state.file.path, result, printable(trim(line))));
  }
  if (result < 0) return fail(Errc::Io, fmt::format("{}: cannot parse (out of memory)", state.file.path));
  return std::move(state.file);
}

Result<IniFile> read_ini_file(const std::filesystem::path& path) {
  // Non-blocking open: a FIFO put in the file's place must not stall the event loop (a reload
  // runs there); then only a regular file of a sane size is read.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (errno == EISDIR)
      return fail(Errc::BadValue, fmt::format("{}: is a directory, not a configuration file", path.string()));
    return fail(Errc::NotFound, fmt::format("{}: cannot read configuration file: {}", path.string(), std::strerror(errno)));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0)
    return fail(Errc::Io, fmt::format("{}: cannot read configuration file: {}", path.string(), std::strerror(errno)));
  if (S_ISDIR(info.st_mode))
    return fail(Errc::BadValue, fmt::format("{}: is a directory, not a configuration file", path.string()));
  if (!S_ISREG(info.st_mode))
    return fail(Errc::BadValue, fmt::format("{}: is not a regular file (a FIFO, device or socket)", path.string()));
  if (static_cast<std::uint64_t>(info.st_size) > kMaxConfigBytes)
    return fail(Errc::BadValue, fmt::format("{}: {} bytes, more than a configuration file may have ({} MiB)",
                                            path.string(), info.st_size, kMaxConfigBytes >> 20));
  std::string content;
  char buffer[65536];
  while (true) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return fail(Errc::Io, fmt::format("{}: read error: {}", path.string(), std::strerror(errno)));
    if (got == 0) break;
    content.append(buffer, static_cast<std::size_t>(got));
    if (content.size() > kMaxConfigBytes)  // grew while read
      return fail(Errc::BadValue, fmt::format("{}: more than a configuration file may have ({} MiB)", path.string(),
                                              kMaxConfigBytes >> 20));
  }
  return parse_ini_text(content, path.string());
}

}  // namespace netboot::config
