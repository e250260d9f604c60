#include <gtest/gtest.h>

#include "dhcp/pipeline/add_network_options.hpp"
#include "dhcp/pipeline/classify_request.hpp"
#include "unit/dhcp/step_test_support.hpp"

namespace netboot::dhcp {
namespace {

using test::ip;
using test::kServer;
using test::classified;

TEST(AddNetworkOptionsStep, FillsAnOfferPerTheConfiguration) {
  auto ex = classified({});
  ex.reply.yiaddr = ip("192.168.1.100");
  ASSERT_EQ(AddNetworkOptions(test::lab_config()).apply(ex), Verdict::Continue);
  const auto& o = ex.reply.options;
  EXPECT_EQ(ex.reply.siaddr, kServer);
  EXPECT_EQ(ex.reply.sname, "boot.lab");
  EXPECT_EQ(o.get_address(OptionCode::SubnetMask), ip("255.255.255.0"));
  EXPECT_EQ(o.get_addresses(OptionCode::Router), std::vector{ip("192.168.1.254")});
  EXPECT_EQ(o.get_addresses(OptionCode::DomainNameServer), std::vector{ip("8.8.8.8")});
  EXPECT_EQ(o.get_string(OptionCode::DomainName), "lab");
  EXPECT_EQ(o.get_address(OptionCode::ServerIdentifier), kServer);
  EXPECT_EQ(o.get_u32(OptionCode::LeaseTime), 3600u);
  EXPECT_EQ(o.get_u32(OptionCode::RenewalTime), 1800u);
  EXPECT_EQ(o.get_u32(OptionCode::RebindingTime), 3150u);
  EXPECT_EQ(*o.find(OptionCode::ClientIdentifier), *ex.request.options.find(OptionCode::ClientIdentifier));
  EXPECT_FALSE(o.contains(OptionCode::HostName));
}

TEST(AddNetworkOptionsStep, InformHasNoLeaseTimesBootpNoDhcpOptions) {
  auto inform = classified({.type = MessageType::Inform, .ciaddr = ip("192.168.1.50")});
  AddNetworkOptions(test::lab_config()).apply(inform);
  EXPECT_FALSE(inform.reply.options.contains(OptionCode::LeaseTime));
  EXPECT_FALSE(inform.reply.options.contains(OptionCode::RenewalTime));
  EXPECT_TRUE(inform.reply.options.contains(OptionCode::ServerIdentifier));

  auto request = test::make_request({});
  request.message_type.reset();
  Exchange bootp(request, test::arrival());
  ClassifyRequest(kServer).apply(bootp);
  AddNetworkOptions(test::lab_config()).apply(bootp);
  EXPECT_TRUE(bootp.reply.options.contains(OptionCode::SubnetMask));
  EXPECT_FALSE(bootp.reply.options.contains(OptionCode::ServerIdentifier));
  EXPECT_FALSE(bootp.reply.options.contains(OptionCode::LeaseTime));
}

TEST(AddNetworkOptionsStep, NextServerHostnameAndOptionalPieces) {
  auto config = test::lab_config();
  config.gateway.reset();
  config.dns.clear();
  config.domain.clear();
  auto ex = classified({.client_id = std::nullopt});
  ex.assigned_hostname = "node7";
  AddNetworkOptions(config, ip("192.168.1.5")).apply(ex);
  EXPECT_EQ(ex.reply.siaddr, ip("192.168.1.5"));
  EXPECT_EQ(ex.reply.sname, "boot");
  EXPECT_EQ(ex.reply.options.get_string(OptionCode::HostName), "node7");
  EXPECT_FALSE(ex.reply.options.contains(OptionCode::Router));
  EXPECT_FALSE(ex.reply.options.contains(OptionCode::DomainNameServer));
  EXPECT_FALSE(ex.reply.options.contains(OptionCode::DomainName));
  EXPECT_FALSE(ex.reply.options.contains(OptionCode::ClientIdentifier));
}

TEST(AddNetworkOptionsStep, LeavesANakAlone) {
  auto ex = classified({.type = MessageType::Request, .server_id = kServer, .requested = ip("192.168.1.100")});
  make_nak(ex, "no");
  const auto before = ex.reply;
  AddNetworkOptions(test::lab_config()).apply(ex);
  EXPECT_EQ(ex.reply, before);
}

}  // namespace
}  // namespace netboot::dhcp
