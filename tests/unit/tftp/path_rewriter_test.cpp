#include "tftp/path_rewriter.hpp"

#include <gtest/gtest.h>

#include "temp_tree.hpp"
#include "tftp/file_locator.hpp"

namespace netboot::tftp {
namespace {

TEST(GlobMatch, MatchesLikePybootdsTranslatedRegex) {
  const struct {
    std::string_view pattern, text;
    bool match;
  } cases[] = {
      {"pxelinux.cfg/*", "pxelinux.cfg/01-aa-bb-cc-dd-ee-ff", true},
      {"pxelinux.cfg/*", "pxelinux.cfg/", true},
      {"pxelinux.cfg/*", "pxelinux.cfg", false},
      {"pxelinux.cfg/*", "xpxelinux.cfg/a", false},
      {"*.efi", "efi/boot/bootx64.efi", true},  // '*' crosses '/', as in pybootd
      {"*.efi", "bootx64.efi.bak", false},
      {"startup", "startup", true},
      {"startup", "startup2", false},
      {"file?.bin", "file1.bin", true},
      {"file?.bin", "file12.bin", false},
      {"a*b*c", "aXXbYYc", true},
      {"a*b*c", "aXXbYY", false},
      {"*", "", true},
      {"", "", true},
      {"pxe.0", "pxeX0", false},  // '.' is literal
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.pattern) + " ~ " + std::string(c.text));
    EXPECT_EQ(glob_match(c.pattern, c.text), c.match);
  }
}

PathRewriter rewriter(std::vector<std::pair<std::string, std::string>> rules) {
  std::vector<config::FilterRule> out;
  for (auto& [pattern, replacement] : rules) out.push_back({pattern, replacement, {}});
  return PathRewriter(std::move(out));
}

TEST(PathRewriter, FirstMatchingRuleWinsAndSplitsFixedFromClientParts) {
  const auto r = rewriter({{"pxelinux.cfg/*", "pybootd/etc/pxe.cfg"},
                           {"startup", "[dir/{filename}.cfg]"},
                           {"*.efi", "/srv/efi/{filename}"},
                           {"*", "per-client/{bootfile}"}});
  const auto pxe = r.apply("pxelinux.cfg/01-aa", {"pxelinux.cfg/01-aa", ""});
  ASSERT_TRUE(pxe);
  EXPECT_EQ(pxe->directory, "pybootd/etc");
  EXPECT_EQ(pxe->name, "pxe.cfg");
  EXPECT_FALSE(pxe->has_variable);
  EXPECT_FALSE(pxe->indirect);

  const auto startup = r.apply("startup", {"startup", ""});
  ASSERT_TRUE(startup);
  EXPECT_TRUE(startup->indirect);
  EXPECT_EQ(startup->directory, "dir");
  EXPECT_EQ(startup->name, "startup.cfg");

  const auto efi = r.apply("boot/x.efi", {"boot/x.efi", ""});
  ASSERT_TRUE(efi);
  EXPECT_EQ(efi->directory, "/srv/efi");
  EXPECT_EQ(efi->name, "boot/x.efi");
  EXPECT_TRUE(efi->has_variable);

  const auto other = r.apply("kernel", {"kernel", "host42/vmlinuz"});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->name, "host42/vmlinuz");
  const auto no_lease = r.apply("kernel", {"kernel", ""});
  EXPECT_EQ(no_lease->name, "kernel");
  EXPECT_EQ(other->rule, 3u);
}

TEST(PathRewriter, NoRuleMeansNoRewrite) {
  EXPECT_FALSE(rewriter({{"a", "b"}}).apply("c", {"c", ""}).has_value());
  EXPECT_FALSE(rewriter({}).apply("c", {"c", ""}).has_value());
}

class Locator : public ::testing::Test {
 protected:
  void SetUp() override {
    tree.write("outside/secret", "SECRET");
    tree.write("config/pybootd/etc/pxe.cfg", "PXECFG");   // beside the configuration file
    tree.write("config/netbootd.ini", "CONFIG");            // the configuration file itself
    tree.write("config/leases.db", "LEASES");
    tree.write("config/dir/startup.cfg", "images/real-startup\n# comment\n");
    tree.write("config/dir/evil.cfg", "../outside/secret\n");
    tree.write("root/images/real-startup", "REAL");
    tree.write("root/efi/x.efi", "EFI");
    tree.write("root/pxelinux.cfg/default", "DEFAULT");
    tree.write("shared/common.cfg", "SHARED");
    auto dir = DirectorySource::create(tree.root().string(), cache);
    ASSERT_TRUE(dir.has_value());
    root = std::move(*dir);
  }

  FileLocator locator(std::vector<std::pair<std::string, std::string>> rules) {
    return FileLocator(rewriter(std::move(rules)), tree.base() / "config", root.get(), cache);
  }

  /// What a request ends up serving: the content of the file, or the error code.
  std::string serve(const FileLocator& l, std::string_view requested, std::string_view bootfile = "") {
    auto located = l.locate(requested, bootfile);
    if (!located) return std::string("error:") + std::string(to_string(located.error().code));
    std::shared_ptr<ByteSource> file = located->local;
    if (!file) {
      auto opened = root->open_now(located->root_name);
      if (!opened) return std::string("error:") + std::string(to_string(opened.error().code));
      file = *opened;
    }
    std::string content(64, '\0');
    const auto got = file->read_at(0, std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(content.data()), 64));
    content.resize(*got);
    return content;
  }

  testing::TempTree tree;
  SharedFileCache cache;
  std::unique_ptr<DirectorySource> root;
};

TEST_F(Locator, ReadmeExampleServesOneFileForEveryPxelinuxConfigName) {
  const auto l = locator({{"pxelinux.cfg/*", "pybootd/etc/pxe.cfg"}});
  EXPECT_EQ(serve(l, "pxelinux.cfg/01-00-11-22-33-44-55"), "PXECFG");
  EXPECT_EQ(serve(l, "pxelinux.cfg/C0A8"), "PXECFG");
  EXPECT_EQ(serve(l, "efi/x.efi"), "EFI");  // unmatched: as requested
}

TEST_F(Locator, ReadmeExampleReadsTheNameFromABracketedFile) {
  const auto l = locator({{"startup", "[dir/{filename}.cfg]"}});
  EXPECT_EQ(serve(l, "startup"), "REAL");
}

TEST_F(Locator, NameReadFromAFileCannotClimbOutOfTheRoot) {
  const auto l = locator({{"evil", "[dir/{filename}.cfg]"}});
  EXPECT_EQ(serve(l, "evil"), "error:" + std::string(to_string(Errc::AccessDenied)));
}

TEST_F(Locator, RelativeTargetFallsBackToTheRootWhenNotBesideTheConfiguration) {
  const auto l = locator({{"pxelinux.cfg/*", "pxelinux.cfg/default"}});
  EXPECT_EQ(serve(l, "pxelinux.cfg/01-aa"), "DEFAULT");
}

TEST_F(Locator, ClientPartCannotClimbOutOfTheFixedDirectory) {
  const auto absolute = (tree.root() / "efi").string();
  const auto l = locator({{"*.efi", absolute + "/{filename}"}, {"x/*", "efi/{filename}"}});
  EXPECT_EQ(serve(l, "x.efi"), "EFI");
  // "{filename}" = "../../outside/secret.efi" cannot even be sanitised; a symlink-free escape
  // through the filter is refused.
  EXPECT_EQ(serve(l, "../../outside/secret.efi"), "error:" + std::string(to_string(Errc::AccessDenied)));
  EXPECT_EQ(serve(l, "x/../../outside/secret"), "error:" + std::string(to_string(Errc::AccessDenied)));
}

TEST_F(Locator, AdministratorsFixedTargetIsHonouredWhereverItIs) {
  const auto l = locator({{"common.cfg", "../shared/common.cfg"},
                          {"abs", (tree.base() / "shared/common.cfg").string()}});
  EXPECT_EQ(serve(l, "common.cfg"), "SHARED");
  EXPECT_EQ(serve(l, "abs"), "SHARED");
}

TEST_F(Locator, BootfileVariableComesFromTheLease) {
  const auto l = locator({{"boot.bin", "{bootfile}"}});
  EXPECT_EQ(serve(l, "boot.bin", "efi/x.efi"), "EFI");
  EXPECT_EQ(serve(l, "boot.bin", "../outside/secret"), "error:" + std::string(to_string(Errc::AccessDenied)));
}

TEST_F(Locator, ReplacementStartingWithAVariableNeverLooksBesideTheConfiguration) {
  // Issue 23 item 1: "* = {filename}" has no fixed directory; the configuration folder
  // (netbootd.ini with [http] credentials, the lease file) is not a place to look.
  for (const auto* replacement : {"{filename}", "{bootfile}", "./{filename}", "[{filename}]"}) {
    SCOPED_TRACE(replacement);
    const auto l = locator({{"*", replacement}});
    EXPECT_EQ(serve(l, "netbootd.ini"), "error:" + std::string(to_string(Errc::NotFound)));
    EXPECT_EQ(serve(l, "leases.db"), "error:" + std::string(to_string(Errc::NotFound)));
    if (std::string_view(replacement).front() != '[') EXPECT_EQ(serve(l, "efi/x.efi"), "EFI");
  }
  // An authorization server's "file:" value is no way there either.
  const auto l = locator({{"boot.bin", "{bootfile}"}});
  EXPECT_EQ(serve(l, "boot.bin", "netbootd.ini"), "error:" + std::string(to_string(Errc::NotFound)));
  EXPECT_EQ(serve(l, "boot.bin", "efi/x.efi"), "EFI");
}

}  // namespace
}  // namespace netboot::tftp
