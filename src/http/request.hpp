#pragma once
// One HTTP request as a plain value: what the request parser hands to the responder.
#include <optional>
#include <string>

namespace netboot::http {

enum class Method { Get, Head, Other };

struct Request {
  Method method = Method::Other;
  std::string method_name;                       // as sent, for logs and 405 ("POST")
  std::string target;                            // the raw request-target, for logs
  std::string path;                              // percent-decoded path, query dropped; may hold NUL
  std::optional<std::string> range;              // Range (repeated fields joined with ", ", RFC 9110 5.3)
  std::optional<std::string> if_modified_since;  // If-Modified-Since
  std::optional<std::string> host;               // Host (repeated fields joined with ", ": never a valid name)
  unsigned http_major = 1;
  unsigned http_minor = 1;
  bool keep_alive = true;                        // HTTP/1.1 default, Connection: close; 1.0 needs keep-alive
};

}  // namespace netboot::http
