#pragma once
// Incremental HTTP/1.x request parsing over libhttp-parser (Debian libhttp-parser-dev):
// bytes in, a Request value out. The wrapper only collects what the file service needs
// and enforces our size limits; the grammar is the library's.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "http/request.hpp"

struct http_parser;
struct http_parser_settings;

namespace netboot::http {

struct ParserLimits {
  std::size_t max_target = 4096;         // request-target bytes (414 beyond)
  std::size_t max_header_bytes = 16384;  // all field names + values (431 beyond)
};

class RequestParser {
 public:
  enum class State { NeedMore, Complete, Failed };
  struct Progress {
    State state = State::NeedMore;
    std::size_t consumed = 0;  // bytes of the input used; the rest belongs to the next request
  };

  explicit RequestParser(ParserLimits limits = {});
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  /// Feeds bytes. Stops right after a complete request (pipelined bytes are left unconsumed)
  /// and stays Complete until next(); after Failed the connection must be answered and closed.
  Progress feed(std::string_view data);
  /// Forgets the completed request and readies the parser for the next one on the connection.
  void next();

  /// The request; valid once feed() returned Complete.
  [[nodiscard]] const Request& request() const { return request_; }
  /// The status to answer after Failed: 400, 414, 431, 501 or 505.
  [[nodiscard]] int error_status() const { return error_status_; }
  [[nodiscard]] const std::string& error_detail() const { return error_detail_; }

 private:
  struct Callbacks;
  friend struct Callbacks;

  void reset_message();
  bool finish_headers();
  bool fail_with(int status, std::string detail);
  bool count(std::size_t bytes);
  void store_header();

  ParserLimits limits_;
  std::unique_ptr<http_parser> parser_;
  Request request_;
  State state_ = State::NeedMore;
  int error_status_ = 0;
  std::string error_detail_;
  // Header assembly: a field or value may arrive in several pieces.
  std::string field_;
  std::string value_;
  bool in_value_ = false;
  std::size_t header_bytes_ = 0;
};

}  // namespace netboot::http
