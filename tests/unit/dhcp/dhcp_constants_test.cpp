#include <gtest/gtest.h>

#include "dhcp/dhcp_constants.hpp"
#include "dhcp/option_catalog.hpp"

namespace netboot::dhcp {
namespace {

TEST(MessageType, PrintsAsTcpdumpAndLogsSpellIt) {
  const std::pair<MessageType, std::string_view> cases[] = {
      {MessageType::Discover, "DHCPDISCOVER"}, {MessageType::Offer, "DHCPOFFER"},
      {MessageType::Request, "DHCPREQUEST"},   {MessageType::Decline, "DHCPDECLINE"},
      {MessageType::Ack, "DHCPACK"},           {MessageType::Nak, "DHCPNAK"},
      {MessageType::Release, "DHCPRELEASE"},   {MessageType::Inform, "DHCPINFORM"},
  };
  for (const auto& [type, text] : cases) {
    SCOPED_TRACE(text);
    EXPECT_EQ(to_string(type), text);
    EXPECT_EQ(message_type_from(static_cast<std::uint8_t>(type)), type);
  }
}

TEST(MessageType, OnlyRfcDefinedValuesConvert) {
  EXPECT_FALSE(message_type_from(0));
  EXPECT_FALSE(message_type_from(19));
  EXPECT_FALSE(message_type_from(255));
  for (std::uint8_t v = 1; v <= 18; ++v) {
    SCOPED_TRACE(v);
    const auto type = message_type_from(v);
    ASSERT_TRUE(type);
    EXPECT_EQ(static_cast<std::uint8_t>(*type), v);
    EXPECT_NE(to_string(*type), "DHCP?");
  }
}

TEST(BootpOp, PrintsRfc951Names) {
  EXPECT_EQ(to_string(BootpOp::Request), "BOOTREQUEST");
  EXPECT_EQ(to_string(BootpOp::Reply), "BOOTREPLY");
}

TEST(Constants, MatchTheRfcLayout) {
  EXPECT_EQ(kFixedHeaderSize, 236u);
  EXPECT_EQ(kOptionsOffset, 240u);
  EXPECT_EQ(kMagicCookie, (std::array<std::uint8_t, 4>{0x63, 0x82, 0x53, 0x63}));
  EXPECT_EQ(code_value(OptionCode::ClientMachineIdentifier), 97);
  EXPECT_EQ(code_value(OptionCode::ClientSystemArchitecture), 93);
  EXPECT_EQ(code_value(OptionCode::End), 255);
}

TEST(OptionCatalog, NamesKnownOptionsAndNumbersTheRest) {
  EXPECT_EQ(option_name(OptionCode::SubnetMask), "subnet-mask");
  EXPECT_EQ(option_name(OptionCode::ClientSystemArchitecture), "client-system-architecture");
  EXPECT_EQ(option_name(OptionCode{224}), "option-224");
  ASSERT_TRUE(find_option_info(OptionCode::Router));
  EXPECT_EQ(find_option_info(OptionCode::Router)->kind, OptionKind::AddressList);
  EXPECT_FALSE(find_option_info(OptionCode{200}));
}

}  // namespace
}  // namespace netboot::dhcp
