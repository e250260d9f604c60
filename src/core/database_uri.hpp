#pragma once
// A lease database named by a libpq connection URI ([bootp] lease_file = postgresql://...)
// instead of a file path. Pure text helpers, shared by the config loader (which must not
// resolve a URI as a path) and every place that logs it (which must not log its password).
#include <string>
#include <string_view>

namespace netboot {

/// True for "postgresql://..." and "postgres://..." (the two URI schemes libpq accepts).
[[nodiscard]] bool is_database_uri(std::string_view text) noexcept;

/// The URI with its password replaced by "***": both the userinfo form
/// (postgresql://user:secret@host/db) and a password=... query parameter. Anything else is
/// returned unchanged. Used for every log line and error message that names the database.
[[nodiscard]] std::string redact_database_uri(std::string_view uri);

}  // namespace netboot
