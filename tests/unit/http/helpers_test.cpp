// Small pure helpers of the HTTP service: content types, dates, percent-decoding, access, log line.
#include <gtest/gtest.h>

#include "http/access.hpp"
#include "http/content_type.hpp"
#include "http/download_log.hpp"
#include "http/http_date.hpp"
#include "http/percent_decode.hpp"
#include "unit/http/fake_lease_store.hpp"

namespace netboot::http {
namespace {

TEST(ContentType, ByExtension) {
  struct Case {
    const char* path;
    const char* type;
  };
  const Case cases[] = {
      {"/boot.ipxe", "text/plain"},      {"/pxelinux.cfg/x.CFG", "text/plain"}, {"/readme.txt", "text/plain"},
      {"/index.html", "text/html"},      {"/vmlinuz", "application/octet-stream"},
      {"/initrd.img", "application/octet-stream"}, {"/x.efi", "application/efi"},
      {"/rootfs.tar", "application/x-tar"}, {"/a.iso", "application/x-iso9660-image"},
      {"/.ipxe", "application/octet-stream"},  // a dot file has no extension
      {"/dir.txt/file", "application/octet-stream"}, {"/file.", "application/octet-stream"},
  };
  for (const auto& c : cases) EXPECT_EQ(content_type_for(c.path), c.type) << c.path;
}

TEST(HttpDate, FormatsAndParsesImfFixdate) {
  EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), std::optional<std::int64_t>(784111777));
  EXPECT_EQ(parse_http_date(format_http_date(1'700'000'123)), std::optional<std::int64_t>(1'700'000'123));
  for (const char* bad : {"Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Sun, 06 Foo 1994 08:49:37 GMT",
                          "Sun, 06 Nov 1994 25:49:37 GMT", "", "Sun, 06 Nov 1994 08:49:37 UTC"})
    EXPECT_FALSE(parse_http_date(bad).has_value()) << bad;
}

TEST(PercentDecode, DecodesAndRejectsMalformedEscapes) {
  EXPECT_EQ(*percent_decode("/a%20b%2Fc+d"), "/a b/c+d");
  EXPECT_EQ(*percent_decode("%41%4a%4A"), "AJJ");
  EXPECT_EQ(percent_decode("%00")->size(), 1U);
  for (const char* bad : {"%", "%4", "a%g0", "%0x"}) EXPECT_FALSE(percent_decode(bad).has_value()) << bad;
  EXPECT_EQ(printable(std::string("a\0\"\n\xff", 5)), "a\\x00\\x22\\x0a\\xff");
}

TEST(DecideAccess, NeedsABoundUnexpiredLeaseWhenCheckIpIsOn) {
  const auto now = lease::WallTime(std::chrono::seconds(1'700'000'000));
  const auto client = Ipv4Address::from_octets({192, 168, 1, 50});
  auto lease_with = [&](lease::LeaseState state, lease::WallTime expires) {
    lease::Lease l;
    l.address = client;
    l.state = state;
    l.expires = expires;
    return l;
  };
  struct Case {
    const char* name;
    std::optional<lease::Lease> lease;
    bool check_ip;
    Access expected;
  };
  const Case cases[] = {
      {"check off, no lease", std::nullopt, false, Access::Allowed},
      {"no lease", std::nullopt, true, Access::NoLease},
      {"bound", lease_with(lease::LeaseState::Bound, now + std::chrono::hours(1)), true, Access::Allowed},
      {"bound but expired", lease_with(lease::LeaseState::Bound, now - std::chrono::seconds(1)), true, Access::NoLease},
      {"expires now", lease_with(lease::LeaseState::Bound, now), true, Access::NoLease},
      {"offered only", lease_with(lease::LeaseState::Offered, now + std::chrono::hours(1)), true, Access::NoLease},
      {"released", lease_with(lease::LeaseState::Released, now + std::chrono::hours(1)), true, Access::NoLease},
      {"declined", lease_with(lease::LeaseState::Declined, now + std::chrono::hours(1)), true, Access::NoLease},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    test::FakeLeaseStore store;
    if (c.lease) store.put(*c.lease);
    EXPECT_EQ(decide_access(c.check_ip, &store, client, now), c.expected);
  }
  EXPECT_EQ(decide_access(true, nullptr, client, now), Access::NoLease);
  EXPECT_EQ(decide_access(false, nullptr, client, now), Access::Allowed);
}

TEST(DownloadLine, NamesClientPathStatusBytesSecondsAndRate) {
  EXPECT_EQ(format_download_line(Ipv4Address::from_octets({10, 0, 0, 7}), "GET", "/boot/vmlinuz", 200, 8'000'000, 0.5, ""),
            "10.0.0.7 GET \"/boot/vmlinuz\" 200 bytes=8000000 seconds=0.500 rate=16.0MB/s");
  EXPECT_EQ(format_download_line(Ipv4Address::from_octets({10, 0, 0, 7}), "GET", "/../x\n", 403, 0, 0.0, "refused path"),
            "10.0.0.7 GET \"/../x\\x0a\" 403 bytes=0 seconds=0.000 rate=0.0MB/s note=\"refused path\"");
}

}  // namespace
}  // namespace netboot::http
