#pragma once
// The request-to-response decision, pure: a Request, the access decision and what the
// resolver found go in; the status, the header fields and the byte range to send come out.
// The service only opens files, writes bytes and logs.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/access.hpp"
#include "http/request.hpp"

namespace netboot::http {

/// What the responder needs to know about a file (from fstat on the opened descriptor).
struct FileInfo {
  std::uint64_t size = 0;
  std::int64_t mtime = 0;  // Unix seconds
  friend bool operator==(const FileInfo&, const FileInfo&) = default;
};

/// What resolving the request path gave.
struct FileLookup {
  enum class Outcome { Found, NotFound, Forbidden, Error };
  Outcome outcome = Outcome::NotFound;
  FileInfo info;  // for Found
};

struct ResponsePlan {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // in sending order
  bool send_file = false;   // body = the file's bytes [offset, offset + length)
  std::uint64_t offset = 0;
  std::uint64_t length = 0;  // also the Content-Length of a HEAD answer's file
  std::string text;         // body of an error answer (sent unless HEAD)
  bool keep_alive = true;
  std::string note;         // why, for the log ("escape", "no lease"); empty when served

  [[nodiscard]] const std::string* header(std::string_view name) const;
};

/// Whether plan_response() will look at the file: a refused method or client never reaches
/// the filesystem.
[[nodiscard]] bool needs_file(const Request& request, Access access);

/// The decision, in this order: method (GET/HEAD, else 405), access (403 "no lease"),
/// lookup (403 forbidden, 404, 500), If-Modified-Since (304), Range (206/416), else 200.
/// `now` is the Date field's value (Unix seconds).
[[nodiscard]] ResponsePlan plan_response(const Request& request, Access access, const FileLookup& lookup,
                                         std::int64_t now);

/// A body made in memory (a generated iPXE script): 200 with `body` (not sent for HEAD),
/// never cached; a method other than GET or HEAD gets 405 as for a file.
[[nodiscard]] ResponsePlan plan_generated(const Request& request, std::string body, std::string_view content_type,
                                          std::int64_t now);

/// An answer that needs no request (parse errors, 503 when full); closes the connection.
[[nodiscard]] ResponsePlan plan_error(int status, std::int64_t now, std::string note = {});

/// Status line and header fields, ending with the empty line.
[[nodiscard]] std::string serialize_head(const ResponsePlan& plan);

[[nodiscard]] std::string_view reason_phrase(int status);

}  // namespace netboot::http
