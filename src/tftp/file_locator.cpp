#include "tftp/file_locator.hpp"

#include <array>

#include "core/byte_reader.hpp"
#include "core/text.hpp"

namespace netboot::tftp {

Result<std::shared_ptr<ByteSource>> FileLocator::open_in(const std::filesystem::path& directory,
                                                          const std::string& name) const {
  auto dir = open_directory(directory.string());
  if (!dir) return fail(dir.error().code, dir.error().detail);
  auto opened = open_beneath(dir->get(), name, kPathPolicy);
  if (!opened) return fail(opened.error().code, opened.error().detail);
  return cache_.adopt(std::move(opened->fd));
}

Result<Located> FileLocator::resolve(const Rewrite& rewrite) const {
  auto name = sanitize_name(rewrite.name);
  if (!name) return fail(name.error().code, "filter result: " + name.error().detail);
  const std::filesystem::path directory(rewrite.directory);
  if (directory.is_absolute()) {
    auto opened = open_in(directory, *name);
    if (!opened) return fail(opened.error().code, opened.error().detail);
    return Located{std::move(*opened), {}, (directory / *name).string()};
  }
  // Beside the configuration file only for a directory the administrator wrote: a
  // replacement that starts with a variable ("{filename}", "./{bootfile}") names a file of the
  // root, never netbootd.ini or the lease file next to it.
  const auto fixed = directory.lexically_normal();
  if (!base_dir_.empty() && !fixed.empty() && fixed != ".") {
    auto opened = open_in(base_dir_ / directory, *name);
    if (opened) return Located{std::move(*opened), {}, (base_dir_ / directory / *name).string()};
    if (opened.error().code != Errc::NotFound) return fail(opened.error().code, opened.error().detail);
  }
  const std::string joined = rewrite.directory.empty() ? *name : rewrite.directory + "/" + *name;
  if (auto in_root = sanitize_name(joined)) return Located{nullptr, *in_root, *in_root};
  // The administrator's directory climbs out of the root ("../shared/{filename}"): honour it
  // for a local root; the client part still stays beneath it.
  if (local_root_ == nullptr) return fail(Errc::AccessDenied, "filter directory climbs out of a remote root");
  const std::filesystem::path root(local_root_->describe());
  auto opened = open_in(root / directory, *name);
  if (!opened) return fail(opened.error().code, opened.error().detail);
  return Located{std::move(*opened), {}, (root / directory / *name).string()};
}

Result<Located> FileLocator::locate(std::string_view requested, std::string_view bootfile) const {
  auto name = sanitize_name(requested);
  if (!name) return fail(name.error().code, name.error().detail);
  const auto rewrite = rewriter_.apply(*name, FilterVariables{*name, bootfile});
  if (!rewrite) return Located{nullptr, *name, *name};
  auto located = resolve(*rewrite);
  if (!located || !rewrite->indirect) return located;

  // [path]: the first line of that file is the name to serve, beneath the root.
  std::shared_ptr<ByteSource> holder = located->local;
  if (!holder) {
    if (local_root_ == nullptr) return fail(Errc::Unsupported, "[path] filter file on a remote root");
    auto opened = local_root_->open_now(located->root_name);
    if (!opened) return fail(opened.error().code, opened.error().detail);
    holder = std::move(*opened);
  }
  std::array<std::uint8_t, 1024> buffer{};
  auto got = holder->read_at(0, buffer);
  if (!got) return fail(Errc::Io, "[path] filter file unreadable");
  std::string_view content = as_text(std::span<const std::uint8_t>(buffer.data(), *got));
  content = trim(content.substr(0, content.find('\n')));
  auto target = sanitize_name(content);
  if (!target) return fail(target.error().code, "[path] filter file content: " + target.error().detail);
  return Located{nullptr, *target, *target};
}

}  // namespace netboot::tftp
