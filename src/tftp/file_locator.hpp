#pragma once
// From the name a client asked for to what is served: sanitise, apply [filters], resolve a
// filter's fixed directory (absolute; else the configuration file's folder when the target
// exists there, as pybootd looks beside itself first; else the root; no fixed directory, as
// in "* = {filename}": the root only, never the configuration folder), follow [path]
// indirections. Local files open here; names for the root come back to be opened through
// the root's FileSource (which may be remote).
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "tftp/file_source.hpp"
#include "tftp/path_rewriter.hpp"

namespace netboot::tftp {

struct Located {
  std::shared_ptr<ByteSource> local;  // opened already (a filter target outside the root)
  std::string root_name;              // otherwise: open this through the root FileSource
  std::string shown;                  // what was actually served, for the transfer log line
};

class FileLocator {
 public:
  /// `local_root`: the root when it is a directory, else nullptr (remote root).
  FileLocator(PathRewriter rewriter, std::filesystem::path base_dir, DirectorySource* local_root,
              SharedFileCache& cache)
      : rewriter_(std::move(rewriter)), base_dir_(std::move(base_dir)), local_root_(local_root), cache_(cache) {}

  /// AccessDenied for names that may not be served, NotFound for filter targets that do not
  /// exist, Unsupported for a [path] indirection stored on a remote root.
  [[nodiscard]] Result<Located> locate(std::string_view requested, std::string_view bootfile) const;

 private:
  Result<Located> resolve(const Rewrite& rewrite) const;
  Result<std::shared_ptr<ByteSource>> open_in(const std::filesystem::path& directory, const std::string& name) const;

  PathRewriter rewriter_;
  std::filesystem::path base_dir_;
  DirectorySource* local_root_;
  SharedFileCache& cache_;
};

}  // namespace netboot::tftp
