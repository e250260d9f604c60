#include "tftp/file_source.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace netboot::tftp {

Result<std::size_t> LocalFile::read_at(std::uint64_t offset, std::span<std::uint8_t> out) {
  std::size_t done = 0;
  // One pread per block in practice; the loop only covers short reads (signals, NFS).
  while (done < out.size()) {
    const auto n = ::pread(fd_.get(), out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::Io, "pread failed");
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

Result<std::shared_ptr<ByteSource>> SharedFileCache::adopt(UniqueFd fd) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail(Errc::Io, "fstat failed");
  if (!S_ISREG(st.st_mode)) return fail(Errc::AccessDenied, "not a regular file");
  const Key key{st.st_dev, st.st_ino, st.st_size, std::int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec};
  auto& slot = files_[key];
  if (auto existing = slot.lock()) return std::shared_ptr<ByteSource>(std::move(existing));
  auto file = std::make_shared<LocalFile>(std::move(fd), static_cast<std::uint64_t>(st.st_size));
  slot = file;
  // Drop entries of files nobody reads any more; amortised over opens.
  if (files_.size() > 64) std::erase_if(files_, [](const auto& entry) { return entry.second.expired(); });
  return std::shared_ptr<ByteSource>(std::move(file));
}

std::size_t SharedFileCache::open_count() {
  std::erase_if(files_, [](const auto& entry) { return entry.second.expired(); });
  return files_.size();
}

Result<std::unique_ptr<DirectorySource>> DirectorySource::create(const std::string& root, SharedFileCache& cache,
                                                                 ResolveMethod method) {
  auto fd = open_directory(root);
  if (!fd) return fail(fd.error().code, "tftp root " + root + ": " + fd.error().detail);
  return std::unique_ptr<DirectorySource>(new DirectorySource(root, std::move(*fd), cache, method));
}

OpenResult DirectorySource::open_now(std::string_view relative) {
  auto opened = open_beneath(root_fd_.get(), relative, kPathPolicy, method_);
  if (!opened) return fail(opened.error().code, opened.error().detail);
  return cache_.adopt(std::move(opened->fd));
}

void DirectorySource::open(std::string_view relative, OpenCallback done) { done(open_now(relative)); }

}  // namespace netboot::tftp
