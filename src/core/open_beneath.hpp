#pragma once
// Confinement of client-supplied paths beneath a served root (DESIGN.md example 10), shared by
// TFTP and HTTP. The path is checked as text component by component (a ".." is refused, never
// normalised away), then opened beneath an open directory by the kernel (openat2 with
// RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS: a symlink may not lead out of the root) or, where
// openat2 is missing or filtered, by an openat(O_NOFOLLOW) walk that follows no symlink at all;
// then fstat'ed on the descriptor: never stat-then-open.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/unique_fd.hpp"

namespace netboot {

/// Where the protocols differ on purpose (tftp/file_names.hpp and http/file_paths.hpp).
struct PathPolicy {
  /// '\\' separates components (TFTP: dnsmasq "cope with backslashes from windows boxen");
  /// otherwise it is refused (HTTP: Samba exports and some clients read it as traversal).
  bool backslash_separates = false;
  /// "name/" asks for a directory (HTTP); otherwise a trailing separator is ignored (TFTP:
  /// "pxelinux.0/" is pxelinux.0).
  bool trailing_separator_names_directory = false;
  /// The answer for the root itself and anything that is not a regular file (directory, FIFO,
  /// device): TFTP refuses it (AccessDenied, ERROR 2), HTTP has no such file (NotFound, 404).
  Errc not_a_file = Errc::NotFound;
  /// Longer paths are refused as AccessDenied; 0: no limit beyond the kernel's.
  std::size_t max_length = 0;
  /// The answer for a component starting with kUploadTempPrefix: a partial upload, never
  /// served, whether it is still being written or left by a crash (TFTP: AccessDenied, ERROR 2;
  /// HTTP: NotFound, 404).
  Errc upload_temp_name = Errc::NotFound;
};

/// The prefix of the temporary name an upload is written under (tftp::create_beneath) until
/// it is complete and renamed into place.
inline constexpr std::string_view kUploadTempPrefix = ".netbootd-upload-";

enum class ResolveMethod : std::uint8_t {
  Auto,           // openat2 when the kernel has it (Linux >= 5.6, not filtered), else the walk
  ComponentWalk,  // openat per component with O_NOFOLLOW: no symlink is followed at all
};

/// The components of `path` below the root: leading, doubled and trailing separators and "."
/// components vanish, so "/a//./b" is {"a", "b"} and the root itself is {}. AccessDenied for a
/// ".." component, NUL or any other control byte, a backslash the policy refuses, or a path
/// longer than policy.max_length; policy.upload_temp_name for an upload's temporary name.
[[nodiscard]] Result<std::vector<std::string>> split_beneath(std::string_view path, const PathPolicy& policy);

/// The components joined with '/': the clean relative form "a/b/c".
[[nodiscard]] std::string join_components(const std::vector<std::string>& parts);

struct OpenedFile {
  UniqueFd fd;             // open for reading (O_NONBLOCK: a FIFO must not stall an event loop)
  std::uint64_t size = 0;  // from fstat on fd
  std::int64_t mtime = 0;  // Unix seconds
};

/// Opens the client path `path` for reading beneath the directory `dir_fd`.
/// AccessDenied: refused by split_beneath, a symlink leads out of the root (with the walk: is a
/// symlink at all), or permission denied. NotFound: missing. policy.not_a_file: the root, or
/// not a regular file. Io: anything else.
[[nodiscard]] Result<OpenedFile> open_beneath(int dir_fd, std::string_view path, const PathPolicy& policy,
                                              ResolveMethod method = ResolveMethod::Auto);

/// Walks the directory components of the clean relative path `relative` (a join_components
/// result) beneath `dir_fd` without following any symlink; returns the directory that holds
/// the last component and sets `leaf` to that component (for creating a file there).
[[nodiscard]] Result<UniqueFd> open_parent_beneath(int dir_fd, std::string_view relative, std::string& leaf);

/// The failure for `error` (an errno) from opening `path`: AccessDenied for an escape, a refused
/// symlink or a permission; NotFound for a missing name; Io otherwise. The detail names `path`.
[[nodiscard]] Unexpected open_failure(int error, std::string_view path);

/// Opens a directory (a served root) as an O_PATH descriptor; the error detail names it.
[[nodiscard]] Result<UniqueFd> open_directory(const std::string& path);

}  // namespace netboot
