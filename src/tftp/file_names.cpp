#include "tftp/file_names.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
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
    std::string temp = fmt::format("{}{:016x}", kUploadTempPrefix, tag);
    UniqueFd fd(::openat(parent->get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (fd.valid()) return CreatedFile{std::move(*parent), std::move(leaf), std::move(temp), std::move(fd)};
    if (errno != EEXIST) return open_failure(errno, relative);
  }
  return fail(Errc::Io, "no free temporary name");
}

namespace {

void sweep_directory(int dir_fd, const std::string& prefix, unsigned depth_left, LeftoverSweep& sweep) {
  // A descriptor of our own to read the directory with (dir_fd may be O_PATH).
  const int listing = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (listing < 0) return;
  DIR* dir = ::fdopendir(listing);
  if (dir == nullptr) {
    ::close(listing);
    return;
  }
  const auto note_failure = [&](const std::string& name, int error) {
    if (sweep.failures.size() < LeftoverSweep::kListed) sweep.failures.push_back(name + ": " + std::strerror(error));
    ++sweep.failed_count;
  };
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (::fstatat(listing, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    const std::string relative = prefix.empty() ? std::string(name) : prefix + "/" + std::string(name);
    if (S_ISREG(st.st_mode) && name.starts_with(kUploadTempPrefix)) {
      if (::unlinkat(listing, entry->d_name, 0) == 0) {
        if (sweep.removed.size() < LeftoverSweep::kListed) sweep.removed.push_back(relative);
        ++sweep.removed_count;
      } else {
        note_failure(relative, errno);
      }
    } else if (S_ISDIR(st.st_mode) && depth_left > 0) {
      // O_NOFOLLOW: a directory swapped for a symlink since the fstatat is not entered.
      UniqueFd child(::openat(listing, entry->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (child.valid()) sweep_directory(child.get(), relative, depth_left - 1, sweep);
    }
  }
  ::closedir(dir);
}

}  // namespace

LeftoverSweep remove_upload_leftovers(int dir_fd, unsigned max_depth) {
  LeftoverSweep sweep;
  sweep_directory(dir_fd, "", max_depth, sweep);
  return sweep;
}

}  // namespace netboot::tftp
