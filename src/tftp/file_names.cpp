#include "tftp/file_names.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdint>
#include <random>

namespace netboot::tftp {

Result<std::string> sanitize_name(std::string_view requested) {
  auto parts = split_beneath(requested, kPathPolicy);
  if (!parts) return Unexpected{parts.error()};
  if (parts->empty()) return fail(Errc::AccessDenied, "empty name");
  return join_components(*parts);
}

std::optional<std::uint64_t> served_file_size(int dir_fd, std::string_view name) {
  auto relative = sanitize_name(name);
  if (!relative) return std::nullopt;
  auto opened = open_beneath(dir_fd, *relative, kPathPolicy);
  if (!opened) return std::nullopt;
  return opened->size;
}

Result<CreatedFile> create_beneath(int dir_fd, std::string_view relative) {
  if (relative.empty() || relative.front() == '/') return fail(Errc::AccessDenied, "not a relative name");
  std::string leaf;
  auto parent = open_parent_beneath(dir_fd, relative, leaf);
  if (!parent) return Unexpected{parent.error()};
  if (leaf.empty() || leaf == "." || leaf == "..") return fail(Errc::AccessDenied, "bad last component");
  struct stat existing {};
  if (::fstatat(parent->get(), leaf.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0) return fail(Errc::BadValue, "file exists");
  if (errno != ENOENT) return open_failure(errno, relative);
  // Unguessable, so nobody fetches (or plants) the partial file under its temporary name.
  std::random_device random;
  for (int attempt = 0; attempt < 8; ++attempt) {
    const std::uint64_t tag = (std::uint64_t{random()} << 32) | random();
    std::string temp = fmt::format(".netbootd-upload-{:016x}", tag);
    UniqueFd fd(::openat(parent->get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (fd.valid()) return CreatedFile{std::move(*parent), std::move(leaf), std::move(temp), std::move(fd)};
    if (errno != EEXIST) return open_failure(errno, relative);
  }
  return fail(Errc::Io, "no free temporary name");
}

}  // namespace netboot::tftp
