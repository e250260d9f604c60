#include <gtest/gtest.h>

#include "dhcp/pipeline/identify_client.hpp"
#include "unit/dhcp/step_test_support.hpp"

namespace netboot::dhcp {
namespace {

using test::exchange;
using test::mac;

TEST(IdentifyClientStep, FillsTheIdentityFromTheRequest) {
  auto ex = exchange({.arch = 7, .ipxe = true});
  EXPECT_EQ(IdentifyClient().apply(ex), Verdict::Continue);
  EXPECT_EQ(ex.client.mac, mac("52:54:00:12:34:56"));
  EXPECT_EQ(ex.client.arch, 7);
  EXPECT_TRUE(ex.client.is_pxe);
  EXPECT_TRUE(ex.client.is_ipxe);
  EXPECT_EQ(ex.client.uuid, Uuid::parse("4c414230-1234-4567-89ab-cdef00770001"));
}

TEST(IdentifyClientStep, DropsNonEthernetHardware) {
  auto request = test::make_request({});
  request.chaddr.htype = 32;
  request.chaddr.hlen = 0;
  Exchange ex(request, test::arrival());
  EXPECT_EQ(IdentifyClient().apply(ex), Verdict::Drop);
  EXPECT_NE(ex.drop_reason.find("htype 32"), std::string::npos);
}

}  // namespace
}  // namespace netboot::dhcp
