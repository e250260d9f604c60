#include "tftp/resolve_path.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace netboot::tftp {
namespace {

constexpr std::size_t kMaxName = 1024;

Unexpected errno_failure(int error, std::string_view what) {
  switch (error) {
    case ENOENT:
    case ENOTDIR:
      return fail(Errc::NotFound, std::string(what) + ": not found");
    case EXDEV:
    case ELOOP:
      return fail(Errc::AccessDenied, std::string(what) + ": escapes the root");
    case EACCES:
    case EPERM:
      return fail(Errc::AccessDenied, std::string(what) + ": permission denied");
    default:
      return fail(Errc::Io, std::string(what) + ": errno " + std::to_string(error));
  }
}

// O_NONBLOCK: opening a FIFO planted in the root must not hang the event loop; fstat then
// refuses anything that is not a regular file. O_NOCTTY for device nodes, likewise refused.
constexpr int kReadFlags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

Result<UniqueFd> check_regular(UniqueFd fd) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return errno_failure(errno, "fstat");
  if (!S_ISREG(st.st_mode)) return fail(Errc::AccessDenied, "not a regular file");
  return fd;
}

/// -1 with errno ENOSYS when the kernel (< 5.6) or a seccomp filter lacks openat2.
int openat2_beneath(int dir_fd, const std::string& relative, int flags) {
  struct open_how how {};
  how.flags = static_cast<__u64>(static_cast<unsigned>(flags));
  how.resolve = static_cast<__u64>(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
  return static_cast<int>(::syscall(SYS_openat2, dir_fd, relative.c_str(), &how, sizeof how));
}

/// Walks every directory component with O_NOFOLLOW | O_DIRECTORY; returns the parent of the
/// last component and that component.
Result<UniqueFd> walk_to_parent(int dir_fd, std::string_view relative, std::string& leaf) {
  UniqueFd current(::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0));
  if (!current.valid()) return errno_failure(errno, "dup");
  std::size_t start = 0;
  while (true) {
    const auto slash = relative.find('/', start);
    if (slash == std::string_view::npos) {
      leaf = std::string(relative.substr(start));
      return current;
    }
    const std::string part(relative.substr(start, slash - start));
    UniqueFd next(::openat(current.get(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) return errno_failure(errno == ENOTDIR ? ELOOP : errno, "open directory");
    current = std::move(next);
    start = slash + 1;
  }
}

}  // namespace

Result<std::string> sanitize_name(std::string_view requested) {
  if (requested.size() > kMaxName) return fail(Errc::AccessDenied, "name too long");
  std::string out;
  out.reserve(requested.size());
  std::size_t start = 0;
  while (start <= requested.size()) {
    std::size_t end = start;
    while (end < requested.size() && requested[end] != '/' && requested[end] != '\\') ++end;
    const auto part = requested.substr(start, end - start);
    for (const char c : part) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return fail(Errc::AccessDenied, "control character in name");
    }
    if (part == "..") return fail(Errc::AccessDenied, "'..' in name");
    if (!part.empty() && part != ".") {
      if (!out.empty()) out.push_back('/');
      out.append(part);
    }
    start = end + 1;
  }
  if (out.empty()) return fail(Errc::AccessDenied, "empty name");
  return out;
}

Result<UniqueFd> open_beneath(int dir_fd, std::string_view relative, ResolveMethod method) {
  const std::string path(relative);
  if (path.empty() || path.front() == '/' || path.find('\0') != std::string::npos) {
    return fail(Errc::AccessDenied, "not a relative name");
  }
  if (method == ResolveMethod::Auto) {
    const int fd = openat2_beneath(dir_fd, path, kReadFlags);
    if (fd >= 0) return check_regular(UniqueFd(fd));
    if (errno != ENOSYS && errno != EPERM) return errno_failure(errno, "open");
    // ENOSYS/EPERM (seccomp in some containers): fall through to the stricter walk.
  }
  std::string leaf;
  auto parent = walk_to_parent(dir_fd, path, leaf);
  if (!parent) return parent;
  if (leaf.empty() || leaf == "." || leaf == "..") return fail(Errc::AccessDenied, "bad last component");
  UniqueFd fd(::openat(parent->get(), leaf.c_str(), kReadFlags | O_NOFOLLOW));
  if (!fd.valid()) return errno_failure(errno, "open");
  return check_regular(std::move(fd));
}

Result<UniqueFd> open_directory(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return errno_failure(errno, path);
  return fd;
}

Result<CreatedFile> create_beneath(int dir_fd, std::string_view relative) {
  if (relative.empty() || relative.front() == '/') return fail(Errc::AccessDenied, "not a relative name");
  std::string leaf;
  auto parent = walk_to_parent(dir_fd, relative, leaf);
  if (!parent) return fail(parent.error().code, parent.error().detail);
  if (leaf.empty() || leaf == "." || leaf == "..") return fail(Errc::AccessDenied, "bad last component");
  UniqueFd fd(::openat(parent->get(), leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    if (errno == EEXIST) return fail(Errc::BadValue, "file exists");
    return errno_failure(errno, "create");
  }
  return CreatedFile{std::move(*parent), std::move(leaf), std::move(fd)};
}

}  // namespace netboot::tftp
