// The one line logged per download.
#include <gtest/gtest.h>

#include "http/download_log.hpp"

namespace netboot::http {
namespace {

TEST(DownloadLine, NamesClientPathStatusBytesSecondsAndRate) {
  EXPECT_EQ(format_download_line(Ipv4Address::from_octets({10, 0, 0, 7}), "GET", "/boot/vmlinuz", 200, 8'000'000, 0.5, ""),
            "10.0.0.7 GET \"/boot/vmlinuz\" 200 bytes=8000000 seconds=0.500 rate=16.0MB/s");
  EXPECT_EQ(format_download_line(Ipv4Address::from_octets({10, 0, 0, 7}), "GET", "/../x\n", 403, 0, 0.0, "refused path"),
            "10.0.0.7 GET \"/../x\\x0a\" 403 bytes=0 seconds=0.000 rate=0.0MB/s note=\"refused path\"");
}

}  // namespace
}  // namespace netboot::http
