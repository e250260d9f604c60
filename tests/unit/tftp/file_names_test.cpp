// TFTP's names beneath its root: sanitize_name, then open_beneath with TFTP's policy, through
// the shared-file cache as the service does it. The shared mechanics: tests/unit/core/open_beneath_test.cpp.
#include "tftp/file_names.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "temp_tree.hpp"
#include "tftp/file_source.hpp"
#include "tftp/local_file_sink.hpp"

namespace netboot::tftp {
namespace {

using testing::TempTree;

/// root/ holds legitimate files and traps; outside/ holds what must never be served.
class Confinement : public ::testing::Test {
 protected:
  void SetUp() override {
    tree.write("outside/secret", "SECRET");
    tree.write("root/pxelinux.0", "PXE");
    tree.write("root/boot/grub/grub.cfg", "GRUB");
    tree.write("root/efi/x64/grubx64.efi", "EFI");
    tree.write("root/....", "FOUR DOTS");
    tree.write("root/..foo", "DOTDOTFOO");
    tree.write("root/with space.txt", "SPACE");
    tree.write("root/unicode-é.cfg", "UNICODE");
    tree.symlink(tree.base() / "outside/secret", "root/abs_link_out");
    tree.symlink("../outside/secret", "root/rel_link_out");
    tree.symlink("../outside", "root/dir_link_out");
    tree.symlink("/", "root/slash_link");
    tree.symlink("/etc/passwd", "root/passwd_link");
    tree.symlink("/proc/self/root/etc/passwd", "root/proc_link");
    tree.symlink("loop_b", "root/loop_a");
    tree.symlink("loop_a", "root/loop_b");
    tree.symlink("boot/../../outside/secret", "root/sneaky_link");
    tree.symlink("pxelinux.0", "root/inside_link");
    tree.symlink("boot", "root/boot_dir_link");
    tree.symlink(tree.root() / "pxelinux.0", "root/abs_link_in");
    std::filesystem::create_directories(tree.root() / "emptydir");
    ASSERT_EQ(::mkfifo((tree.root() / "fifo").c_str(), 0644), 0);
    auto dir = DirectorySource::create(tree.root().string(), cache);
    ASSERT_TRUE(dir.has_value());
    source = std::move(*dir);
  }

  Result<std::string> serve(std::string_view requested, ResolveMethod method) {
    auto name = sanitize_name(requested);
    if (!name) return fail(name.error().code, name.error().detail);
    auto opened = open_beneath(source->fd(), *name, kPathPolicy, method);
    if (!opened) return fail(opened.error().code, opened.error().detail);
    auto file = cache.adopt(std::move(opened->fd));
    if (!file) return fail(file.error().code, file.error().detail);
    std::string content(64, '\0');
    auto got = (*file)->read_at(0, std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(content.data()), content.size()));
    if (!got) return fail(got.error().code, got.error().detail);
    content.resize(*got);
    return content;
  }

  TempTree tree;
  SharedFileCache cache;
  std::unique_ptr<DirectorySource> source;
};

const std::string_view kHostile[] = {
    "..",
    "../outside/secret",
    "../../../../../../etc/passwd",
    "boot/../../outside/secret",
    "boot/..",
    "./../outside/secret",
    "boot/./../../outside/secret",
    "..\\outside\\secret",
    "boot\\..\\..\\outside\\secret",
    "/../outside/secret",
    "//..//outside//secret",
    "\\..\\outside\\secret",
    "/etc/passwd",
    "/proc/self/environ",
    "C:\\..\\outside\\secret",
    "abs_link_out",
    "rel_link_out",
    "dir_link_out/secret",
    "slash_link/etc/passwd",
    "passwd_link",
    "proc_link",
    "loop_a",
    "sneaky_link",
    "emptydir",
    "boot",
    "fifo",
    "",
    "/",
    ".",
    "./",
    std::string_view("pxelinux.0\0../outside/secret", 28),
    std::string_view("boot\0", 5),
    "boot/\x01grub.cfg",
    "pxelinux.0\n",
    "%2e%2e/outside/secret",
    "..%2foutside%2fsecret",
    "boot/grub/grub.cfg/..",
};

TEST_F(Confinement, RefusesEveryHostileName) {
  for (const auto method : {ResolveMethod::Auto, ResolveMethod::ComponentWalk}) {
    for (const auto name : kHostile) {
      SCOPED_TRACE(::testing::Message() << "method " << static_cast<int>(method) << " name '" << name << "'");
      const auto served = serve(name, method);
      EXPECT_FALSE(served.has_value()) << "served: " << served.value();
    }
  }
}

TEST_F(Confinement, HostileNamesGetAccessDeniedOrNotFoundNeverIo) {
  for (const auto name : kHostile) {
    SCOPED_TRACE(name);
    const auto served = serve(name, ResolveMethod::Auto);
    if (served) continue;
    EXPECT_TRUE(served.error().code == Errc::AccessDenied || served.error().code == Errc::NotFound)
        << to_string(served.error().code) << ": " << served.error().detail;
  }
}

TEST_F(Confinement, ServesLegitimateNames) {
  const struct {
    std::string_view name;
    std::string_view content;
  } cases[] = {
      {"pxelinux.0", "PXE"},
      {"/pxelinux.0", "PXE"},
      {"./pxelinux.0", "PXE"},
      {"pxelinux.0/", "PXE"},
      {"boot/grub/grub.cfg", "GRUB"},
      {"boot\\grub\\grub.cfg", "GRUB"},
      {"/boot//grub/./grub.cfg", "GRUB"},
      {"efi/x64/grubx64.efi", "EFI"},
      {"....", "FOUR DOTS"},
      {"..foo", "DOTDOTFOO"},
      {"with space.txt", "SPACE"},
      {"unicode-é.cfg", "UNICODE"},
  };
  for (const auto method : {ResolveMethod::Auto, ResolveMethod::ComponentWalk}) {
    for (const auto& c : cases) {
      SCOPED_TRACE(c.name);
      const auto served = serve(c.name, method);
      ASSERT_TRUE(served.has_value()) << served.error().detail;
      EXPECT_EQ(*served, c.content);
    }
  }
}

TEST_F(Confinement, SymlinksStayingInsideTheRootAreFollowedByOpenat2Only) {
  EXPECT_EQ(serve("inside_link", ResolveMethod::Auto).value(), "PXE");
  EXPECT_EQ(serve("boot_dir_link/grub/grub.cfg", ResolveMethod::Auto).value(), "GRUB");
  // The component walk follows no symlink at all: stricter, never looser.
  EXPECT_FALSE(serve("inside_link", ResolveMethod::ComponentWalk).has_value());
  EXPECT_FALSE(serve("boot_dir_link/grub/grub.cfg", ResolveMethod::ComponentWalk).has_value());
  // An absolute link is refused even when it points inside (RESOLVE_BENEATH).
  EXPECT_FALSE(serve("abs_link_in", ResolveMethod::Auto).has_value());
}

TEST_F(Confinement, WhatIsNotARegularFileIsAnAccessViolation) {
  for (const auto method : {ResolveMethod::Auto, ResolveMethod::ComponentWalk}) {
    for (const std::string_view name : {"emptydir", "boot", "boot/", "fifo"}) {
      SCOPED_TRACE(name);
      const auto served = serve(name, method);
      ASSERT_FALSE(served.has_value());
      EXPECT_EQ(served.error().code, Errc::AccessDenied) << served.error().detail;
    }
  }
}

TEST_F(Confinement, MissingFileIsNotFound) {
  const auto served = serve("nope.bin", ResolveMethod::Auto);
  ASSERT_FALSE(served.has_value());
  EXPECT_EQ(served.error().code, Errc::NotFound);
}

TEST_F(Confinement, ConcurrentOpensOfOneFileShareOneDescriptor) {
  auto a = source->open_now("pxelinux.0");
  auto b = source->open_now("pxelinux.0");
  auto c = source->open_now("boot/grub/grub.cfg");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->get(), b->get());
  EXPECT_NE(a->get(), c->get());
  EXPECT_EQ(cache.open_count(), 2u);
  a->reset();
  b->reset();
  EXPECT_EQ(cache.open_count(), 1u);
}

TEST_F(Confinement, CreateBeneathRefusesExistingFilesAndEscapes) {
  {
    auto created = create_beneath(source->fd(), "upload.bin");
    ASSERT_TRUE(created.has_value());
    LocalFileSink sink(std::move(*created));
    ASSERT_TRUE(sink.commit().has_value());
  }
  EXPECT_EQ(create_beneath(source->fd(), "upload.bin").error().code, Errc::BadValue);
  EXPECT_FALSE(create_beneath(source->fd(), "dir_link_out/evil").has_value());
  EXPECT_FALSE(create_beneath(source->fd(), "abs_link_out").has_value());
  EXPECT_FALSE(std::filesystem::exists(tree.base() / "outside/evil"));
}

TEST(SanitizeName, NormalisesSeparatorsAndDropsEmptyComponents) {
  EXPECT_EQ(sanitize_name("\\a\\\\b/./c/").value(), "a/b/c");
  EXPECT_EQ(sanitize_name(std::string(1024, 'a')).value().size(), 1024u);
  EXPECT_FALSE(sanitize_name(std::string(1025, 'a')).has_value());
}

TEST_F(Confinement, BootFileSizeOpensAsTftpDoes) {
  // Issue 23 item 2: option 13 followed symlinks and told the size of files TFTP refuses.
  EXPECT_EQ(served_file_size(source->fd(), "pxelinux.0"), 3u);
  EXPECT_EQ(served_file_size(source->fd(), "/boot/grub/grub.cfg"), 4u);
  EXPECT_EQ(served_file_size(source->fd(), "inside_link"), 3u);
  for (const char* refused : {"abs_link_out", "rel_link_out", "dir_link_out/secret", "passwd_link", "proc_link",
                              "sneaky_link", "../outside/secret", "emptydir", "fifo", "missing", ""}) {
    SCOPED_TRACE(refused);
    EXPECT_EQ(served_file_size(source->fd(), refused), std::nullopt);
  }
}

}  // namespace
}  // namespace netboot::tftp
