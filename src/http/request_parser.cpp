#include "http/request_parser.hpp"

#include <http_parser.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "http/percent_decode.hpp"

namespace netboot::http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim_ows(std::string_view s) {  // RFC 9110 5.5: OWS around field values
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void set_or_join(std::optional<std::string>& slot, std::string_view value) {
  if (slot)
    *slot += ", " + std::string(value);
  else
    slot = std::string(value);
}

}  // namespace

// The C callbacks: each finds the wrapper through parser->data.
struct RequestParser::Callbacks {
  static RequestParser& self(http_parser* p) { return *static_cast<RequestParser*>(p->data); }

  static int on_message_begin(http_parser* p) {
    self(p).reset_message();
    return 0;
  }
  static int on_url(http_parser* p, const char* at, std::size_t length) {
    auto& s = self(p);
    if (s.request_.target.size() + length > s.limits_.max_target) return s.fail_with(414, "request-target too long") ? 0 : -1;
    s.request_.target.append(at, length);
    return 0;
  }
  static int on_header_field(http_parser* p, const char* at, std::size_t length) {
    auto& s = self(p);
    if (!s.count(length)) return -1;
    if (s.in_value_) {
      s.store_header();
      s.field_.clear();
      s.value_.clear();
      s.in_value_ = false;
    }
    s.field_.append(at, length);
    return 0;
  }
  static int on_header_value(http_parser* p, const char* at, std::size_t length) {
    auto& s = self(p);
    if (!s.count(length)) return -1;
    s.in_value_ = true;
    s.value_.append(at, length);
    return 0;
  }
  static int on_headers_complete(http_parser* p) {
    auto& s = self(p);
    if (s.in_value_ || !s.field_.empty()) s.store_header();
    return s.finish_headers() ? 0 : -1;  // 1 would mean "skip the body", not an error
  }
  static int on_message_complete(http_parser* p) {
    auto& s = self(p);
    if (s.state_ == State::Failed) return -1;
    s.state_ = State::Complete;
    // Stop here so that bytes of a pipelined next request stay unconsumed until next().
    http_parser_pause(p, 1);
    return 0;
  }
  static const http_parser_settings& settings() {
    static const http_parser_settings table = [] {
      http_parser_settings out{};
      http_parser_settings_init(&out);
      out.on_message_begin = on_message_begin;
      out.on_url = on_url;
      out.on_header_field = on_header_field;
      out.on_header_value = on_header_value;
      out.on_headers_complete = on_headers_complete;
      out.on_message_complete = on_message_complete;
      return out;
    }();
    return table;
  }
};

void RequestParser::store_header() {
  const std::string_view value = trim_ows(value_);
  // Only the fields the file service acts on are kept; the rest only count against the limit.
  if (iequals(field_, "Range")) set_or_join(request_.range, value);
  else if (iequals(field_, "If-Modified-Since")) request_.if_modified_since = std::string(value);
  else if (iequals(field_, "Host")) set_or_join(request_.host, value);
}

RequestParser::RequestParser(ParserLimits limits) : limits_(limits), parser_(std::make_unique<http_parser>()) {
  http_parser_init(parser_.get(), HTTP_REQUEST);
  parser_->data = this;
}

RequestParser::~RequestParser() = default;

void RequestParser::reset_message() {
  request_ = Request{};
  field_.clear();
  value_.clear();
  in_value_ = false;
  header_bytes_ = 0;
}

bool RequestParser::count(std::size_t bytes) {
  header_bytes_ += bytes;
  return header_bytes_ <= limits_.max_header_bytes || fail_with(431, "request header fields too large");
}

bool RequestParser::fail_with(int status, std::string detail) {
  if (state_ != State::Failed) {
    state_ = State::Failed;
    error_status_ = status;
    error_detail_ = std::move(detail);
  }
  return false;
}

bool RequestParser::finish_headers() {
  const http_parser& p = *parser_;
  request_.http_major = p.http_major;
  request_.http_minor = p.http_minor;
  if (p.http_major != 1) return fail_with(505, fmt::format("HTTP/{}.{} not supported", p.http_major, p.http_minor));
  const auto method = static_cast<http_method>(p.method);
  request_.method_name = http_method_str(method);
  request_.method = method == HTTP_GET ? Method::Get : method == HTTP_HEAD ? Method::Head : Method::Other;
  // An Upgrade (or CONNECT) would make the rest of the stream something else: answer, then close.
  request_.keep_alive = http_should_keep_alive(&p) != 0 && p.upgrade == 0;

  http_parser_url url{};
  http_parser_url_init(&url);
  if (http_parser_parse_url(request_.target.data(), request_.target.size(), method == HTTP_CONNECT ? 1 : 0, &url) != 0)
    return fail_with(400, "malformed request-target");
  std::string_view path = "/";  // absolute-form without a path ("http://host") means "/"
  if ((url.field_set & (1U << UF_PATH)) != 0)
    path = std::string_view(request_.target).substr(url.field_data[UF_PATH].off, url.field_data[UF_PATH].len);
  auto decoded = percent_decode(path);
  if (!decoded) return fail_with(400, decoded.error().detail);
  request_.path = std::move(*decoded);
  return true;
}

RequestParser::Progress RequestParser::feed(std::string_view data) {
  if (state_ != State::NeedMore || data.empty()) return {state_, 0};
  const std::size_t used = http_parser_execute(parser_.get(), &Callbacks::settings(), data.data(), data.size());
  const auto err = static_cast<http_errno>(parser_->http_errno);
  if (state_ == State::Complete) return {state_, used};  // paused after the message
  if (state_ == State::Failed) return {state_, used};    // a callback refused (limits, URL)
  if (err != HPE_OK) {
    int status = 400;
    if (err == HPE_HEADER_OVERFLOW) status = 431;
    else if (err == HPE_INVALID_METHOD) status = 501;
    else if (err == HPE_INVALID_VERSION) status = 505;
    fail_with(status, http_errno_description(err));
    return {state_, used};
  }
  return {state_, used};
}

void RequestParser::next() {
  if (state_ != State::Complete) return;
  http_parser_pause(parser_.get(), 0);
  state_ = State::NeedMore;
  reset_message();
}

}  // namespace netboot::http
