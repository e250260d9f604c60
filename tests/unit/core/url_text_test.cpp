// The remote root's URL helpers: what a log line shows, which redirects are followed, which
// Content-Length is a length (issue 23, the review of the fixes).
#include <gtest/gtest.h>

#include "core/url_text.hpp"

namespace netboot {
namespace {

TEST(UrlForLog, HidesThePasswordOfTheUserInfo) {
  EXPECT_EQ(url_for_log("http://admin:S3CRET@host/files/a"), "http://admin:***@host/files/a");
  EXPECT_EQ(url_for_log("https://TOKEN@host:8443/x"), "https://***@host:8443/x");
  EXPECT_EQ(url_for_log("http://a:b:c@host"), "http://a:***@host");
  EXPECT_EQ(url_for_log("http://host/files?x=a@b"), "http://host/files?x=a@b");
  EXPECT_EQ(url_for_log("http://host/files"), "http://host/files");
  EXPECT_EQ(url_for_log("not a url"), "not a url");
}

TEST(SameOrigin, IgnoresTheRootsOwnCredentials) {
  EXPECT_TRUE(same_origin("http://admin:S3CRET@127.0.0.1:8123/files", "http://127.0.0.1:8123/files/real"));
  EXPECT_TRUE(same_origin("http://admin:S3CRET@127.0.0.1:8123/files", "http://admin:S3CRET@127.0.0.1:8123/files/r"));
  EXPECT_TRUE(same_origin("http://Host/files", "HTTP://host:80/files/a"));
  EXPECT_FALSE(same_origin("http://127.0.0.1:8123/files", "http://x:y@127.0.0.1:8123/files/real"));
  EXPECT_FALSE(same_origin("http://a:b@127.0.0.1:8123/files", "http://a:c@127.0.0.1:8123/files/real"));
  EXPECT_FALSE(same_origin("http://127.0.0.1:8123/files", "http://127.0.0.1:8124/files/real"));
  EXPECT_FALSE(same_origin("http://127.0.0.1:8123/files", "https://127.0.0.1:8123/files/real"));
  EXPECT_FALSE(same_origin("http://127.0.0.1/files", "file:///etc/passwd"));
  EXPECT_EQ(origin_of("http://u:p@H:81/x"), "http://h:81");
}

TEST(BeneathRootPath, OnlyBelowTheRootsPath) {
  EXPECT_TRUE(beneath_root_path("http://h/files", "http://h/files/real"));
  EXPECT_TRUE(beneath_root_path("http://h/files/", "http://h/files/a/b?q=1"));
  EXPECT_TRUE(beneath_root_path("http://h", "http://h/anything"));
  EXPECT_FALSE(beneath_root_path("http://h/files", "http://h/outside"));
  EXPECT_FALSE(beneath_root_path("http://h/files", "http://h/filesX/a"));
  EXPECT_FALSE(beneath_root_path("http://h/files", "http://h/files"));
  EXPECT_FALSE(beneath_root_path("http://h/files", "http://h/files/../outside"));
  EXPECT_FALSE(beneath_root_path("http://h/files", "http://h/files/%2E%2e/outside"));
  EXPECT_FALSE(beneath_root_path("http://h/files", "http://h/files/./a"));
}

TEST(RedirectRefusal, OffSameHostAndPath) {
  EXPECT_EQ(redirect_refusal("http://h/files", "http://h/files/a", false), "not followed ([tftp] remote_redirects = off)");
  EXPECT_EQ(redirect_refusal("http://h/files", "http://i/files/a", true), "not followed (another host)");
  EXPECT_EQ(redirect_refusal("http://h/files", "http://h/outside", true), "not followed (outside the root's path)");
  EXPECT_EQ(redirect_refusal("http://u:p@h/files", "http://u:p@h/files/a", true), std::nullopt);
}

TEST(WithUserInfoOf, KeepsTheRootsCredentialsOnASameHostRedirect) {
  EXPECT_EQ(with_user_info_of("http://u:p@h/files", "http://h/files/a"), "http://u:p@h/files/a");
  EXPECT_EQ(with_user_info_of("http://u:p@h/files", "http://u:p@h/files/a"), "http://u:p@h/files/a");
  EXPECT_EQ(with_user_info_of("http://h/files", "http://h/files/a"), "http://h/files/a");
}

TEST(ParseContentLength, DigitsOnly) {
  EXPECT_EQ(parse_content_length(" 12\r\n"), 12u);
  EXPECT_EQ(parse_content_length("0"), 0u);
  EXPECT_EQ(parse_content_length("12abc"), std::nullopt);
  EXPECT_EQ(parse_content_length("-5"), std::nullopt);
  EXPECT_EQ(parse_content_length("+5"), std::nullopt);
  EXPECT_EQ(parse_content_length(""), std::nullopt);
  EXPECT_EQ(parse_content_length("1 2"), std::nullopt);
  EXPECT_EQ(parse_content_length("99999999999999999999"), std::nullopt);
}

}  // namespace
}  // namespace netboot
