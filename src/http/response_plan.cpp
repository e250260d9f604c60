#include "http/response_plan.hpp"

#include <fmt/format.h>

#include "http/byte_range.hpp"
#include "http/content_type.hpp"
#include "http/http_date.hpp"

namespace netboot::http {
namespace {

void add(ResponsePlan& plan, std::string name, std::string value) {
  plan.headers.emplace_back(std::move(name), std::move(value));
}

ResponsePlan error_answer(int status, bool keep_alive, bool head, std::int64_t now, std::string note) {
  ResponsePlan plan;
  plan.status = status;
  plan.keep_alive = keep_alive;
  plan.note = std::move(note);
  const std::string body = fmt::format("{} {}\n", status, reason_phrase(status));
  add(plan, "Date", format_http_date(now));
  add(plan, "Content-Type", "text/plain");
  add(plan, "Content-Length", std::to_string(body.size()));
  if (!head) plan.text = body;
  return plan;
}

}  // namespace

const std::string* ResponsePlan::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (key == name) return &value;
  return nullptr;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 206: return "Partial Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 414: return "URI Too Long";
    case 416: return "Range Not Satisfiable";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

bool needs_file(const Request& request, Access access) {
  return request.method != Method::Other && access == Access::Allowed;
}

ResponsePlan plan_response(const Request& request, Access access, const FileLookup& lookup, std::int64_t now) {
  const bool head = request.method == Method::Head;
  if (request.method == Method::Other) {
    auto plan = error_answer(405, request.keep_alive, false, now, "method " + request.method_name);
    add(plan, "Allow", "GET, HEAD");
    return plan;
  }
  // pybootd's httpd answered 401 "Not authorized" to a client it had leased nothing to.
  if (access == Access::NoLease) return error_answer(401, request.keep_alive, head, now, "no lease (check_ip)");
  switch (lookup.outcome) {
    case FileLookup::Outcome::Found: break;
    case FileLookup::Outcome::Forbidden: return error_answer(403, request.keep_alive, head, now, "refused path");
    case FileLookup::Outcome::NotFound: return error_answer(404, request.keep_alive, head, now, "not found");
    case FileLookup::Outcome::Error: return error_answer(500, request.keep_alive, head, now, "read error");
  }

  const FileInfo& file = lookup.info;
  ResponsePlan plan;
  plan.keep_alive = request.keep_alive;
  add(plan, "Date", format_http_date(now));
  add(plan, "Last-Modified", format_http_date(file.mtime));
  add(plan, "Accept-Ranges", "bytes");

  // RFC 9110 13.1.3: If-Modified-Since only for GET/HEAD, and the file must be no newer.
  if (request.if_modified_since) {
    if (const auto since = parse_http_date(*request.if_modified_since); since && file.mtime <= *since) {
      plan.status = 304;
      return plan;
    }
  }

  std::optional<std::string_view> range;
  if (request.range) range = *request.range;
  const RangeDecision decision = decide_range(range, file.size);
  switch (decision.kind) {
    case RangeDecision::Kind::Unsatisfiable: {
      auto refused = error_answer(416, request.keep_alive, head, now, "range not satisfiable");
      add(refused, "Content-Range", fmt::format("bytes */{}", file.size));
      return refused;
    }
    case RangeDecision::Kind::Partial:
      plan.status = 206;
      plan.offset = decision.range.first;
      plan.length = decision.range.length();
      add(plan, "Content-Range", fmt::format("bytes {}-{}/{}", decision.range.first, decision.range.last, file.size));
      break;
    case RangeDecision::Kind::Whole:
      plan.status = 200;
      plan.offset = 0;
      plan.length = file.size;
      break;
  }
  add(plan, "Content-Type", std::string(content_type_for(request.path)));
  add(plan, "Content-Length", std::to_string(plan.length));
  plan.send_file = !head && plan.length > 0;
  return plan;
}

ResponsePlan plan_generated(const Request& request, std::string body, std::string_view content_type,
                            std::int64_t now) {
  const bool head = request.method == Method::Head;
  if (request.method != Method::Get && !head) {
    auto plan = error_answer(405, request.keep_alive, false, now, "method " + request.method_name);
    add(plan, "Allow", "GET, HEAD");
    return plan;
  }
  ResponsePlan plan;
  plan.keep_alive = request.keep_alive;
  add(plan, "Date", format_http_date(now));
  add(plan, "Content-Type", std::string(content_type));
  add(plan, "Content-Length", std::to_string(body.size()));
  add(plan, "Cache-Control", "no-store");
  if (!head) plan.text = std::move(body);
  return plan;
}

ResponsePlan plan_error(int status, std::int64_t now, std::string note) {
  return error_answer(status, false, false, now, std::move(note));
}

std::string serialize_head(const ResponsePlan& plan) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nServer: netbootd\r\n", plan.status, reason_phrase(plan.status));
  for (const auto& [name, value] : plan.headers) out += fmt::format("{}: {}\r\n", name, value);
  out += plan.keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  return out;
}

}  // namespace netboot::http
