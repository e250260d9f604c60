#include "core/open_beneath.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace netboot {
namespace {

// O_NONBLOCK: opening a FIFO planted in the root must not stall the event loop; fstat then
// refuses it. O_NOCTTY for device nodes, likewise refused.
constexpr int kReadFlags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

// RESOLVE_* lookups may ask for a retry when a rename races with them; a few are plenty.
constexpr int kOpenat2Attempts = 8;

}  // namespace

Unexpected open_failure(int error, std::string_view path) {
  switch (error) {
    case EXDEV:  // openat2 RESOLVE_BENEATH: the resolution would leave the root
      return fail(Errc::AccessDenied, fmt::format("{}: leads out of the root", path));
    case ELOOP:  // a symlink where none may be followed (O_NOFOLLOW, magic link), or a loop
      return fail(Errc::AccessDenied, fmt::format("{}: symbolic link refused", path));
    case EACCES:
    case EPERM:
      return fail(Errc::AccessDenied, fmt::format("{}: {}", path, std::strerror(error)));
    case ENOENT:
    case ENOTDIR:
    case ENAMETOOLONG:
      return fail(Errc::NotFound, fmt::format("{}: {}", path, std::strerror(error)));
    default:
      return fail(Errc::Io, fmt::format("{}: {}", path, std::strerror(error)));
  }
}

namespace {

bool is_separator(char c, const PathPolicy& policy) { return c == '/' || (policy.backslash_separates && c == '\\'); }

/// -1 with errno ENOSYS where the kernel (< 5.6) lacks openat2, EPERM where seccomp filters it.
int openat2_beneath(int dir_fd, const std::string& relative) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(kReadFlags);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd = -1;
  for (int attempt = 0; attempt < kOpenat2Attempts; ++attempt) {
    fd = ::syscall(SYS_openat2, dir_fd, relative.c_str(), &how, sizeof how);
    if (fd >= 0 || errno != EAGAIN) break;
  }
  return static_cast<int>(fd);
}

/// Opens the directories `parts` one below the other from `dir_fd`, following no symlink;
/// the last one is returned (a duplicate of dir_fd when there is none).
Result<UniqueFd> walk_directories(int dir_fd, const std::vector<std::string>& parts, std::string_view relative) {
  UniqueFd current(::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0));
  if (!current.valid()) return open_failure(errno, relative);
  for (const auto& part : parts) {
    UniqueFd next(::openat(current.get(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) {
      int error = errno;
      // O_DIRECTORY | O_NOFOLLOW on a symlink says ENOTDIR: that is a refused link, not a miss.
      struct stat st {};
      if (error == ENOTDIR && ::fstatat(current.get(), part.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(st.st_mode))
        error = ELOOP;
      return open_failure(error, relative);
    }
    current = std::move(next);
  }
  return current;
}

Result<UniqueFd> walk_open(int dir_fd, std::vector<std::string> parts, std::string_view relative) {
  const std::string leaf = std::move(parts.back());
  parts.pop_back();
  auto parent = walk_directories(dir_fd, parts, relative);
  if (!parent) return parent;
  UniqueFd fd(::openat(parent->get(), leaf.c_str(), kReadFlags | O_NOFOLLOW));
  if (!fd.valid()) return open_failure(errno, relative);
  return fd;
}

}  // namespace

Result<std::vector<std::string>> split_beneath(std::string_view path, const PathPolicy& policy) {
  if (policy.max_length != 0 && path.size() > policy.max_length) return fail(Errc::AccessDenied, "path too long");
  for (const char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == 0) return fail(Errc::AccessDenied, "NUL in path");
    if (byte < 0x20 || byte == 0x7F) return fail(Errc::AccessDenied, "control character in path");
    if (c == '\\' && !policy.backslash_separates) return fail(Errc::AccessDenied, "backslash in path");
  }
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = start;
    while (end < path.size() && !is_separator(path[end], policy)) ++end;
    const std::string_view part = path.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") return fail(Errc::AccessDenied, "'..' in path");
    if (part.starts_with(kUploadTempPrefix)) return fail(policy.upload_temp_name, "an upload's temporary name");
    parts.emplace_back(part);
  }
  return parts;
}

std::string join_components(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out.push_back('/');
    out += part;
  }
  return out;
}

Result<OpenedFile> open_beneath(int dir_fd, std::string_view path, const PathPolicy& policy, ResolveMethod method) {
  auto parts = split_beneath(path, policy);
  if (!parts) return Unexpected{parts.error()};
  if (parts->empty()) return fail(policy.not_a_file, "the root is a directory");
  // POSIX would open "file/" as "file" only without the slash; HTTP means a directory by it.
  if (policy.trailing_separator_names_directory && is_separator(path.back(), policy))
    return fail(policy.not_a_file, "a directory was asked for");
  const std::string relative = join_components(*parts);

  UniqueFd fd;
  if (method == ResolveMethod::Auto) {
    fd.reset(openat2_beneath(dir_fd, relative));
    if (!fd.valid() && errno != ENOSYS && errno != EPERM) return open_failure(errno, relative);
    // ENOSYS, or EPERM from a seccomp filter (some container runtimes): the stricter walk.
  }
  if (!fd.valid()) {
    auto walked = walk_open(dir_fd, std::move(*parts), relative);
    if (!walked) return Unexpected{walked.error()};
    fd = std::move(*walked);
  }

  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return open_failure(errno, relative);
  if (!S_ISREG(st.st_mode)) return fail(policy.not_a_file, fmt::format("{}: not a regular file", relative));
  // A hard link gives the bytes of a file outside the root (say /etc/shadow, linked into a root
  // someone else can write to) a name beneath it; no path check can see that, so only files with
  // a single name are served (docs/security.md).
  if (st.st_nlink > 1) return fail(Errc::AccessDenied, fmt::format("{}: hard-linked file (may lead outside the root)", relative));
  return OpenedFile{std::move(fd), static_cast<std::uint64_t>(st.st_size), static_cast<std::int64_t>(st.st_mtim.tv_sec)};
}

Result<UniqueFd> open_parent_beneath(int dir_fd, std::string_view relative, std::string& leaf) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (auto slash = relative.find('/'); slash != std::string_view::npos; slash = relative.find('/', start)) {
    parts.emplace_back(relative.substr(start, slash - start));
    start = slash + 1;
  }
  leaf = std::string(relative.substr(start));
  return walk_directories(dir_fd, parts, relative);
}

Result<UniqueFd> open_directory(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return open_failure(errno, path);
  return fd;
}

}  // namespace netboot
