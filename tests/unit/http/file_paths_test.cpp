// HTTP's confinement table: hostile request paths, as a client sends them (percent-encoded),
// through percent_decode and open_beneath with HTTP's policy, against a real directory tree
// with symlinks that lead out of the root. The shared mechanics: tests/unit/core/open_beneath_test.cpp.
#include "http/file_paths.hpp"

#include <gtest/gtest.h>

#include "http/percent_decode.hpp"
#include "unit/core/confinement_tree.hpp"

namespace netboot::http {
namespace {

std::string read_all(int fd) { return test::ConfinementTree::read_all(fd); }

class HttpPathConfinement : public ::testing::Test {
 protected:
  /// As the service does it: percent-decode the raw path, then open beneath the root.
  Result<OpenedFile> request(std::string_view raw, ResolveMethod method) {
    auto decoded = percent_decode(raw);
    if (!decoded) return fail(Errc::BadValue, decoded.error().detail);
    return open_beneath(tree_.root_fd(), *decoded, kPathPolicy, method);
  }

  test::ConfinementTree tree_;
};

struct Hostile {
  const char* raw;
  Errc expected;  // with openat2 (Auto); the walk may say NotFound where openat2 says AccessDenied
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
    {"/dir%5cinner.txt", Errc::AccessDenied},  // '\' is no separator for HTTP, even to a real file
    {"/boot\\vmlinuz", Errc::AccessDenied},
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

TEST_F(HttpPathConfinement, RefusesEveryHostilePath) {
  ASSERT_GE(std::size(kHostile), 30U);
  for (const auto method : {ResolveMethod::Auto, ResolveMethod::ComponentWalk}) {
    for (const auto& c : kHostile) {
      SCOPED_TRACE(std::string(method == ResolveMethod::Auto ? "openat2 " : "walk ") + c.raw);
      const auto opened = request(c.raw, method);
      ASSERT_FALSE(opened.has_value()) << "served: " << read_all(opened->fd.get());
      if (method == ResolveMethod::Auto)
        EXPECT_EQ(opened.error().code, c.expected) << opened.error().detail;
      else
        EXPECT_TRUE(opened.error().code == Errc::AccessDenied || opened.error().code == Errc::NotFound)
            << opened.error().detail;
    }
  }
}

TEST_F(HttpPathConfinement, ServesFilesBelowTheRoot) {
  struct Case {
    const char* raw;
    const char* content;
  };
  const Case cases[] = {
      {"/file.txt", "hello"},         {"file.txt", "hello"},          {"//dir///inner.txt", "inner"},
      {"/./dir/./inner.txt", "inner"}, {"/%64ir/inner%2Etxt", "inner"}, {"/a%20b.cfg", "spaced"},
      {"/boot/vmlinuz", "kernel"},
  };
  for (const auto method : {ResolveMethod::Auto, ResolveMethod::ComponentWalk}) {
    for (const auto& c : cases) {
      SCOPED_TRACE(c.raw);
      const auto opened = request(c.raw, method);
      ASSERT_TRUE(opened.has_value()) << opened.error().detail;
      EXPECT_EQ(read_all(opened->fd.get()), c.content);
      EXPECT_EQ(opened->size, std::string(c.content).size());
      EXPECT_GT(opened->mtime, 0);
    }
  }
}

}  // namespace
}  // namespace netboot::http
