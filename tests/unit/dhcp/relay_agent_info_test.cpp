#include <gtest/gtest.h>

#include "dhcp/relay_agent_info.hpp"
#include "unit/dhcp/dhcp_test_support.hpp"

namespace netboot::dhcp {
namespace {

using test::from_hex;

TEST(RelayAgentInfo, ReadsCircuitRemoteLinkSelectionAndServerOverride) {
  // What ISC dhcrelay -a writes (circuit-id = interface name), plus 5 and 11 and an unknown 9.
  const Bytes option = from_hex(
      "01 05 65 74 68 31 32"     // circuit-id "eth12"
      "02 03 aa bb cc"           // remote-id
      "09 02 00 00"              // vendor-specific (RFC 4243): skipped
      "05 04 0a 0c 00 00"        // link selection 10.12.0.0
      "0b 04 0a 00 00 01");      // server-id override 10.0.0.1
  const auto info = parse_relay_agent_info(option);
  ASSERT_TRUE(info) << info.error().detail;
  EXPECT_EQ(info->circuit_id, (Bytes{'e', 't', 'h', '1', '2'}));
  EXPECT_EQ(info->remote_id, (Bytes{0xaa, 0xbb, 0xcc}));
  EXPECT_EQ(info->link_selection, Ipv4Address::parse("10.12.0.0"));
  EXPECT_EQ(info->server_id_override, Ipv4Address::parse("10.0.0.1"));
}

TEST(RelayAgentInfo, EmptyAndUnknownSubOptionsAreFine) {
  const auto empty = parse_relay_agent_info({});
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, RelayAgentInfo{});
  const auto zero_length = parse_relay_agent_info(from_hex("01 00 02 00"));
  ASSERT_TRUE(zero_length);
  EXPECT_EQ(zero_length->circuit_id, Bytes{});
  EXPECT_EQ(zero_length->remote_id, Bytes{});
}

TEST(RelayAgentInfo, MalformedIsAnErrorNeverAGuess) {
  for (const char* hex : {"01",                 // header cut
                          "01 05 65 74",        // data runs past the end
                          "01 01 61 02 09 61",  // second sub-option runs past the end
                          "05 03 0a 0c 00",     // link selection not 4 bytes
                          "05 05 0a 0c 00 00 00",
                          "0b 02 0a 00"}) {     // server-id override not 4 bytes
    const auto info = parse_relay_agent_info(from_hex(hex));
    EXPECT_FALSE(info) << hex;
  }
}

// Three vendor-specific sub-options of 255 bytes, then a circuit-id of `circuit` bytes.
Bytes split_agent(std::uint8_t circuit) {
  Bytes agent;
  for (int i = 0; i < 3; ++i) {
    agent.push_back(9);
    agent.push_back(255);
    agent.insert(agent.end(), 255, 'v');
  }
  agent.push_back(1);
  agent.push_back(circuit);
  agent.insert(agent.end(), circuit, 'c');
  return agent;
}

// Bounded: RFC 3396 lets a relay split option 82 over many instances; more than
// kMaxRelayAgentInfo bytes is no relay's and is refused rather than echoed to giaddr.
TEST(RelayAgentInfo, LongerThanTheBoundIsAnError) {
  const Bytes longest = split_agent(251);
  ASSERT_EQ(longest.size(), kMaxRelayAgentInfo);
  const auto at_bound = parse_relay_agent_info(longest);
  ASSERT_TRUE(at_bound) << at_bound.error().detail;
  EXPECT_EQ(at_bound->circuit_id, Bytes(251, 'c'));
  const auto over = parse_relay_agent_info(split_agent(252));
  ASSERT_FALSE(over);
  EXPECT_NE(over.error().detail.find("option 82 of 1025 bytes is longer than 1024"), std::string::npos)
      << over.error().detail;
}

TEST(RelayAgentInfo, IdsForLogLinesArePrintableAndCapped) {
  EXPECT_EQ(agent_id_text("eth12"), "eth12");
  EXPECT_EQ(agent_id_text(std::string("\x00\x04\x0a\x0b", 4)), "00:04:0a:0b");
  EXPECT_EQ(agent_id_text("a\nb"), "61:0a:62") << "a control byte: hex, never a forged log line";
  const std::string long_text(300, 'x');
  EXPECT_EQ(agent_id_text(long_text), std::string(64, 'x') + "...");
  const std::string long_binary(300, '\x01');
  const auto shown = agent_id_text(long_binary);
  EXPECT_LE(shown.size(), 64u + 3u);
  EXPECT_EQ(shown.substr(shown.size() - 3), "...");
}

}  // namespace
}  // namespace netboot::dhcp
