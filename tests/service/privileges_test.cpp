// [netbootd] user/group: resolving the account, choosing what to hand over, and the drop
// itself (in a forked child, so that the test process keeps its ids).
#include "app/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace netboot::app {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "netbootd-priv-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void touch(const fs::path& p) { std::ofstream(p) << "x"; }

bool contains(const std::vector<fs::path>& list, const fs::path& p) {
  return std::find(list.begin(), list.end(), p) != list.end();
}

TEST(ResolveAccount, NamesNumbersUnknownsAndRoot) {
  EXPECT_FALSE(resolve_account({}).value().has_value());  // no user: keep the account

  const passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  const auto by_name = resolve_account({"nobody", ""});
  ASSERT_TRUE(by_name && *by_name) << by_name.error().detail;
  EXPECT_EQ((*by_name)->uid, nobody->pw_uid);
  EXPECT_EQ((*by_name)->gid, nobody->pw_gid);  // the primary group when none is given

  const auto numeric = resolve_account({"4242", "4343"});
  ASSERT_TRUE(numeric && *numeric) << numeric.error().detail;
  EXPECT_EQ((*numeric)->uid, 4242u);
  EXPECT_EQ((*numeric)->gid, 4343u);

  const auto unknown = resolve_account({"no-such-user-netbootd", ""});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().detail, "[netbootd] user no-such-user-netbootd: no such user");
  const auto unknown_group = resolve_account({"nobody", "no-such-group-netbootd"});
  ASSERT_FALSE(unknown_group);
  EXPECT_EQ(unknown_group.error().detail, "[netbootd] group no-such-group-netbootd: no such group");

  for (const char* root : {"root", "0"}) {
    const auto refused = resolve_account({root, ""});
    ASSERT_FALSE(refused) << root;
    EXPECT_NE(refused.error().detail.find("is root (uid 0)"), std::string::npos);
  }
}

TEST(LeasePathsToHandOver, TheDatabaseFilesAlwaysTheDirectoryOnlyWhenDedicated) {
  TempDir tmp;
  const fs::path dedicated = tmp.path() / "state";
  fs::create_directory(dedicated);
  const fs::path db = dedicated / "leases.db";
  touch(db);
  touch(dedicated / "leases.db-wal");
  touch(dedicated / "leases.db-shm");
  auto paths = lease_paths_to_hand_over(db);
  EXPECT_TRUE(contains(paths, db));
  EXPECT_TRUE(contains(paths, dedicated / "leases.db-wal"));
  EXPECT_TRUE(contains(paths, dedicated / "leases.db-shm"));
  EXPECT_FALSE(contains(paths, dedicated / "leases.db-journal"));  // absent: nothing to hand over
  EXPECT_TRUE(contains(paths, dedicated));

  // Anything else in the directory makes it shared: the directory stays as it is.
  touch(dedicated / "netbootd.ini");
  paths = lease_paths_to_hand_over(db);
  EXPECT_TRUE(contains(paths, db));
  EXPECT_FALSE(contains(paths, dedicated));

  // A sticky directory (/tmp-like) is shared by design, even when it holds only the database.
  const fs::path sticky = tmp.path() / "sticky";
  fs::create_directory(sticky);
  ::chmod(sticky.c_str(), 01777);
  touch(sticky / "leases.db");
  EXPECT_FALSE(contains(lease_paths_to_hand_over(sticky / "leases.db"), sticky));

  // A symlink in place of the database is not followed (nor handed over).
  const fs::path linked = tmp.path() / "linked";
  fs::create_directory(linked);
  fs::create_symlink("/etc/passwd", linked / "leases.db");
  EXPECT_FALSE(contains(lease_paths_to_hand_over(linked / "leases.db"), linked / "leases.db"));
}

TEST(DropPrivileges, AsRootTheChildEndsAsTheAccountWithNoWayBack) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  const auto account = resolve_account({"nobody", ""});
  ASSERT_TRUE(account && *account);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Exit codes say which check failed (gtest assertions do not cross fork()).
    if (!forbid_new_privileges()) ::_exit(10);
    if (!drop_privileges(**account)) ::_exit(11);
    if (::getuid() != (*account)->uid || ::geteuid() != (*account)->uid) ::_exit(12);
    if (::getgid() != (*account)->gid || ::getgroups(0, nullptr) != 0) ::_exit(13);
    if (::setuid(0) == 0 || ::setgid(0) == 0) ::_exit(14);
    if (drop_privileges(**account)) ::_exit(0);  // already the account: fine, a no-op
    ::_exit(15);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(DropPrivileges, WithoutNoNewPrivsTheDropReportsIt) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  const auto account = resolve_account({"nobody", ""});
  ASSERT_TRUE(account && *account);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const auto dropped = drop_privileges(**account);
    ::_exit(!dropped && dropped.error().detail == "no_new_privs is not set" ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(DropPrivileges, AnotherUnprivilegedAccountCannotSwitch) {
  const auto account = resolve_account({"nobody", ""});
  ASSERT_TRUE(account && *account);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Become uid 4242 first (when root), then ask for nobody: refused, not attempted.
    if (::geteuid() == 0 && (::setgroups(0, nullptr) != 0 || ::setresgid(4242, 4242, 4242) != 0 ||
                             ::setresuid(4242, 4242, 4242) != 0))
      ::_exit(2);
    const auto dropped = drop_privileges(**account);
    ::_exit(!dropped && dropped.error().detail.find("not running as root") != std::string::npos ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace netboot::app
