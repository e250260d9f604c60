#include "http/resolve_below.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace netboot::http {
namespace {

// O_NONBLOCK: opening a FIFO someone left in the root must not stall the event loop;
// fstat then refuses it as not regular.
constexpr int kFileFlags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

Unexpected from_errno(int error, std::string_view path) {
  switch (error) {
    case EXDEV:   // openat2 RESOLVE_BENEATH: the resolution would leave the root
    case ELOOP:   // a symlink where none is allowed, or a loop
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

/// -1 with errno = ENOSYS where the kernel or a seccomp filter lacks openat2.
int open_beneath(int root_fd, const std::string& relative) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(kFileFlags);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd = 0;
  do {
    fd = ::syscall(SYS_openat2, root_fd, relative.c_str(), &how, sizeof how);
  } while (fd < 0 && errno == EAGAIN);  // RESOLVE_* may ask for a retry on a concurrent rename
  return static_cast<int>(fd);
}

int open_walk(int root_fd, const std::vector<std::string>& parts) {
  UniqueFd dir;
  int at = root_fd;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    UniqueFd next(::openat(at, parts[i].c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) return -1;
    dir = std::move(next);
    at = dir.get();
  }
  return ::openat(at, parts.back().c_str(), kFileFlags | O_NOFOLLOW);
}

}  // namespace

Result<std::vector<std::string>> split_below(std::string_view decoded_path) {
  std::vector<std::string> parts;
  for (const char c : decoded_path) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == 0) return fail(Errc::AccessDenied, "NUL in path");
    if (byte < 0x20 || byte == 0x7F) return fail(Errc::AccessDenied, "control character in path");
    if (c == '\\') return fail(Errc::AccessDenied, "backslash in path");
  }
  std::size_t pos = 0;
  while (pos <= decoded_path.size()) {
    auto slash = decoded_path.find('/', pos);
    if (slash == std::string_view::npos) slash = decoded_path.size();
    const std::string_view part = decoded_path.substr(pos, slash - pos);
    pos = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") return fail(Errc::AccessDenied, "'..' in path");
    parts.emplace_back(part);
  }
  return parts;
}

Result<OpenedFile> open_below(int root_fd, std::string_view decoded_path, ResolveMode mode) {
  auto parts = split_below(decoded_path);
  if (!parts) return Unexpected{parts.error()};
  if (parts->empty()) return fail(Errc::NotFound, "the root is a directory");
  // "file/" names a directory; POSIX would open the file anyway only without the slash.
  if (decoded_path.back() == '/') return fail(Errc::NotFound, "a directory was asked for");
  std::string relative;
  for (const auto& part : *parts) relative += (relative.empty() ? "" : "/") + part;

  int fd = -1;
  if (mode == ResolveMode::Auto) {
    fd = open_beneath(root_fd, relative);
    if (fd < 0 && errno == ENOSYS) mode = ResolveMode::Walk;
  }
  if (mode == ResolveMode::Walk) fd = open_walk(root_fd, *parts);
  if (fd < 0) return from_errno(errno, relative);

  OpenedFile file{UniqueFd(fd), {}};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return from_errno(errno, relative);
  if (!S_ISREG(st.st_mode)) return fail(Errc::NotFound, fmt::format("{}: not a regular file", relative));
  file.info.size = static_cast<std::uint64_t>(st.st_size);
  file.info.mtime = static_cast<std::int64_t>(st.st_mtim.tv_sec);
  return file;
}

Result<UniqueFd> open_root(const std::string& directory) {
  UniqueFd fd(::open(directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return fail(Errc::Io, fmt::format("cannot open HTTP root {}: {}", directory, std::strerror(errno)));
  return fd;
}

}  // namespace netboot::http
