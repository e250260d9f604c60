#include "tftp/local_file_sink.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>

namespace netboot::tftp {

Result<void> LocalFileSink::write_at(std::uint64_t offset, ByteView data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const auto n = ::pwrite(file_.fd.get(), data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::Io, "pwrite failed");
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

Result<void> LocalFileSink::commit() {
  if (::fdatasync(file_.fd.get()) != 0) return fail(Errc::Io, "fdatasync failed");
  file_.fd.reset();
  // Into place only now, and never over a file that appeared meanwhile (another upload).
  const int dir = file_.parent.get();
  if (::renameat2(dir, file_.temp.c_str(), dir, file_.leaf.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) return fail(Errc::BadValue, "file exists");
    if (errno != EINVAL && errno != ENOSYS) return fail(Errc::Io, "rename failed");
    // A file system without RENAME_NOREPLACE: a hard link never replaces either.
    if (::linkat(dir, file_.temp.c_str(), dir, file_.leaf.c_str(), 0) != 0)
      return fail(errno == EEXIST ? Errc::BadValue : Errc::Io, errno == EEXIST ? "file exists" : "link failed");
    ::unlinkat(dir, file_.temp.c_str(), 0);
  }
  placed_ = true;
  ::fsync(dir);  // the new name survives a crash too (best effort: not every file system can)
  return {};
}

void LocalFileSink::abort() {
  if (removed_ || placed_) return;
  removed_ = true;
  file_.fd.reset();
  ::unlinkat(file_.parent.get(), file_.temp.c_str(), 0);
}

}  // namespace netboot::tftp
