#pragma once
// Dropping root once every socket is bound ([netbootd] user/group, docs/security.md).
// A boot server listens to unauthenticated broadcast traffic; after start-up it needs no
// privilege to serve, so a bug in a parser must not hand out root.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/result.hpp"

namespace netboot::app {

/// The account to run as, resolved to ids.
struct Account {
  std::string user;
  std::string group;
  uid_t uid = 0;
  gid_t gid = 0;
};

/// Resolves [netbootd] user/group through the system's user database (a number is taken as
/// an id). nullopt when no user is configured; an unknown name is an error. Without a group,
/// the user's primary group.
[[nodiscard]] Result<std::optional<Account>> resolve_account(const config::ProcessConfig& process);

/// What must stay writable for the dropped account: the SQLite lease file and the files SQLite
/// keeps beside it (-wal, -shm, -journal) that exist, and the directory holding them when it
/// holds nothing else (a dedicated directory such as /var/lib/netbootd; a shared one such as
/// /tmp or /var/lib is never given away).
[[nodiscard]] std::vector<std::filesystem::path> lease_paths_to_hand_over(const std::filesystem::path& lease_file);

/// chown()s `paths` to the account (lchown: a symlink is not followed). Only when running as
/// root; otherwise a no-op.
[[nodiscard]] Result<void> hand_over(const Account& account, const std::vector<std::filesystem::path>& paths);

/// PR_SET_NO_NEW_PRIVS: netbootd never executes anything, so no set-uid binary may give
/// rights back either. Per thread and inherited: call it before any thread is started.
[[nodiscard]] Result<void> forbid_new_privileges();

/// setgroups(0), setgid, setuid (every thread: glibc applies set*id process-wide), then
/// checks that the real, effective and saved ids are the account's, that no supplementary
/// group is left, that setuid(0) fails and that no_new_privs is set (forbid_new_privileges()).
/// Running already as the account is fine; running as another non-root account is an error.
[[nodiscard]] Result<void> drop_privileges(const Account& account);

}  // namespace netboot::app
