#include "http/response_plan.hpp"

#include <gtest/gtest.h>

#include "http/http_date.hpp"

namespace netboot::http {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::int64_t kMtime = 1'600'000'000;

Request get(std::string path, Method method = Method::Get) {
  Request r;
  r.method = method;
  r.method_name = method == Method::Get ? "GET" : method == Method::Head ? "HEAD" : "POST";
  r.target = path;
  r.path = std::move(path);
  return r;
}

FileLookup found(std::uint64_t size) { return {FileLookup::Outcome::Found, {size, kMtime}}; }

std::string header_or_none(const ResponsePlan& plan, std::string_view name) {
  const auto* value = plan.header(name);
  return value ? *value : "(none)";
}

TEST(PlanResponse, DecidesTheStatusInOrder) {
  struct Case {
    const char* name;
    Request request;
    Access access;
    FileLookup lookup;
    int status;
    bool send_file;
  };
  auto with_range = [](std::string range) {
    auto r = get("/f.bin");
    r.range = std::move(range);
    return r;
  };
  auto with_ims = [](std::int64_t t) {
    auto r = get("/f.bin");
    r.if_modified_since = format_http_date(t);
    return r;
  };
  auto bad_ims = get("/f.bin");
  bad_ims.if_modified_since = "yesterday";
  const Case cases[] = {
      {"GET found", get("/f.bin"), Access::Allowed, found(100), 200, true},
      {"HEAD found", get("/f.bin", Method::Head), Access::Allowed, found(100), 200, false},
      {"GET empty file", get("/empty"), Access::Allowed, found(0), 200, false},
      {"POST refused before access", get("/f.bin", Method::Other), Access::NoLease, found(100), 405, false},
      {"no lease", get("/f.bin"), Access::NoLease, found(100), 401, false},
      {"no lease even if missing", get("/nope"), Access::NoLease, {FileLookup::Outcome::NotFound, {}}, 401, false},
      {"forbidden path", get("/../x"), Access::Allowed, {FileLookup::Outcome::Forbidden, {}}, 403, false},
      {"not found", get("/nope"), Access::Allowed, {FileLookup::Outcome::NotFound, {}}, 404, false},
      {"read error", get("/x"), Access::Allowed, {FileLookup::Outcome::Error, {}}, 500, false},
      {"range", with_range("bytes=10-19"), Access::Allowed, found(100), 206, true},
      {"range unsatisfiable", with_range("bytes=100-"), Access::Allowed, found(100), 416, false},
      {"range ignored", with_range("bytes=0-1,3-4"), Access::Allowed, found(100), 200, true},
      {"not modified", with_ims(kMtime), Access::Allowed, found(100), 304, false},
      {"modified since", with_ims(kMtime - 1), Access::Allowed, found(100), 200, true},
      {"unreadable If-Modified-Since ignored", bad_ims, Access::Allowed, found(100), 200, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto plan = plan_response(c.request, c.access, c.lookup, kNow);
    EXPECT_EQ(plan.status, c.status);
    EXPECT_EQ(plan.send_file, c.send_file);
    EXPECT_EQ(header_or_none(plan, "Date"), format_http_date(kNow));
  }
}

TEST(PlanResponse, WholeFileCarriesLengthTypeAndLastModified) {
  const auto plan = plan_response(get("/boot/menu.ipxe"), Access::Allowed, found(1234), kNow);
  EXPECT_EQ(plan.offset, 0U);
  EXPECT_EQ(plan.length, 1234U);
  EXPECT_EQ(header_or_none(plan, "Content-Length"), "1234");
  EXPECT_EQ(header_or_none(plan, "Content-Type"), "text/plain");
  EXPECT_EQ(header_or_none(plan, "Last-Modified"), format_http_date(kMtime));
  EXPECT_EQ(header_or_none(plan, "Accept-Ranges"), "bytes");
  EXPECT_EQ(header_or_none(plan, "Content-Range"), "(none)");
  EXPECT_TRUE(plan.note.empty());
}

TEST(PlanResponse, HeadAnnouncesTheLengthItDoesNotSend) {
  const auto plan = plan_response(get("/vmlinuz", Method::Head), Access::Allowed, found(5000), kNow);
  EXPECT_EQ(header_or_none(plan, "Content-Length"), "5000");
  EXPECT_EQ(header_or_none(plan, "Content-Type"), "application/octet-stream");
  EXPECT_FALSE(plan.send_file);
  EXPECT_TRUE(plan.text.empty());
  const auto missing = plan_response(get("/nope", Method::Head), Access::Allowed, {}, kNow);
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(missing.text.empty());
  EXPECT_EQ(header_or_none(missing, "Content-Length"), "14");  // "404 Not Found\n", as GET would send
}

TEST(PlanResponse, PartialContentNamesTheRange) {
  struct Case {
    const char* range;
    std::uint64_t offset, length;
    const char* content_range;
  };
  const Case cases[] = {
      {"bytes=0-99", 0, 100, "bytes 0-99/1000"},
      {"bytes=500-599", 500, 100, "bytes 500-599/1000"},
      {"bytes=-10", 990, 10, "bytes 990-999/1000"},
      {"bytes=999-", 999, 1, "bytes 999-999/1000"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.range);
    auto request = get("/f.bin");
    request.range = c.range;
    const auto plan = plan_response(request, Access::Allowed, found(1000), kNow);
    EXPECT_EQ(plan.status, 206);
    EXPECT_EQ(plan.offset, c.offset);
    EXPECT_EQ(plan.length, c.length);
    EXPECT_EQ(header_or_none(plan, "Content-Range"), c.content_range);
    EXPECT_EQ(header_or_none(plan, "Content-Length"), std::to_string(c.length));
  }
}

TEST(PlanResponse, UnsatisfiableRangeNamesTheSize) {
  auto request = get("/f.bin");
  request.range = "bytes=2000-";
  const auto plan = plan_response(request, Access::Allowed, found(1000), kNow);
  EXPECT_EQ(plan.status, 416);
  EXPECT_EQ(header_or_none(plan, "Content-Range"), "bytes */1000");
  EXPECT_TRUE(plan.keep_alive);
}

TEST(PlanResponse, MethodNotAllowedListsTheMethods) {
  const auto plan = plan_response(get("/f", Method::Other), Access::Allowed, found(1), kNow);
  EXPECT_EQ(plan.status, 405);
  EXPECT_EQ(header_or_none(plan, "Allow"), "GET, HEAD");
  EXPECT_FALSE(needs_file(get("/f", Method::Other), Access::Allowed));
  EXPECT_FALSE(needs_file(get("/f"), Access::NoLease));
  EXPECT_TRUE(needs_file(get("/f", Method::Head), Access::Allowed));
}

TEST(PlanResponse, KeepAliveFollowsTheRequestAndErrorsClose) {
  auto request = get("/f");
  request.keep_alive = false;
  EXPECT_FALSE(plan_response(request, Access::Allowed, found(1), kNow).keep_alive);
  EXPECT_TRUE(plan_response(get("/f"), Access::Allowed, {}, kNow).keep_alive);  // a 404 keeps the connection
  const auto busy = plan_error(503, kNow, "full");
  EXPECT_FALSE(busy.keep_alive);
  EXPECT_EQ(busy.text, "503 Service Unavailable\n");
}

TEST(SerializeHead, WritesStatusLineFieldsAndConnection) {
  auto plan = plan_response(get("/a.txt"), Access::Allowed, found(3), kNow);
  const auto head = serialize_head(plan);
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0U);
  EXPECT_NE(head.find("\r\nContent-Length: 3\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nConnection: keep-alive\r\n\r\n"), std::string::npos);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
  plan.keep_alive = false;
  EXPECT_NE(serialize_head(plan).find("\r\nConnection: close\r\n\r\n"), std::string::npos);
}

}  // namespace
}  // namespace netboot::http
