#include "tftp/file_names.hpp"

#include <fcntl.h>

#include <cerrno>

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
  UniqueFd fd(::openat(parent->get(), leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    if (errno == EEXIST) return fail(Errc::BadValue, "file exists");
    return open_failure(errno, relative);
  }
  return CreatedFile{std::move(*parent), std::move(leaf), std::move(fd)};
}

}  // namespace netboot::tftp
