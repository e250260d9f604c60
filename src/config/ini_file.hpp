#pragma once
#include <cstdint>
// The INI layer: inih tokenises; this keeps every entry's line number so that
// configuration errors can name file:line, and works around two inih limits that
// pybootd files can hit (see ini_file.cpp).
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace netboot::config {

struct IniEntry {
  std::string key;    // as written (case kept; callers compare case-insensitively)
  std::string value;  // trimmed; continuation lines joined with '\n'
  int line = 0;
  bool from_default = false;  // copied from the [DEFAULT] section (Python ConfigParser's defaults)
};

struct IniSection {
  std::string name;  // as written
  int line = 0;
  std::vector<IniEntry> entries;
};

struct IniFile {
  std::string path;  // for messages
  std::vector<IniSection> sections;
};

/// Parses INI text. Errors: "path:line: reason".
Result<IniFile> parse_ini_text(std::string_view text, std::string path);
/// Reads and parses a file; a missing or unreadable file is an error naming it.
/// Largest configuration file read (a [mac] list of 100,000 machines is about 3 MB): a file
/// pointing at /dev/zero or a runaway generator is an error, not an out-of-memory.
inline constexpr std::uint64_t kMaxConfigBytes = std::uint64_t{16} << 20;

Result<IniFile> read_ini_file(const std::filesystem::path& path);

}  // namespace netboot::config
