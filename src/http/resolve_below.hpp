#pragma once
// Confinement of a requested path to the served root, the same rules as TFTP's:
// the path is split and checked as text first (no "..", no NUL, no backslash, no control
// bytes), then opened beneath an open root directory by the kernel (openat2 with
// RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, so a symlink may not lead out of the root), and
// only a regular file is accepted (fstat on the opened descriptor: no check-then-open race).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "http/unique_fd.hpp"

namespace netboot::http {

/// What the responder needs to know about a file.
struct FileInfo {
  std::uint64_t size = 0;
  std::int64_t mtime = 0;  // Unix seconds
  friend bool operator==(const FileInfo&, const FileInfo&) = default;
};

struct OpenedFile {
  UniqueFd fd;
  FileInfo info;
};

/// How open_below() walks: the kernel's openat2 (Linux >= 5.6), or, where that is missing or
/// filtered, a component-wise openat(O_NOFOLLOW) walk that refuses every symlink.
enum class ResolveMode { Auto, Walk };

/// The path's components below the root, "." and empty ones dropped. AccessDenied for a
/// ".." component, NUL, '\\' (Windows separators would reach a different file on Samba
/// exports and mean traversal to some clients) and control bytes; the root itself is {}.
[[nodiscard]] Result<std::vector<std::string>> split_below(std::string_view decoded_path);

/// Opens `decoded_path` beneath the directory `root_fd` for reading.
/// AccessDenied: refused by split_below, or a symlink leads out of the root (or, in Walk mode,
/// is a symlink at all), or permission denied. NotFound: missing, or not a regular file
/// (directories included: no listings). Io: anything else.
[[nodiscard]] Result<OpenedFile> open_below(int root_fd, std::string_view decoded_path,
                                            ResolveMode mode = ResolveMode::Auto);

/// Opens a root directory for open_below (O_PATH | O_DIRECTORY).
[[nodiscard]] Result<UniqueFd> open_root(const std::string& directory);

}  // namespace netboot::http
