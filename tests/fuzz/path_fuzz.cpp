// libFuzzer target: TFTP name sanitising, [filters] (glob + template) and the resolution of
// their result beneath the root, against a real tree holding traps: symlinks out of the root,
// a [path] file naming a file outside, a hard link to the secret. Input: the requested name
// on the first line, then up to four "glob = replacement" rules.
// Invariant: whatever is served is never the secret outside the root, unless an administrator
// rule wrote a fixed directory outside it (honoured by design; such rules are skipped here),
// and sanitize_name() never lets a ".." component or a leading '/' through.
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/open_beneath.hpp"
#include "fuzz_check.hpp"
#include "tftp/file_locator.hpp"
#include "tftp/file_names.hpp"

namespace {

namespace fs = std::filesystem;
constexpr std::string_view kMarker = "FUZZ-SECRET-OUTSIDE-THE-ROOT";

struct Tree {
  fs::path base;
  fs::path root;
  Tree() {
    base = fs::temp_directory_path() / ("netbootd-path-fuzz-" + std::to_string(::getpid()));
    root = base / "root";
    fs::create_directories(root / "sub");
    fs::create_directories(base / "outside");
    std::ofstream(base / "outside" / "secret") << kMarker << "\n";
    std::ofstream(root / "a.txt") << "inside\n";
    std::ofstream(root / "sub" / "b.txt") << "inside too\n";
    std::ofstream(root / "indirect.cfg") << "../outside/secret\n";
    std::ofstream(root / "indirect2.cfg") << "sub/b.txt\n";
    std::error_code ec;
    fs::create_symlink(base / "outside" / "secret", root / "abs_link", ec);
    fs::create_symlink("../outside/secret", root / "rel_link", ec);
    fs::create_symlink("../outside", root / "dir_link", ec);
    fs::create_hard_link(base / "outside" / "secret", root / "hard_link", ec);
  }
  ~Tree() {
    std::error_code ec;
    fs::remove_all(base, ec);
  }
};

bool holds_secret(netboot::tftp::ByteSource& source) {
  std::array<std::uint8_t, 256> buffer{};
  auto got = source.read_at(0, buffer);
  if (!got) return false;
  return std::string_view(reinterpret_cast<const char*>(buffer.data()), *got).find(kMarker) != std::string_view::npos;
}

// An administrator's fixed directory outside the root is honoured by design (pybootd serves
// pybootd/etc/pxe.cfg); only rules whose fixed part stays in the root test confinement.
bool fixed_part_stays_inside(std::string_view replacement) {
  const auto fixed = replacement.substr(0, replacement.find('{'));
  return fixed.find("..") == std::string_view::npos && fixed.find('/') != 0 && fixed.find("[/") != 0 &&
         fixed.find("outside") == std::string_view::npos && fixed.find('\\') == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace netboot;
  using namespace netboot::tftp;
  static const Tree tree;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto first_newline = input.find('\n');
  const std::string_view requested = input.substr(0, first_newline);
  std::vector<config::FilterRule> rules;
  if (first_newline != std::string_view::npos) {
    std::string_view rest = input.substr(first_newline + 1);
    while (!rest.empty() && rules.size() < 4) {
      const auto end = rest.find('\n');
      const auto line = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      const auto equals = line.find('=');
      if (equals == std::string_view::npos) continue;
      const auto replacement = line.substr(equals + 1);
      if (!fixed_part_stays_inside(replacement)) continue;
      rules.push_back({std::string(line.substr(0, equals)), std::string(replacement), {}});
    }
  }

  if (const auto name = sanitize_name(requested)) {
    FUZZ_CHECK(!name->empty() && name->front() != '/');
    const auto parts = split_beneath(*name, PathPolicy{});
    FUZZ_CHECK(parts.has_value());
    for (const auto& part : *parts) FUZZ_CHECK(part != ".." && part.find('\\') == std::string::npos);
  }

  SharedFileCache cache;
  auto root = DirectorySource::create(tree.root.string(), cache);
  FUZZ_CHECK(root.has_value());
  // The configuration's folder is the tree's base: relative filter targets are looked up
  // there first, as pybootd did, so rules naming "outside/..." were skipped above.
  const FileLocator locator(PathRewriter(std::move(rules)), tree.root, root->get(), cache);
  const auto located = locator.locate(requested, "");
  if (!located) return 0;
  if (located->local) {
    FUZZ_CHECK(!holds_secret(*located->local));
  } else {
    auto opened = (*root)->open_now(located->root_name);
    if (opened) FUZZ_CHECK(!holds_secret(**opened));
  }
  return 0;
}
