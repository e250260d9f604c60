// --check-config's checks beyond the file (issue 22, items 3 and 4) and the bind advice
// (item 5). No sockets: a config, a temporary folder, and the account as data.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "app/preflight.hpp"
#include "net/bind_hint.hpp"

namespace netboot::app {
namespace {

namespace fs = std::filesystem;

class PreflightTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("netbootd-preflight-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ / "root");
    config_.source = dir_ / "netbootd.ini";
    config_.tftp.root_dir = dir_ / "root";
    config_.dhcp.lease_file = dir_ / "leases.db";
  }
  void TearDown() override { fs::remove_all(dir_); }
  void touch(const fs::path& relative) {
    fs::create_directories((dir_ / "root" / relative).parent_path());
    std::ofstream(dir_ / "root" / relative) << "x";
  }
  void boot_file(const std::string& key, const std::string& file, int line) {
    config_.dhcp.boot_files.sources.push_back({key, file, {config_.source.string(), line}});
  }

  fs::path dir_;
  config::Config config_;
};

RunAs user(uid_t uid, bool low_ports = false) {
  RunAs r;
  r.uid = uid;
  r.gid = uid;
  r.name = "user" + std::to_string(uid);
  r.can_bind_low_ports = low_ports;
  return r;
}

TEST_F(PreflightTest, MissingBootFilesNameTheirKeyAndLine) {
  touch("pxelinux.0");
  touch("efi/ipxe.efi");
  boot_file("[bootfile] 00000", "pxelinux.0", 7);
  boot_file("[bootfile] 00007", "/efi/ipxe.efi", 8);  // a leading '/' is ignored, as TFTP does
  boot_file("[bootfile] 0000b", "grubaa64.efi", 9);
  boot_file("[bootp] boot_file", "../outside.0", 3);
  const auto found = check_boot_files(config_);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].find(config_.source.string() + ":9: [bootfile] 0000b: grubaa64.efi does not exist beneath the TFTP "
                               "root (grubaa64.efi: No such file or directory): copy it there, or fix the name (clients "
                               "given it cannot boot; TFTP root " +
                           (dir_ / "root").string() + ")"),
            0u)
      << found[0];
  EXPECT_NE(found[1].find(":3: [bootp] boot_file: ../outside.0 cannot be served by TFTP"), std::string::npos) << found[1];
}

TEST_F(PreflightTest, BootFilesReachedThroughFiltersAreFine) {
  config_.tftp.filters.push_back({"grub*", "images/grub/{filename}", {}});
  touch("images/grub/grubaa64.efi");
  boot_file("[bootfile] 0000b", "grubaa64.efi", 9);
  EXPECT_TRUE(check_boot_files(config_).empty());
}

// Review of issue 22 (B): what TFTP refuses, the check refuses too, and says why.
TEST_F(PreflightTest, BootFilesTftpWouldRefuseAreReportedWithTheReason) {
  std::ofstream(dir_ / "outside.0") << "x";
  fs::create_symlink(dir_ / "outside.0", dir_ / "root" / "pxelinux.0");  // Debian's ln -s habit
  touch("linked.0");
  fs::create_hard_link(dir_ / "root" / "linked.0", dir_ / "second-name.0");
  config_.tftp.base_dir = dir_;
  config_.tftp.filters.push_back({"missing.*", "nothere/{filename}", {}});
  boot_file("[bootfile] 00000", "pxelinux.0", 7);
  boot_file("[bootfile] 00007", "linked.0", 8);
  boot_file("[bootfile] default", "missing.0", 9);
  const auto found = check_boot_files(config_);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_NE(found[0].find(":7: [bootfile] 00000: pxelinux.0 is a symbolic link leading out of the TFTP root"),
            std::string::npos)
      << found[0];
  EXPECT_NE(found[0].find("copy the file into the root"), std::string::npos) << found[0];
  EXPECT_NE(found[0].find("bind-mount"), std::string::npos) << found[0];
  EXPECT_NE(found[1].find(":8: [bootfile] 00007: linked.0 is hard-linked"), std::string::npos) << found[1];
  EXPECT_NE(found[1].find("copy the file instead of linking it"), std::string::npos) << found[1];
  EXPECT_NE(found[2].find(":9: [bootfile] default: missing.0 does not exist beneath the TFTP root (nothere/missing.0"),
            std::string::npos)
      << found[2];
}

// Review of issue 22 (D): a root or boot file the account cannot read fails every request.
TEST_F(PreflightTest, RootsAndBootFilesUnreadableByTheAccountAreReported) {
  touch("pxelinux.0");
  boot_file("[bootfile] 00000", "pxelinux.0", 7);
  const auto owner = ::geteuid();
  const uid_t other = owner == 0 ? 65534 : owner + 1;
  EXPECT_TRUE(check_readable(config_, user(owner)).empty());
  EXPECT_TRUE(check_readable(config_, user(other)).empty());  // 0755 root, 0644 file (umask 022)
  fs::permissions(dir_ / "root" / "pxelinux.0", fs::perms::owner_read | fs::perms::owner_write);
  auto found = check_readable(config_, user(other));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find(": [bootfile] 00000: " + (dir_ / "root" / "pxelinux.0").string() + " (owner "),
            std::string::npos)
      << found[0];
  EXPECT_NE(found[0].find("cannot be read by user user" + std::to_string(other)), std::string::npos) << found[0];
  fs::permissions(dir_ / "root", fs::perms::owner_all);
  found = check_readable(config_, user(other));
  ASSERT_EQ(found.size(), 2u);
  EXPECT_NE(found[0].find(": [tftp] root: " + (dir_ / "root").string()), std::string::npos) << found[0];
  EXPECT_NE(found[0].find("cannot be searched by user"), std::string::npos) << found[0];
  EXPECT_TRUE(check_readable(config_, user(0)).empty());
}

TEST_F(PreflightTest, NoBootFileCheckForRemoteRootsOrWithoutTftp) {
  boot_file("[bootfile] 00000", "pxelinux.0", 7);
  config_.tftp.root_url = "http://127.0.0.1:1/boot";
  EXPECT_TRUE(check_boot_files(config_).empty());
  config_.tftp.root_url.clear();
  config_.services.tftp = false;
  EXPECT_TRUE(check_boot_files(config_).empty());
  config_.services.tftp = true;
  EXPECT_EQ(check_boot_files(config_).size(), 1u);
}

TEST_F(PreflightTest, ArchitecturesWithoutABootFileAreListed) {
  auto& table = config_.dhcp.boot_files;
  table.by_arch[0] = "pxelinux.0";
  table.by_arch[7] = "ipxe.efi";
  const auto found = check_architectures(config_);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find("no boot file for architecture 00006 (x86 UEFI), 00010 (ARM32 UEFI), 00011 (ARM64 UEFI): "
                          "such PXE clients are ignored"),
            std::string::npos)
      << found[0];
  table.fallback = "pxelinux.0";
  EXPECT_TRUE(check_architectures(config_).empty());
}

TEST_F(PreflightTest, LeaseFolderNotWritableByTheAccountIsReportedWithTheFix) {
  fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
  const auto owner = ::geteuid();
  // The folder's owner may write; another account may not.
  EXPECT_TRUE(check_lease_folder(config_, user(owner)).empty());
  const uid_t other = owner == 0 ? 65534 : owner + 1;
  if (owner == 0) {
    const auto found = check_lease_folder(config_, user(other));
    ASSERT_EQ(found.size(), 1u);
    EXPECT_NE(found[0].find("[bootp] lease_file: the folder " + dir_.string()), std::string::npos) << found[0];
    EXPECT_NE(found[0].find("is not writable by user user65534 (uid 65534), which netbootd runs as: chown user65534 " +
                            dir_.string()),
              std::string::npos)
        << found[0];
  }
  // A folder still to be created: the first existing one above it decides.
  config_.dhcp.lease_file = dir_ / "a" / "b" / "leases.db";
  EXPECT_TRUE(check_lease_folder(config_, user(owner)).empty());
  if (owner == 0) EXPECT_EQ(check_lease_folder(config_, user(other)).size(), 1u);
  // Root may write anywhere.
  EXPECT_TRUE(check_lease_folder(config_, user(0)).empty());
}

// Review of issue 22 (C): started as root, a missing lease folder is created and handed over.
TEST_F(PreflightTest, MissingLeaseFolderIsFineWhenStartedAsRoot) {
  fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
  config_.dhcp.lease_file = dir_ / "state" / "leases.db";
  auto dropping = user(::geteuid() == 0 ? 65534 : ::geteuid() + 1);
  dropping.starts_as_root = true;
  EXPECT_TRUE(check_lease_folder(config_, dropping).empty());
  const auto note = lease_folder_note(config_, dropping);
  ASSERT_TRUE(note);
  EXPECT_NE(note->find("the folder " + (dir_ / "state").string() + " does not exist yet: netbootd, started as root, "
                       "will create it and hand it to user " + dropping.name),
            std::string::npos)
      << *note;
  fs::create_directories(dir_ / "state");
  EXPECT_FALSE(lease_folder_note(config_, dropping));
  // Not started as root: the nearest existing folder above decides (dir_ is not writable by the account).
  fs::remove(dir_ / "state");
  dropping.starts_as_root = false;
  if (::geteuid() == 0) EXPECT_EQ(check_lease_folder(config_, dropping).size(), 1u);
}

TEST_F(PreflightTest, LowPortsNeedRootOrTheCapability) {
  config_.services.http = true;
  config_.httpd.port = 8080;
  auto found = check_ports(config_, user(1000), 1024);
  ASSERT_EQ(found.size(), 2u);  // 67 and 69; 8080 is fine
  EXPECT_NE(found[0].find("[bootp] port 67: a port below 1024 needs root or CAP_NET_BIND_SERVICE, and user user1000 "
                          "(uid 1000) has neither"),
            std::string::npos)
      << found[0];
  EXPECT_NE(found[0].find("AmbientCapabilities=CAP_NET_BIND_SERVICE"), std::string::npos);
  EXPECT_NE(found[1].find("[tftp] port 69:"), std::string::npos) << found[1];
  EXPECT_TRUE(check_ports(config_, user(1000, true), 1024).empty());  // root or CAP_NET_BIND_SERVICE
  EXPECT_TRUE(check_ports(config_, user(1000), 0).empty());           // ip_unprivileged_port_start = 0
  config_.services.dhcp = false;
  EXPECT_EQ(check_ports(config_, user(1000), 1024).size(), 1u);
}

TEST(BindHint, AddressInUseAndPermissionDeniedSayWhatToDo) {
  const auto in_use = net::bind_hint(std::make_error_code(std::errc::address_in_use), 67, "u");
  EXPECT_NE(in_use.find("another DHCP server"), std::string::npos) << in_use;
  EXPECT_NE(in_use.find("ss -lunp 'sport = :67'"), std::string::npos) << in_use;
  EXPECT_NE(net::bind_hint(std::make_error_code(std::errc::address_in_use), 69, "u").find("another TFTP server"),
            std::string::npos);
  EXPECT_NE(net::bind_hint(std::make_error_code(std::errc::address_in_use), 80, "t").find("ss -ltnp"), std::string::npos);
  const auto denied = net::bind_hint(std::make_error_code(std::errc::permission_denied), 69, "u");
  EXPECT_NE(denied.find("needs root or CAP_NET_BIND_SERVICE"), std::string::npos) << denied;
  EXPECT_EQ(net::bind_hint(std::make_error_code(std::errc::permission_denied), 6969, "u"), "");
  EXPECT_EQ(net::bind_hint(std::make_error_code(std::errc::invalid_argument), 67, "u"), "");
}

}  // namespace
}  // namespace netboot::app
