// Confinement beneath a root, shared by TFTP and HTTP: a real directory tree with symlinks
// that lead out of it, opened with both resolve methods and both policies.
#include "core/open_beneath.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cerrno>

#include "unit/core/confinement_tree.hpp"

namespace netboot {
namespace {

// The two policies the modules use (tftp/file_names.hpp, http/file_paths.hpp), spelled out
// here so that the core is tested on its own.
constexpr PathPolicy kTftpLike{.backslash_separates = true,
                               .trailing_separator_names_directory = false,
                               .not_a_file = Errc::AccessDenied,
                               .max_length = 1024};
constexpr PathPolicy kHttpLike{.backslash_separates = false,
                               .trailing_separator_names_directory = true,
                               .not_a_file = Errc::NotFound,
                               .max_length = 0};
constexpr ResolveMethod kMethods[] = {ResolveMethod::Auto, ResolveMethod::ComponentWalk};

std::string method_name(ResolveMethod method) { return method == ResolveMethod::Auto ? "openat2" : "walk"; }

std::string read_all(int fd) { return test::ConfinementTree::read_all(fd); }

class OpenBeneath : public ::testing::Test {
 protected:
  int root_fd() const { return tree_.root_fd(); }
  test::ConfinementTree tree_;
};

TEST_F(OpenBeneath, SymlinksOutOfTheRootAreAccessDeniedWithEitherMethodAndPolicy) {
  const char* const escapes[] = {
      "link_out/secret", "link_abs",   "link_rel_out", "dir/link_up", "link_slash/etc/passwd",
      "link_magic",      "devnull",    "link_loop",    "link_abs_in",  // absolute even when it points inside
  };
  for (const auto& policy : {kTftpLike, kHttpLike}) {
    for (const auto method : kMethods) {
      for (const char* path : escapes) {
        SCOPED_TRACE(method_name(method) + " " + path);
        const auto opened = open_beneath(root_fd(), path, policy, method);
        ASSERT_FALSE(opened.has_value()) << "served: " << read_all(opened->fd.get());
        EXPECT_EQ(opened.error().code, Errc::AccessDenied) << opened.error().detail;
      }
    }
  }
}

TEST_F(OpenBeneath, ParentComponentsAreRefusedNotNormalised) {
  for (const char* path : {"..", "../outside/secret", "dir/../../outside/secret", "dir/..", "./../x", "/..", "dir/../file.txt"}) {
    SCOPED_TRACE(path);
    for (const auto method : kMethods) {
      const auto opened = open_beneath(root_fd(), path, kHttpLike, method);
      ASSERT_FALSE(opened.has_value());
      EXPECT_EQ(opened.error().code, Errc::AccessDenied);
    }
  }
}

TEST_F(OpenBeneath, OpensRegularFilesWithTheirSizeAndMtime) {
  const struct {
    const char* path;
    const char* content;
  } cases[] = {{"file.txt", "hello"}, {"/file.txt", "hello"}, {"//dir///inner.txt", "inner"}, {"./dir/./inner.txt", "inner"},
               {"boot/vmlinuz", "kernel"}};
  for (const auto method : kMethods) {
    for (const auto& c : cases) {
      SCOPED_TRACE(method_name(method) + " " + c.path);
      const auto opened = open_beneath(root_fd(), c.path, kHttpLike, method);
      ASSERT_TRUE(opened.has_value()) << opened.error().detail;
      EXPECT_EQ(read_all(opened->fd.get()), c.content);
      EXPECT_EQ(opened->size, std::string(c.content).size());
      EXPECT_GT(opened->mtime, 0);
    }
  }
}

TEST_F(OpenBeneath, SymlinksStayingInsideAreFollowedByOpenat2Only) {
  for (const char* path : {"link_in", "dir/boot_link/vmlinuz"}) {
    SCOPED_TRACE(path);
    const auto beneath = open_beneath(root_fd(), path, kTftpLike, ResolveMethod::Auto);
    ASSERT_TRUE(beneath.has_value()) << beneath.error().detail;
    EXPECT_FALSE(read_all(beneath->fd.get()).empty());
    // The walk cannot tell where a link leads without following it: it refuses them all.
    const auto walked = open_beneath(root_fd(), path, kTftpLike, ResolveMethod::ComponentWalk);
    ASSERT_FALSE(walked.has_value());
    EXPECT_EQ(walked.error().code, Errc::AccessDenied) << walked.error().detail;
  }
}

TEST_F(OpenBeneath, MissingNamesAreNotFoundWithEitherMethod) {
  const std::string missing[] = {"missing", "dir/missing", "missing/file", "file.txt/below", std::string(300, 'n')};
  for (const auto& path : missing) {
    for (const auto method : kMethods) {
      SCOPED_TRACE(method_name(method) + " " + path.substr(0, 20));
      const auto opened = open_beneath(root_fd(), path, kHttpLike, method);
      ASSERT_FALSE(opened.has_value());
      EXPECT_EQ(opened.error().code, Errc::NotFound) << opened.error().detail;
    }
  }
}

// Where TFTP and HTTP differ on purpose; content "" means refused with `code`.
struct PolicyCase {
  std::string path;
  const char* tftp_content;
  Errc tftp_code;
  const char* http_content;
  Errc http_code;
};

TEST_F(OpenBeneath, ThePolicyDecidesBackslashesTrailingSlashesAndNonFiles) {
  const PolicyCase cases[] = {
      {"dir\\inner.txt", "inner", {}, "", Errc::AccessDenied},
      {"\\file.txt", "hello", {}, "", Errc::AccessDenied},
      {"dir\\..\\..\\outside\\secret", "", Errc::AccessDenied, "", Errc::AccessDenied},
      {"file.txt/", "hello", {}, "", Errc::NotFound},
      {"dir/", "", Errc::AccessDenied, "", Errc::NotFound},
      {"dir", "", Errc::AccessDenied, "", Errc::NotFound},
      {"fifo", "", Errc::AccessDenied, "", Errc::NotFound},  // and it must not block
      {"", "", Errc::AccessDenied, "", Errc::NotFound},
      {"/", "", Errc::AccessDenied, "", Errc::NotFound},
      {std::string(1025, 'a'), "", Errc::AccessDenied, "", Errc::NotFound},  // TFTP's limit, HTTP: missing
  };
  for (const auto method : kMethods) {
    for (const auto& c : cases) {
      SCOPED_TRACE(method_name(method) + " '" + c.path.substr(0, 40) + "'");
      for (const bool tftp : {true, false}) {
        const auto opened = open_beneath(root_fd(), c.path, tftp ? kTftpLike : kHttpLike, method);
        const std::string content = tftp ? c.tftp_content : c.http_content;
        if (!content.empty()) {
          ASSERT_TRUE(opened.has_value()) << (tftp ? "tftp " : "http ") << opened.error().detail;
          EXPECT_EQ(read_all(opened->fd.get()), content);
        } else {
          ASSERT_FALSE(opened.has_value()) << (tftp ? "tftp" : "http");
          EXPECT_EQ(opened.error().code, tftp ? c.tftp_code : c.http_code) << (tftp ? "tftp " : "http ") << opened.error().detail;
        }
      }
    }
  }
}

TEST(SplitBeneath, DropsDotEmptyAndLeadingComponents) {
  EXPECT_EQ(split_beneath("//a/./b//c/", kHttpLike).value(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(split_beneath("\\a\\\\b/./c/", kTftpLike).value(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(split_beneath("/", kHttpLike)->empty());
  EXPECT_EQ(join_components(split_beneath("/a//b/", kHttpLike).value()), "a/b");
  EXPECT_EQ(join_components({}), "");
}

TEST(SplitBeneath, RefusesParentsControlBytesAndOverlongPaths) {
  const std::string refused[] = {"/a/../b", "..", "a/..", std::string("a\0b", 3), "a\nb", "a\x7f", "\tx", "a\\b"};
  for (const auto& path : refused) {
    SCOPED_TRACE(path);
    const auto parts = split_beneath(path, kHttpLike);
    ASSERT_FALSE(parts.has_value());
    EXPECT_EQ(parts.error().code, Errc::AccessDenied);
  }
  EXPECT_TRUE(split_beneath(std::string(1024, 'a'), kTftpLike).has_value());
  EXPECT_EQ(split_beneath(std::string(1025, 'a'), kTftpLike).error().code, Errc::AccessDenied);
  EXPECT_TRUE(split_beneath("...", kHttpLike).has_value());  // just a name
  EXPECT_TRUE(split_beneath("..foo", kHttpLike).has_value());
}

TEST(SplitBeneath, AnUploadsTemporaryNameGetsThePolicysAnswer) {
  constexpr PathPolicy kRefusing{.backslash_separates = true, .upload_temp_name = Errc::AccessDenied};
  for (const char* path : {".netbootd-upload-0123456789abcdef", "a/.netbootd-upload-x", "a\\.netbootd-upload-x/b"}) {
    SCOPED_TRACE(path);
    EXPECT_EQ(split_beneath(path, kRefusing).error().code, Errc::AccessDenied);
    EXPECT_EQ(split_beneath(path, kHttpLike).error().code, path[1] == '\\' ? Errc::AccessDenied : Errc::NotFound);
  }
  EXPECT_TRUE(split_beneath(".netbootd-uploaded", kRefusing).has_value());
  EXPECT_TRUE(split_beneath("a/x.netbootd-upload-1", kRefusing).has_value());
}

TEST_F(OpenBeneath, OpenParentWalksDirectoriesWithoutFollowingLinks) {
  std::string leaf;
  auto parent = open_parent_beneath(root_fd(), "dir/new.bin", leaf);
  ASSERT_TRUE(parent.has_value()) << parent.error().detail;
  EXPECT_EQ(leaf, "new.bin");
  struct stat st {};
  EXPECT_EQ(::fstatat(parent->get(), "inner.txt", &st, 0), 0);  // it is root/dir

  EXPECT_EQ(open_parent_beneath(root_fd(), "link_out/evil", leaf).error().code, Errc::AccessDenied);
  EXPECT_EQ(open_parent_beneath(root_fd(), "dir/boot_link/evil", leaf).error().code, Errc::AccessDenied);
  EXPECT_EQ(open_parent_beneath(root_fd(), "missing/evil", leaf).error().code, Errc::NotFound);
  EXPECT_EQ(open_parent_beneath(root_fd(), "file.txt/evil", leaf).error().code, Errc::NotFound);
}

TEST(OpenDirectory, NamesAMissingDirectory) {
  const auto root = open_directory("/nonexistent/netboot-root");
  ASSERT_FALSE(root.has_value());
  EXPECT_EQ(root.error().code, Errc::NotFound);
  EXPECT_NE(root.error().detail.find("/nonexistent/netboot-root"), std::string::npos);
}

TEST(OpenFailure, MapsErrnoToTheAnswerAClientGets) {
  const struct {
    int error;
    Errc code;
  } cases[] = {{EXDEV, Errc::AccessDenied}, {ELOOP, Errc::AccessDenied},   {EACCES, Errc::AccessDenied},
               {EPERM, Errc::AccessDenied}, {ENOENT, Errc::NotFound},      {ENOTDIR, Errc::NotFound},
               {ENAMETOOLONG, Errc::NotFound}, {EIO, Errc::Io},            {EMFILE, Errc::Io}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.error);
    const Unexpected failure = open_failure(c.error, "some/path");
    EXPECT_EQ(failure.error.code, c.code);
    EXPECT_NE(failure.error.detail.find("some/path"), std::string::npos);
  }
}

}  // namespace
}  // namespace netboot
