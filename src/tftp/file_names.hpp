#pragma once
// TFTP's rules for client file names; the confinement itself is core/open_beneath.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/open_beneath.hpp"
#include "core/result.hpp"
#include "core/unique_fd.hpp"

namespace netboot::tftp {

/// - '\' is a separator (dnsmasq: "cope with backslashes from windows boxen");
/// - a trailing separator is ignored ("pxelinux.0/" is pxelinux.0);
/// - what is not a regular file is refused as an access violation (ERROR 2);
/// - names over 1024 bytes are refused;
/// - an upload's temporary name is refused (ERROR 2), for reading and writing.
inline constexpr PathPolicy kPathPolicy{
    .backslash_separates = true,
    .trailing_separator_names_directory = false,
    .not_a_file = Errc::AccessDenied,
    .max_length = 1024,
    .upload_temp_name = Errc::AccessDenied,
};

/// The client's name as a clean relative path ("a/b/c"), or AccessDenied (split_beneath with
/// kPathPolicy). Leading separators are dropped: "/pxelinux.0" is the root's pxelinux.0, as
/// with tftpd-hpa -s, since PXE configurations often name files that way. An empty name is
/// refused.
[[nodiscard]] Result<std::string> sanitize_name(std::string_view requested);

/// Option 13 (boot file size): the size of `name` beneath the root `dir_fd`, opened exactly as
/// a TFTP read would open it (sanitize_name, open_beneath, fstat); nullopt when TFTP would
/// refuse it or it does not exist, so no symlink tells the size of a file outside the root.
[[nodiscard]] std::optional<std::uint64_t> served_file_size(int dir_fd, std::string_view name);

struct CreatedFile {
  UniqueFd parent;   // the directory it is in
  std::string leaf;  // the name it gets there once complete
  std::string temp;  // the name it is written under until then (".netbootd-upload-<random>")
  UniqueFd fd;       // open for writing
};

/// Starts an upload of `relative` (a sanitize_name result) beneath `dir_fd` (WRQ): parent
/// directories must exist and are walked without following symlinks; an existing name is
/// refused (Errc::BadValue, which the service answers with ERROR 6 "File already exists").
/// The data goes to a new temporary file in the same directory, so a reader never sees a
/// partial upload under its name; LocalFileSink::commit() renames it into place.
[[nodiscard]] Result<CreatedFile> create_beneath(int dir_fd, std::string_view relative);

struct LeftoverSweep {
  std::vector<std::string> removed;  // relative names, the first `kListed` of them
  std::uint64_t removed_count = 0;
  std::vector<std::string> failures;  // "name: reason", the first `kListed` of them
  std::uint64_t failed_count = 0;
  static constexpr std::size_t kListed = 20;
};

/// Removes every upload temporary file (kUploadTempPrefix) beneath the root `dir_fd`: an
/// upload never survives a restart, so at start each one is what a crash (SIGKILL, OOM, power
/// cut) left of an upload. Walks directories without following symlinks (a symlink is never
/// entered nor removed through), at most `max_depth` levels deep.
[[nodiscard]] LeftoverSweep remove_upload_leftovers(int dir_fd, unsigned max_depth = 64);

}  // namespace netboot::tftp
