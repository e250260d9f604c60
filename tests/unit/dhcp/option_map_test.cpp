#include <gtest/gtest.h>

#include "dhcp/option_map.hpp"

namespace netboot::dhcp {
namespace {

Ipv4Address ip(const char* text) { return *Ipv4Address::parse(text); }

TEST(OptionMap, TypedSettersWriteNetworkOrderAndGettersReadItBack) {
  OptionMap m;
  m.set_u8(OptionCode::Overload, 3);
  m.set_u16(OptionCode::MaxMessageSize, 1472);
  m.set_u32(OptionCode::LeaseTime, 86400);
  m.set_address(OptionCode::SubnetMask, ip("255.255.255.0"));
  m.set_addresses(OptionCode::DomainNameServer, {ip("8.8.8.8"), ip("1.1.1.1")});
  m.set_string(OptionCode::DomainName, "example.org");

  EXPECT_EQ(*m.find(OptionCode::MaxMessageSize), (Bytes{0x05, 0xC0}));
  EXPECT_EQ(*m.find(OptionCode::LeaseTime), (Bytes{0x00, 0x01, 0x51, 0x80}));
  EXPECT_EQ(*m.find(OptionCode::SubnetMask), (Bytes{255, 255, 255, 0}));
  EXPECT_EQ(*m.find(OptionCode::DomainNameServer), (Bytes{8, 8, 8, 8, 1, 1, 1, 1}));

  EXPECT_EQ(m.get_u8(OptionCode::Overload), 3);
  EXPECT_EQ(m.get_u16(OptionCode::MaxMessageSize), 1472);
  EXPECT_EQ(m.get_u32(OptionCode::LeaseTime), 86400u);
  EXPECT_EQ(m.get_address(OptionCode::SubnetMask), ip("255.255.255.0"));
  EXPECT_EQ(m.get_addresses(OptionCode::DomainNameServer), (std::vector{ip("8.8.8.8"), ip("1.1.1.1")}));
  EXPECT_EQ(m.get_string(OptionCode::DomainName), "example.org");
  EXPECT_EQ(m.size(), 6u);
}

TEST(OptionMap, GettersRejectLengthsThatDoNotFitTheType) {
  OptionMap m;
  m.set(OptionCode{200}, Bytes{1, 2, 3});
  EXPECT_FALSE(m.get_u8(OptionCode{200}));
  EXPECT_FALSE(m.get_u16(OptionCode{200}));
  EXPECT_FALSE(m.get_u32(OptionCode{200}));
  EXPECT_FALSE(m.get_address(OptionCode{200}));
  EXPECT_FALSE(m.get_addresses(OptionCode{200}));
  m.set(OptionCode{201}, Bytes{});
  EXPECT_FALSE(m.get_addresses(OptionCode{201}));  // a list needs one entry
  EXPECT_EQ(m.get_string(OptionCode{201}), "");
  EXPECT_FALSE(m.get_u8(OptionCode{202}));  // absent
  EXPECT_FALSE(m.get_string(OptionCode{202}));
}

TEST(OptionMap, AppendConcatenatesRepeatedInstancesPerRfc3396) {
  OptionMap m;
  m.append(OptionCode::DomainNameServer, Bytes{10, 0, 0, 1});
  m.append(OptionCode::DomainNameServer, Bytes{10, 0, 0, 2});
  EXPECT_EQ(m.get_addresses(OptionCode::DomainNameServer), (std::vector{ip("10.0.0.1"), ip("10.0.0.2")}));
  // A split that cuts a value in the middle joins back into one.
  m.append(OptionCode::SubnetMask, Bytes{255, 255});
  m.append(OptionCode::SubnetMask, Bytes{255, 0});
  EXPECT_EQ(m.get_address(OptionCode::SubnetMask), ip("255.255.255.0"));
}

TEST(OptionMap, StringsLoseTrailingNulsThatPxeRomsAdd) {
  OptionMap m;
  m.set(OptionCode::BootFileName, Bytes{'p', 'x', 'e', 0, 0});
  EXPECT_EQ(m.get_string(OptionCode::BootFileName), "pxe");
  m.set(OptionCode::HostName, Bytes{'a', 0, 'b'});  // an inner NUL is data
  EXPECT_EQ(m.get_string(OptionCode::HostName)->size(), 3u);
}

TEST(OptionMap, PadAndEndAreFramingNotOptions) {
  OptionMap m;
  m.set(OptionCode::Pad, Bytes{1});
  m.append(OptionCode::End, Bytes{1});
  EXPECT_TRUE(m.empty());
}

TEST(OptionMap, EmptyAddressListErasesAndEraseReportsPresence) {
  OptionMap m;
  m.set_addresses(OptionCode::Router, {ip("10.0.0.1")});
  m.set_addresses(OptionCode::Router, {});
  EXPECT_FALSE(m.contains(OptionCode::Router));
  m.set_u8(OptionCode{250}, 1);
  EXPECT_TRUE(m.erase(OptionCode{250}));
  EXPECT_FALSE(m.erase(OptionCode{250}));
}

TEST(OptionMap, IteratesInAscendingCodeOrder) {
  OptionMap m;
  m.set_u8(OptionCode{60}, 1);
  m.set_u8(OptionCode{3}, 1);
  m.set_u8(OptionCode{200}, 1);
  std::vector<int> codes;
  for (const auto& [code, value] : m) codes.push_back(code_value(code));
  EXPECT_EQ(codes, (std::vector{3, 60, 200}));
}

TEST(OptionMap, ParameterRequestListLookup) {
  OptionMap m;
  EXPECT_FALSE(requests_option(m, OptionCode::BootFileName));
  m.set(OptionCode::ParameterRequestList, Bytes{1, 3, 67});
  EXPECT_TRUE(requests_option(m, OptionCode::BootFileName));
  EXPECT_FALSE(requests_option(m, OptionCode::TftpServerName));
  EXPECT_EQ(m.get_codes(OptionCode::ParameterRequestList),
            (std::vector{OptionCode::SubnetMask, OptionCode::Router, OptionCode::BootFileName}));
}

}  // namespace
}  // namespace netboot::dhcp
