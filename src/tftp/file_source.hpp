#pragma once
// Where a transfer's bytes come from: a local directory (here) or a URL prefix
// (net/url_source, libcurl). Opening may complete later (remote), so it takes a callback.
#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>

#include "tftp/byte_source.hpp"
#include "core/unique_fd.hpp"
#include "tftp/file_names.hpp"

namespace netboot::tftp {

using OpenResult = Result<std::shared_ptr<ByteSource>>;

class FileSource {
 public:
  using OpenCallback = std::function<void(OpenResult)>;
  virtual ~FileSource() = default;
  /// Opens `relative` (a sanitize_name() result). `done` runs exactly once: synchronously for
  /// a local directory, later from the event loop for a remote one. Errc::NotFound maps to
  /// TFTP ERROR 1, Errc::AccessDenied to ERROR 2.
  virtual void open(std::string_view relative, OpenCallback done) = 0;
  /// "/srv/tftp" or "http://host/prefix", for logs.
  [[nodiscard]] virtual std::string describe() const = 0;
  /// Abandons work in progress (a remote root's downloads) when the service stops.
  virtual void shutdown() {}
};

/// A regular file read with pread on one descriptor, shared by every transfer of that file.
class LocalFile final : public ByteSource {
 public:
  LocalFile(UniqueFd fd, std::uint64_t size) : fd_(std::move(fd)), size_(size) {}
  [[nodiscard]] std::optional<std::uint64_t> size() const override { return size_; }
  Result<std::size_t> read_at(std::uint64_t offset, std::span<std::uint8_t> out) override;
  [[nodiscard]] bool benefits_from_read_ahead() const override { return true; }

 private:
  UniqueFd fd_;
  std::uint64_t size_;
};

/// Shares open files between concurrent transfers (dnsmasq keeps one open file per inode):
/// thousands of clients booting the same image cost one descriptor and one page-cache copy.
class SharedFileCache {
 public:
  /// Takes a freshly opened regular file; returns the shared reader for its inode (the new
  /// descriptor is closed when an equivalent one is already open).
  [[nodiscard]] Result<std::shared_ptr<ByteSource>> adopt(UniqueFd fd);
  /// Open files currently shared (for tests and statistics).
  [[nodiscard]] std::size_t open_count();

 private:
  // (device, inode, size, mtime ns): a file rewritten in place is a different entry.
  using Key = std::tuple<dev_t, ino_t, off_t, std::int64_t>;
  std::map<Key, std::weak_ptr<LocalFile>> files_;
};

/// [tftp] root as a local directory, opened once at construction.
class DirectorySource final : public FileSource {
 public:
  /// Fails when the directory cannot be opened.
  static Result<std::unique_ptr<DirectorySource>> create(const std::string& root, SharedFileCache& cache,
                                                         ResolveMethod method = ResolveMethod::Auto);
  void open(std::string_view relative, OpenCallback done) override;
  [[nodiscard]] OpenResult open_now(std::string_view relative);
  [[nodiscard]] std::string describe() const override { return root_; }
  [[nodiscard]] int fd() const noexcept { return root_fd_.get(); }

 private:
  DirectorySource(std::string root, UniqueFd fd, SharedFileCache& cache, ResolveMethod method)
      : root_(std::move(root)), root_fd_(std::move(fd)), cache_(cache), method_(method) {}
  std::string root_;
  UniqueFd root_fd_;
  SharedFileCache& cache_;
  ResolveMethod method_;
};

}  // namespace netboot::tftp
