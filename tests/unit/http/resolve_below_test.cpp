// The confinement table: hostile request paths, as a client sends them (percent-encoded),
// against a real directory tree with symlinks that lead out of the root.
#include "http/resolve_below.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "http/percent_decode.hpp"

namespace netboot::http {
namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

std::string read_all(int fd) {
  std::string out;
  char buffer[256];
  off_t offset = 0;
  for (;;) {
    const ssize_t n = ::pread(fd, buffer, sizeof buffer, offset);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
    offset += n;
  }
  return out;
}

class ResolveBelow : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/netboot-http-resolve-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    base_ = pattern;
    root_ = base_ / "root";
    const fs::path outside = base_ / "outside";
    fs::create_directories(root_ / "dir" / "sub");
    fs::create_directories(root_ / "boot");
    fs::create_directories(outside);
    write_file(outside / "secret", "SECRET");
    write_file(root_ / "file.txt", "hello");
    write_file(root_ / "dir" / "inner.txt", "inner");
    write_file(root_ / "boot" / "vmlinuz", "kernel");
    write_file(root_ / "a b.cfg", "spaced");
    fs::create_symlink("file.txt", root_ / "link_in");               // stays inside
    fs::create_symlink("../boot", root_ / "dir" / "boot_link");       // directory, stays inside
    fs::create_symlink("../outside", root_ / "link_out");             // directory outside
    fs::create_symlink(outside / "secret", root_ / "link_abs");       // absolute, outside
    fs::create_symlink("../outside/secret", root_ / "link_rel_out");  // relative, outside
    fs::create_symlink("../../outside/secret", root_ / "dir" / "link_up");
    fs::create_symlink("/", root_ / "link_slash");
    fs::create_symlink("/proc/self/root/etc/passwd", root_ / "link_magic");
    fs::create_symlink("/dev/null", root_ / "devnull");
    fs::create_symlink("link_loop", root_ / "link_loop");
    ASSERT_EQ(::mkfifo((root_ / "fifo").c_str(), 0600), 0);
    auto root = open_root(root_.string());
    ASSERT_TRUE(root.has_value()) << root.error().detail;
    root_fd_ = std::move(*root);
  }
  void TearDown() override {
    root_fd_.reset();
    std::error_code ec;
    fs::remove_all(base_, ec);
  }

  /// As the service does it: percent-decode the raw path, then open beneath the root.
  Result<OpenedFile> request(std::string_view raw, ResolveMode mode) {
    auto decoded = percent_decode(raw);
    if (!decoded) return fail(Errc::BadValue, decoded.error().detail);
    return open_below(root_fd_.get(), *decoded, mode);
  }

  fs::path base_;
  fs::path root_;
  UniqueFd root_fd_;
};

struct Hostile {
  const char* raw;
  Errc expected;  // with openat2 (Auto); Walk mode may say NotFound where openat2 says AccessDenied
};

// At least 30 hostile paths: traversal in every spelling, encodings, NUL, backslashes,
// doubled slashes, control bytes, and symlinks out of the root.
const Hostile kHostile[] = {
    {"/../outside/secret", Errc::AccessDenied},
    {"/..", Errc::AccessDenied},
    {"..", Errc::AccessDenied},
    {"/dir/../../outside/secret", Errc::AccessDenied},
    {"/dir/..", Errc::AccessDenied},
    {"/./../outside/secret", Errc::AccessDenied},
    {"/%2e%2e/outside/secret", Errc::AccessDenied},
    {"/%2E%2E/%2E%2E/etc/passwd", Errc::AccessDenied},
    {"/.%2e/outside/secret", Errc::AccessDenied},
    {"/%2e./outside/secret", Errc::AccessDenied},
    {"/..%2foutside%2fsecret", Errc::AccessDenied},
    {"/%2e%2e%2foutside%2fsecret", Errc::AccessDenied},
    {"/dir%2f..%2f..%2foutside%2fsecret", Errc::AccessDenied},
    {"/..%5coutside%5csecret", Errc::AccessDenied},
    {"/dir\\..\\..\\outside\\secret", Errc::AccessDenied},
    {"/%2e%2e%5c%2e%2e%5cetc%5cpasswd", Errc::AccessDenied},
    {"/file.txt%00.jpg", Errc::AccessDenied},
    {"/%00", Errc::AccessDenied},
    {"/boot%00/../x", Errc::AccessDenied},
    {"/file.txt%0d%0aSet-Cookie:%20x", Errc::AccessDenied},
    {"/dir/%09inner.txt", Errc::AccessDenied},
    {"/file%7f", Errc::AccessDenied},
    {"//../outside/secret", Errc::AccessDenied},
    {"/dir//..//..//outside/secret", Errc::AccessDenied},
    {"/link_out/secret", Errc::AccessDenied},
    {"/link_abs", Errc::AccessDenied},
    {"/link_rel_out", Errc::AccessDenied},
    {"/dir/link_up", Errc::AccessDenied},
    {"/link_slash/etc/passwd", Errc::AccessDenied},
    {"/link_magic", Errc::AccessDenied},
    {"/devnull", Errc::AccessDenied},
    {"/link_loop", Errc::AccessDenied},
    {"//etc/passwd", Errc::NotFound},         // doubled slash stays below the root
    {"/%252e%252e/outside/secret", Errc::NotFound},  // double encoding: a literal "%2e%2e" name
    {"/..%c0%afoutside", Errc::NotFound},     // overlong UTF-8 '/' is just bytes in a name
    {"/...", Errc::NotFound},
    {"/", Errc::NotFound},                    // the root: a directory, no listing
    {"", Errc::NotFound},
    {"/dir", Errc::NotFound},
    {"/dir/", Errc::NotFound},
    {"/fifo", Errc::NotFound},                // must not block, must not be served
    {"/file.txt/", Errc::NotFound},
    {"/missing", Errc::NotFound},
};

TEST_F(ResolveBelow, RefusesEveryHostilePath) {
  ASSERT_GE(std::size(kHostile), 30U);
  for (const auto mode : {ResolveMode::Auto, ResolveMode::Walk}) {
    for (const auto& c : kHostile) {
      SCOPED_TRACE(std::string(mode == ResolveMode::Auto ? "openat2 " : "walk ") + c.raw);
      const auto opened = request(c.raw, mode);
      ASSERT_FALSE(opened.has_value()) << "served: " << read_all(opened->fd.get());
      if (mode == ResolveMode::Auto)
        EXPECT_EQ(opened.error().code, c.expected) << opened.error().detail;
      else
        EXPECT_TRUE(opened.error().code == Errc::AccessDenied || opened.error().code == Errc::NotFound)
            << opened.error().detail;
    }
  }
}

TEST_F(ResolveBelow, ServesFilesBelowTheRoot) {
  struct Case {
    const char* raw;
    const char* content;
  };
  const Case cases[] = {
      {"/file.txt", "hello"},         {"file.txt", "hello"},          {"//dir///inner.txt", "inner"},
      {"/./dir/./inner.txt", "inner"}, {"/%64ir/inner%2Etxt", "inner"}, {"/a%20b.cfg", "spaced"},
      {"/boot/vmlinuz", "kernel"},
  };
  for (const auto mode : {ResolveMode::Auto, ResolveMode::Walk}) {
    for (const auto& c : cases) {
      SCOPED_TRACE(c.raw);
      const auto opened = request(c.raw, mode);
      ASSERT_TRUE(opened.has_value()) << opened.error().detail;
      EXPECT_EQ(read_all(opened->fd.get()), c.content);
      EXPECT_EQ(opened->info.size, std::string(c.content).size());
      EXPECT_GT(opened->info.mtime, 0);
    }
  }
}

TEST_F(ResolveBelow, FollowsSymlinksThatStayInsideOnlyWithOpenat2) {
  for (const char* raw : {"/link_in", "/dir/boot_link/vmlinuz"}) {
    SCOPED_TRACE(raw);
    const auto beneath = request(raw, ResolveMode::Auto);
    ASSERT_TRUE(beneath.has_value()) << beneath.error().detail;
    EXPECT_FALSE(read_all(beneath->fd.get()).empty());
    // The fallback walk cannot tell where a link leads without following it: it refuses all.
    EXPECT_FALSE(request(raw, ResolveMode::Walk).has_value());
  }
}

TEST(SplitBelow, DropsDotAndEmptyComponents) {
  const auto parts = split_below("//a/./b//c/");
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(*parts, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(split_below("/")->empty());
  EXPECT_EQ(split_below("/a/../b").error().code, Errc::AccessDenied);
}

TEST(OpenRoot, ReportsAMissingDirectory) {
  const auto root = open_root("/nonexistent/netboot-http-root");
  ASSERT_FALSE(root.has_value());
  EXPECT_NE(root.error().detail.find("/nonexistent/netboot-http-root"), std::string::npos);
}

}  // namespace
}  // namespace netboot::http
