#pragma once
// Confinement of client-supplied names (DESIGN.md example 10). A name is made relative and
// checked component by component, then opened beneath a directory descriptor by the kernel
// (openat2 RESOLVE_BENEATH), then fstat'ed: never stat-then-open.
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "tftp/unique_fd.hpp"

namespace netboot::tftp {

/// The client's name as a clean relative path ("a/b/c"), or AccessDenied.
/// - '\' is a separator (dnsmasq: "cope with backslashes from windows boxen");
/// - leading separators are dropped: "/pxelinux.0" is the root's pxelinux.0, as with
///   tftpd-hpa -s, since PXE configurations often name files that way;
/// - empty and "." components vanish; a ".." component is refused, never normalised away;
/// - NUL and other control characters, and names over 1024 bytes, are refused.
[[nodiscard]] Result<std::string> sanitize_name(std::string_view requested);

enum class ResolveMethod : std::uint8_t {
  Auto,           // openat2 when the kernel has it, else the walk
  ComponentWalk,  // openat per component with O_NOFOLLOW: no symlink is followed at all
};

/// Opens `relative` (the output of sanitize_name) for reading beneath `dir_fd`.
/// With openat2, symlinks are followed only while they stay beneath the directory (absolute
/// targets and /proc magic links are refused); the fallback walk follows none.
/// NotFound when it does not exist, AccessDenied when it escapes or is not a regular file.
[[nodiscard]] Result<UniqueFd> open_beneath(int dir_fd, std::string_view relative,
                                            ResolveMethod method = ResolveMethod::Auto);

/// Opens a directory (the root, or an administrator's fixed directory) as an O_PATH descriptor.
[[nodiscard]] Result<UniqueFd> open_directory(const std::string& path);

struct CreatedFile {
  UniqueFd parent;   // the directory it is in, for unlinkat on abort
  std::string leaf;  // its name there
  UniqueFd fd;       // open for writing
};

/// Creates `relative` beneath `dir_fd` for writing (WRQ): parent directories must exist and
/// are walked without following symlinks; an existing file is refused (Errc::BadValue, which
/// the service answers with ERROR 6 "File already exists").
[[nodiscard]] Result<CreatedFile> create_beneath(int dir_fd, std::string_view relative);

}  // namespace netboot::tftp
