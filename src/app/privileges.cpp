#include "app/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "core/database_uri.hpp"
#include "core/text.hpp"

namespace netboot::app {
namespace {

namespace fs = std::filesystem;

std::string errno_text(int error) { return std::strerror(error); }

std::optional<unsigned> as_id(std::string_view text) {
  const auto value = parse_uint(text, 0, std::numeric_limits<std::uint32_t>::max() - 1);  // -1 means "unchanged"
  if (!value) return std::nullopt;
  return static_cast<unsigned>(*value);
}

// getpwnam_r/getgrnam_r with a buffer that grows on ERANGE (NSS entries can be large).
template <class Entry, class Lookup>
Result<std::optional<Entry>> lookup(Lookup call) {
  std::vector<char> buffer(4096);
  for (int attempt = 0; attempt < 8; ++attempt) {
    Entry entry{};
    Entry* found = nullptr;
    const int rc = call(&entry, buffer.data(), buffer.size(), &found);
    if (rc == ERANGE) {
      buffer.resize(buffer.size() * 4);
      continue;
    }
    if (rc != 0) return fail(Errc::Io, errno_text(rc));
    if (found == nullptr) return std::optional<Entry>{};
    return std::optional<Entry>{entry};
  }
  return fail(Errc::Io, "user database entry too large");
}

}  // namespace

Result<std::optional<Account>> resolve_account(const config::ProcessConfig& process) {
  if (process.user.empty()) return std::optional<Account>{};
  Account account;
  const auto user = lookup<passwd>([&](passwd* e, char* b, std::size_t n, passwd** r) {
    return ::getpwnam_r(process.user.c_str(), e, b, n, r);
  });
  if (!user) return fail(user.error().code, fmt::format("[netbootd] user {}: {}", process.user, user.error().detail));
  if (*user) {
    account.user = process.user;
    account.uid = (*user)->pw_uid;
    account.gid = (*user)->pw_gid;
  } else if (const auto id = as_id(process.user)) {
    account.user = process.user;
    account.uid = *id;
    account.gid = *id;  // a bare uid without a passwd entry: the group of the same number unless given
  } else {
    return fail(Errc::NotFound, fmt::format("[netbootd] user {}: no such user", process.user));
  }
  if (!process.group.empty()) {
    const auto group = lookup<struct group>([&](struct group* e, char* b, std::size_t n, struct group** r) {
      return ::getgrnam_r(process.group.c_str(), e, b, n, r);
    });
    if (!group) return fail(group.error().code, fmt::format("[netbootd] group {}: {}", process.group, group.error().detail));
    if (*group) {
      account.gid = (*group)->gr_gid;
    } else if (const auto id = as_id(process.group)) {
      account.gid = *id;
    } else {
      return fail(Errc::NotFound, fmt::format("[netbootd] group {}: no such group", process.group));
    }
    account.group = process.group;
  } else {
    account.group = std::to_string(account.gid);
  }
  if (account.uid == 0)
    return fail(Errc::BadValue, fmt::format("[netbootd] user {}: is root (uid 0); name an unprivileged account", account.user));
  return std::optional<Account>{account};
}

std::vector<fs::path> lease_paths_to_hand_over(const fs::path& lease_file) {
  std::vector<fs::path> out;
  if (lease_file.empty() || is_database_uri(lease_file.string())) return out;  // a database: no files
  std::error_code ec;
  const std::string base = lease_file.filename().string();
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    fs::path p = lease_file;
    p += suffix;
    if (fs::is_regular_file(fs::symlink_status(p, ec))) out.push_back(p);
  }
  // The directory: only when it is a dedicated one (holds nothing but the lease database),
  // not the filesystem root, not sticky (a /tmp-like directory is shared by design).
  const fs::path dir = fs::absolute(lease_file, ec).parent_path();
  if (ec || dir.empty() || dir == dir.root_path()) return out;
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || (st.st_mode & S_ISVTX) != 0) return out;
  bool dedicated = true;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.path().filename().string().starts_with(base)) {
      dedicated = false;
      break;
    }
  }
  if (!ec && dedicated) out.push_back(dir);
  return out;
}

Result<void> hand_over(const Account& account, const std::vector<fs::path>& paths) {
  if (::geteuid() != 0) return {};
  for (const auto& path : paths) {
    if (::lchown(path.c_str(), account.uid, account.gid) != 0)
      return fail(Errc::Io, fmt::format("cannot give {} to {}: {}", path.string(), account.user, errno_text(errno)));
  }
  return {};
}

Result<void> drop_privileges(const Account& account) {
  const auto who = fmt::format("{} (uid {}) / {} (gid {})", account.user, account.uid, account.group, account.gid);
  if (::geteuid() != 0) {
    if (::geteuid() == account.uid && ::getegid() == account.gid) return {};
    return fail(Errc::AccessDenied, fmt::format("cannot switch to {}: not running as root (uid {})", who, ::geteuid()));
  }
  // Order matters: supplementary groups and the gid can only be changed while still root.
  if (::setgroups(0, nullptr) != 0) return fail(Errc::Io, fmt::format("setgroups: {}", errno_text(errno)));
  if (::setresgid(account.gid, account.gid, account.gid) != 0)
    return fail(Errc::Io, fmt::format("setresgid {}: {}", account.gid, errno_text(errno)));
  if (::setresuid(account.uid, account.uid, account.uid) != 0)
    return fail(Errc::Io, fmt::format("setresuid {}: {}", account.uid, errno_text(errno)));

  // Verify, rather than trust the calls: every id is the account's, no group is left, and
  // root cannot be regained.
  uid_t ruid = 0, euid = 0, suid = 0;
  gid_t rgid = 0, egid = 0, sgid = 0;
  if (::getresuid(&ruid, &euid, &suid) != 0 || ::getresgid(&rgid, &egid, &sgid) != 0)
    return fail(Errc::Io, "getresuid/getresgid failed");
  if (ruid != account.uid || euid != account.uid || suid != account.uid || rgid != account.gid ||
      egid != account.gid || sgid != account.gid)
    return fail(Errc::Io, fmt::format("ids after the drop are not {}'s", who));
  if (::getgroups(0, nullptr) != 0) return fail(Errc::Io, "supplementary groups left after the drop");
  if (::setuid(0) == 0 || ::seteuid(0) == 0 || ::setgid(0) == 0)
    return fail(Errc::Io, "root could be regained after the drop");
  if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) return fail(Errc::Io, "no_new_privs is not set");
  return {};
}

Result<void> forbid_new_privileges() {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return fail(Errc::Io, fmt::format("PR_SET_NO_NEW_PRIVS: {}", errno_text(errno)));
  return {};
}

}  // namespace netboot::app
