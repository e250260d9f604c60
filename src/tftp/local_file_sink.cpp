#include "tftp/local_file_sink.hpp"

#include <fcntl.h>
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
  return {};
}

void LocalFileSink::abort() {
  if (removed_) return;
  removed_ = true;
  file_.fd.reset();
  ::unlinkat(file_.parent.get(), file_.leaf.c_str(), 0);
}

}  // namespace netboot::tftp
