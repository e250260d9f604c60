#include <gtest/gtest.h>

#include <algorithm>

#include "dhcp/dhcp_packet.hpp"
#include "unit/dhcp/dhcp_test_support.hpp"

namespace netboot::dhcp {
namespace {

using test::cat;
using test::raw_header;
using test::raw_packet;
using test::RawHeader;

Ipv4Address ip(const char* text) { return *Ipv4Address::parse(text); }
const MacAddress kMac({0x52, 0x54, 0x00, 0x12, 0x34, 0x56});

/// The option codes of one option area in wire order (PAD skipped), stopping at END.
std::vector<int> wire_codes(ByteView area) {
  std::vector<int> codes;
  for (std::size_t pos = 0; pos < area.size();) {
    if (area[pos] == 0) {
      ++pos;
      continue;
    }
    if (area[pos] == 255) {
      codes.push_back(255);
      break;
    }
    codes.push_back(area[pos]);
    pos += 2u + area[pos + 1];
  }
  return codes;
}
ByteView options_area(const Bytes& datagram) { return ByteView(datagram).subspan(kOptionsOffset); }

/// The value of option 52 in the options field, 0 when absent.
int overload_on_wire(const Bytes& datagram) {
  const auto area = options_area(datagram);
  for (std::size_t pos = 0; pos + 2 < area.size() && area[pos] != 255;) {
    if (area[pos] == 0) {
      ++pos;
      continue;
    }
    if (area[pos] == 52) return area[pos + 2];
    pos += 2u + area[pos + 1];
  }
  return 0;
}

DhcpPacket sample_offer() {
  DhcpPacket p;
  p.op = BootpOp::Reply;
  p.chaddr = HardwareAddress::ethernet(kMac);
  p.hops = 1;
  p.xid = 0xDEADBEEF;
  p.secs = 4;
  p.broadcast = true;
  p.ciaddr = ip("0.0.0.0");
  p.yiaddr = ip("192.168.1.100");
  p.siaddr = ip("192.168.1.1");
  p.giaddr = ip("192.168.1.254");
  p.sname = "server.localdomain";
  p.file = "pxelinux.0";
  p.message_type = MessageType::Offer;
  p.options.set_address(OptionCode::SubnetMask, ip("255.255.255.0"));
  p.options.set_addresses(OptionCode::Router, {ip("192.168.1.1")});
  p.options.set_addresses(OptionCode::DomainNameServer, {ip("8.8.8.8"), ip("8.8.4.4")});
  p.options.set_string(OptionCode::DomainName, "localdomain");
  p.options.set_u32(OptionCode::LeaseTime, 86400);
  p.options.set_address(OptionCode::ServerIdentifier, ip("192.168.1.1"));
  p.options.set_string(OptionCode::VendorClassIdentifier, "PXEClient");
  p.options.set(OptionCode::ClientIdentifier, Bytes{1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56});
  return p;
}

TEST(DhcpPacketCodec, RoundTripsEveryField) {
  const auto original = sample_offer();
  const auto wire = serialize_dhcp_packet(original, 1500);
  const auto parsed = parse_dhcp_packet(wire);
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_EQ(*parsed, original);
  EXPECT_EQ(parsed->mac(), kMac);
}

TEST(DhcpPacketCodec, WritesTheFixedHeaderAtRfc2131Offsets) {
  const auto wire = serialize_dhcp_packet(sample_offer(), 1500);
  EXPECT_EQ(wire[0], 2);                                        // op
  EXPECT_EQ(wire[1], 1);                                        // htype
  EXPECT_EQ(wire[2], 6);                                        // hlen
  EXPECT_EQ(wire[3], 1);                                        // hops
  EXPECT_EQ(Bytes(wire.begin() + 4, wire.begin() + 8), (Bytes{0xDE, 0xAD, 0xBE, 0xEF}));
  EXPECT_EQ(Bytes(wire.begin() + 10, wire.begin() + 12), (Bytes{0x80, 0x00}));  // broadcast bit
  EXPECT_EQ(Bytes(wire.begin() + 16, wire.begin() + 20), (Bytes{192, 168, 1, 100}));  // yiaddr
  EXPECT_EQ(Bytes(wire.begin() + 28, wire.begin() + 34), (Bytes{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}));
  EXPECT_EQ(wire[108], 'p');                                    // file
  EXPECT_EQ(Bytes(wire.begin() + 236, wire.begin() + 240), (Bytes{99, 130, 83, 99}));
}

struct MalformedCase {
  std::string_view name;
  Bytes datagram;
  Errc expected;
};

TEST(ParseDhcpPacket, RejectsMalformedHeadersAndMessageTypes) {
  Bytes oversize = raw_packet({}, {53, 1, 1, 255});
  oversize.resize(kMaxDatagramSize + 1, 0);
  const MalformedCase cases[] = {
      {"empty datagram", {}, Errc::Truncated},
      {"shorter than the 236-byte BOOTP header", Bytes(235, 0x01), Errc::Truncated},
      {"hlen larger than the 16-byte chaddr", raw_packet({.hlen = 17}, {53, 1, 1, 255}), Errc::BadLength},
      {"op neither request nor reply", raw_packet({.op = 3}, {53, 1, 1, 255}), Errc::BadValue},
      {"op zero", raw_packet({.op = 0}, {}), Errc::BadValue},
      {"message type two bytes long", raw_packet({}, {53, 2, 1, 1, 255}), Errc::BadLength},
      {"message type zero", raw_packet({}, {53, 1, 0, 255}), Errc::BadValue},
      {"message type no RFC defines", raw_packet({}, {53, 1, 42, 255}), Errc::BadValue},
      {"datagram over 64 KiB", oversize, Errc::BadLength},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto parsed = parse_dhcp_packet(c.datagram);
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error().code, c.expected);
    EXPECT_FALSE(parsed.error().detail.empty());
  }
}

struct LiberalCase {
  std::string_view name;
  Bytes datagram;
  std::optional<MessageType> type;
  std::vector<int> option_codes;  // what the map holds afterwards
  bool cookie = true;
};

TEST(ParseDhcpPacket, AcceptsWhatRealClientsSendAndKeepsWhatParsed) {
  Bytes big = raw_packet({}, {53, 1, 1});
  big.resize(kMaxDatagramSize - 7, 0);  // a PAD run of ~64 KiB
  big.insert(big.end(), {60, 3, 'a', 'b', 'c', 255});
  ASSERT_EQ(big.size(), kMaxDatagramSize - 1);
  Bytes pad_run = raw_packet({}, {53, 1, 3});
  pad_run.insert(pad_run.end(), 1000, 0);
  pad_run.insert(pad_run.end(), {50, 4, 10, 0, 0, 5, 255});

  const LiberalCase cases[] = {
      {"bare 236-byte header: RFC 951 BOOTP", raw_header({}), std::nullopt, {}, false},
      {"wrong cookie: vendor area ignored", cat({raw_header({}), {1, 2, 3, 4, 53, 1, 1, 255}}), std::nullopt, {}, false},
      {"cookie and options but no 53: BOOTP with options", raw_packet({}, {1, 4, 255, 0, 0, 0, 255}), std::nullopt,
       {1}},
      {"cookie only", raw_packet({}, {}), std::nullopt, {}},
      {"no END", raw_packet({}, {53, 1, 1, 61, 2, 1, 2}), MessageType::Discover, {61}},
      {"option value runs past the end", raw_packet({}, {53, 1, 1, 61, 2, 1, 2, 60, 9, 'P', 'X'}),
       MessageType::Discover, {61}},
      {"code without a length byte at the end", raw_packet({}, {53, 1, 1, 61, 2, 1, 2, 60}), MessageType::Discover,
       {61}},
      {"PAD run of 1000 bytes between options", pad_run, MessageType::Request, {50}},
      {"options after END are ignored", raw_packet({}, {53, 1, 1, 255, 60, 1, 'x'}), MessageType::Discover, {}},
      {"64 KiB datagram read whole", big, MessageType::Discover, {60}},
      {"zero-length option", raw_packet({}, {53, 1, 1, 80, 0, 255}), MessageType::Discover, {80}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto parsed = parse_dhcp_packet(c.datagram);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().detail;
    EXPECT_EQ(parsed->message_type, c.type);
    EXPECT_EQ(parsed->magic_cookie, c.cookie);
    std::vector<int> codes;
    for (const auto& [code, value] : parsed->options) codes.push_back(code_value(code));
    EXPECT_EQ(codes, c.option_codes);
    EXPECT_EQ(parsed->mac(), kMac);
  }
}

TEST(ParseDhcpPacket, KeepsTheValueOfATruncatedPacketsEarlierOptions) {
  const auto parsed = parse_dhcp_packet(raw_packet({}, {53, 1, 1, 61, 2, 1, 2, 60, 9, 'P', 'X'}));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed->options.find(OptionCode::ClientIdentifier), (Bytes{1, 2}));
}

TEST(ParseDhcpPacket, ConcatenatesRepeatedOptionsInWireOrder) {
  // RFC 3396 §5: a client identifier split in two instances, other options between them.
  const auto parsed =
      parse_dhcp_packet(raw_packet({}, {53, 1, 1, 61, 3, 1, 0xAA, 0xBB, 57, 2, 5, 0xC0, 61, 2, 0xCC, 0xDD, 255}));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed->options.find(OptionCode::ClientIdentifier), (Bytes{1, 0xAA, 0xBB, 0xCC, 0xDD}));
  EXPECT_EQ(parsed->options.get_u16(OptionCode::MaxMessageSize), 1472);
}

TEST(ParseDhcpPacket, ReadsOverloadedOptionsFromFileThenSname) {
  // Option 52 = 3: options field, then file, then sname (RFC 3396 §6); the DNS list is
  // split over all three areas and must join in that order.
  RawHeader h;
  h.file_field = std::string("\x06\x04\x0a\x00\x00\x02\x0c\x04host\xff", 13);
  h.sname_field = std::string("\x06\x04\x0a\x00\x00\x03\xff", 7);
  const auto parsed = parse_dhcp_packet(raw_packet(h, {53, 1, 2, 52, 1, 3, 6, 4, 10, 0, 0, 1, 255}));
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_EQ(parsed->message_type, MessageType::Offer);
  EXPECT_EQ(parsed->options.get_addresses(OptionCode::DomainNameServer),
            (std::vector{ip("10.0.0.1"), ip("10.0.0.2"), ip("10.0.0.3")}));
  EXPECT_EQ(parsed->options.get_string(OptionCode::HostName), "host");
  EXPECT_FALSE(parsed->options.contains(OptionCode::Overload));
  EXPECT_EQ(parsed->file, "");
  EXPECT_EQ(parsed->sname, "");
}

TEST(ParseDhcpPacket, OverloadOfFileOnlyLeavesSnameText) {
  RawHeader h;
  h.file_field = std::string("\x0c\x01x\xff", 4);
  h.sname_field = "bootserver";
  const auto parsed = parse_dhcp_packet(raw_packet(h, {53, 1, 2, 52, 1, 1, 255}));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->sname, "bootserver");
  EXPECT_EQ(parsed->file, "");
  EXPECT_EQ(parsed->options.get_string(OptionCode::HostName), "x");
}

TEST(ParseDhcpPacket, OverloadPointingToGarbageKeepsThePacket) {
  RawHeader h;
  h.file_field = std::string(128, '\x7f');  // code 127, length 127: runs past the field
  h.sname_field = "not options at all";
  for (const std::uint8_t overload : std::initializer_list<std::uint8_t>{1, 2, 3, 0, 9}) {
    SCOPED_TRACE(int{overload});
    const auto parsed = parse_dhcp_packet(raw_packet(h, {53, 1, 1, 52, 1, overload, 61, 1, 7, 255}));
    ASSERT_TRUE(parsed) << parsed.error().detail;
    EXPECT_EQ(parsed->message_type, MessageType::Discover);
    EXPECT_EQ(*parsed->options.find(OptionCode::ClientIdentifier), Bytes{7});
    EXPECT_FALSE(parsed->options.contains(OptionCode::Overload));
  }
}

TEST(ParseDhcpPacket, UnusualHardwareTypeHasNoMac) {
  const auto parsed = parse_dhcp_packet(raw_packet({.htype = 32, .hlen = 0}, {53, 1, 1, 255}));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->chaddr.htype, 32);
  EXPECT_FALSE(parsed->mac());
  const auto flags = parse_dhcp_packet(raw_packet({.flags = 0x8000}, {53, 1, 1, 255}));
  ASSERT_TRUE(flags);
  EXPECT_TRUE(flags->broadcast);
}

TEST(SerializeDhcpPacket, PutsMessageTypeFirstThenServerIdThenAscending) {
  const auto wire = serialize_dhcp_packet(sample_offer(), 1500);
  EXPECT_EQ(wire_codes(options_area(wire)), (std::vector{53, 54, 1, 3, 6, 15, 51, 60, 61, 255}));
  EXPECT_EQ(overload_on_wire(wire), 0);
}

TEST(SerializeDhcpPacket, PadsSmallRepliesToTheBootpMinimumOf300Bytes) {
  DhcpPacket p;
  p.op = BootpOp::Reply;
  p.message_type = MessageType::Nak;
  const auto wire = serialize_dhcp_packet(p, 1500);
  EXPECT_EQ(wire.size(), kMinPacketSize);
  EXPECT_EQ(Bytes(wire.begin() + 240, wire.begin() + 244), (Bytes{53, 1, 6, 255}));
  EXPECT_TRUE(std::all_of(wire.begin() + 244, wire.end(), [](auto b) { return b == 0; }));
  // A reply with many options is not padded further.
  auto big = sample_offer();
  big.options.set(OptionCode{224}, Bytes(100, 0x42));
  const auto big_wire = serialize_dhcp_packet(big, 1500);
  EXPECT_GT(big_wire.size(), kMinPacketSize);
  EXPECT_EQ(big_wire.back(), 255);
}

TEST(SerializeDhcpPacket, IntoABufferReplacesItsContentsWithTheSameBytes) {
  // The server serializes every reply into one reused buffer: what was in it before (a
  // longer reply, an overloaded one) must not leak into the next.
  auto overloaded = sample_offer();
  overloaded.options.set(OptionCode{224}, Bytes(200, 0x42));
  overloaded.options.set(OptionCode{225}, Bytes(100, 0x43));  // no room left: goes to file
  overloaded.file.clear();  // free for options (RFC 2131 §4.1)
  Bytes buffer(2000, 0xEE);
  serialize_dhcp_packet(overloaded, 576 - 28, buffer);
  EXPECT_EQ(buffer, serialize_dhcp_packet(overloaded, 576 - 28));
  EXPECT_NE(overload_on_wire(buffer), 0);
  serialize_dhcp_packet(sample_offer(), 1500, buffer);
  EXPECT_EQ(buffer, serialize_dhcp_packet(sample_offer(), 1500));
  EXPECT_EQ(overload_on_wire(buffer), 0);
}

TEST(SerializeDhcpPacket, PlainBootpReplyWithoutOptionsHasNoCookie) {
  DhcpPacket p;
  p.op = BootpOp::Reply;
  p.magic_cookie = false;
  p.file = "boot";
  const auto wire = serialize_dhcp_packet(p);
  EXPECT_EQ(wire.size(), kMinPacketSize);
  const auto parsed = parse_dhcp_packet(wire);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, p);
  // Options in a cookie-less packet are not written: such a client could not read them.
  p.options.set_u32(OptionCode::LeaseTime, 60);
  p.message_type = MessageType::Ack;
  const auto with_options = serialize_dhcp_packet(p);
  EXPECT_TRUE(std::all_of(with_options.begin() + kFixedHeaderSize, with_options.end(), [](auto b) { return b == 0; }));
}

TEST(SerializeDhcpPacket, SplitsLongOptionsInto255ByteChunks) {
  auto p = sample_offer();
  Bytes long_value(600);
  for (std::size_t i = 0; i < long_value.size(); ++i) long_value[i] = static_cast<std::uint8_t>(i);
  p.options.set(OptionCode::DomainSearch, long_value);
  const auto wire = serialize_dhcp_packet(p, 2000);
  const auto codes = wire_codes(options_area(wire));
  EXPECT_EQ(std::count(codes.begin(), codes.end(), 119), 3);  // 255 + 255 + 90
  const auto parsed = parse_dhcp_packet(wire);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed->options.find(OptionCode::DomainSearch), long_value);
}

TEST(SerializeDhcpPacket, NulTerminatesTftpServerAndBootFileNames) {
  auto p = sample_offer();
  p.options.set_string(OptionCode::TftpServerName, "192.168.1.1");
  p.options.set_string(OptionCode::BootFileName, "pxelinux.0");
  p.options.set(OptionCode::HostName, Bytes{'h'});
  const auto wire = serialize_dhcp_packet(p, 1500);
  const auto parsed = parse_dhcp_packet(wire);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed->options.find(OptionCode::BootFileName), (Bytes{'p', 'x', 'e', 'l', 'i', 'n', 'u', 'x', '.', '0', 0}));
  EXPECT_EQ(parsed->options.find(OptionCode::TftpServerName)->back(), 0);
  EXPECT_EQ(*parsed->options.find(OptionCode::HostName), Bytes{'h'});  // other strings untouched
  EXPECT_EQ(parsed->options.get_string(OptionCode::BootFileName), "pxelinux.0");
  // Already terminated: not terminated twice.
  p.options.set(OptionCode::BootFileName, Bytes{'a', 0});
  const auto again = parse_dhcp_packet(serialize_dhcp_packet(p, 1500));
  EXPECT_EQ(*again->options.find(OptionCode::BootFileName), (Bytes{'a', 0}));
}

/// A reply whose options need about 420 bytes: more than a 300-byte limit allows.
DhcpPacket crowded_reply() {
  auto p = sample_offer();
  p.file.clear();
  p.sname.clear();
  for (std::uint8_t code = 200; code < 207; ++code) p.options.set(OptionCode{code}, Bytes(50, code));
  return p;
}

TEST(SerializeDhcpPacket, OverloadsUnusedFileAndSnameBeforeDroppingOptions) {
  const auto p = crowded_reply();
  const std::size_t limit = 548;  // room in options field: 548 - 240 - 1 = 307 < ~420
  const auto wire = serialize_dhcp_packet(p, limit);
  EXPECT_LE(wire.size(), limit);
  const auto codes = wire_codes(options_area(wire));
  ASSERT_GE(codes.size(), 3u);
  EXPECT_EQ(codes[0], 53);
  EXPECT_EQ(codes[1], 54);
  EXPECT_EQ(overload_on_wire(wire), kOverloadBoth);
  const auto parsed = parse_dhcp_packet(wire);
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_EQ(parsed->options, p.options);  // nothing lost
  EXPECT_EQ(parsed->message_type, p.message_type);
}

TEST(SerializeDhcpPacket, OverloadsOnlySnameWhenFileCarriesTheBootFile) {
  auto p = crowded_reply();
  p.file = "pxelinux.0";
  p.options.erase(OptionCode{205});  // 70 + 5 * 52 bytes: fits in options (304) + sname (63)
  p.options.erase(OptionCode{206});
  const auto wire = serialize_dhcp_packet(p, 548);
  EXPECT_LE(wire.size(), 548u);
  EXPECT_EQ(overload_on_wire(wire), kOverloadSname);
  const auto parsed = parse_dhcp_packet(wire);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->file, "pxelinux.0");
  EXPECT_EQ(parsed->options, p.options);
}

TEST(SerializeDhcpPacket, DropsOptionalOptionsButNeverTheEssentialOnes) {
  auto p = crowded_reply();
  p.file = "pxelinux.0";
  p.sname = "server";
  const auto wire = serialize_dhcp_packet(p, 300);
  EXPECT_LE(wire.size(), 300u);
  const auto parsed = parse_dhcp_packet(wire);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->message_type, MessageType::Offer);
  EXPECT_TRUE(parsed->options.contains(OptionCode::ServerIdentifier));
  EXPECT_TRUE(parsed->options.contains(OptionCode::SubnetMask));
  EXPECT_TRUE(parsed->options.contains(OptionCode::LeaseTime));
  EXPECT_LT(parsed->options.size(), p.options.size());
  EXPECT_EQ(parsed->file, "pxelinux.0");
  EXPECT_EQ(parsed->sname, "server");
  // Whatever survived is intact, not cut.
  for (const auto& [code, value] : parsed->options) EXPECT_EQ(value, *p.options.find(code));
}

TEST(SerializeDhcpPacket, NeverExceedsTheLimitForAnySize) {
  auto p = crowded_reply();
  p.options.set(OptionCode::DomainSearch, Bytes(700, 1));
  for (const std::size_t limit : {0u, 100u, 300u, 301u, 400u, 548u, 576u, 700u, 1000u, 1444u, 1472u, 4000u}) {
    SCOPED_TRACE(limit);
    const auto wire = serialize_dhcp_packet(p, limit);
    EXPECT_LE(wire.size(), std::max<std::size_t>(limit, kMinPacketSize));
    const auto parsed = parse_dhcp_packet(wire);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->message_type, MessageType::Offer);
  }
}

TEST(SplitOptionWireSize, CountsACodeAndLengthPer255ByteInstance) {
  EXPECT_EQ(split_option_wire_size(0), 2u);
  EXPECT_EQ(split_option_wire_size(1), 3u);
  EXPECT_EQ(split_option_wire_size(255), 257u);
  EXPECT_EQ(split_option_wire_size(256), 260u);
  EXPECT_EQ(split_option_wire_size(600), 606u);  // 255 + 255 + 90
  EXPECT_EQ(split_option_wire_size(1024), 1034u);
}

// RFC 3046 §2.2 + RFC 3396: the echoed option 82 is stripped by the agent before the client sees
// the reply, so the reply may be its wire size longer than the client's maximum, and it is
// placed first with the mandatory options: whole, in the main area, however crowded the reply.
TEST(ReplySizeLimit, AddsTheEchoedOption82AndItAlwaysFitsInTheMainArea) {
  DhcpPacket request;
  auto p = crowded_reply();
  EXPECT_EQ(reply_size_limit(request, p), 548u) << "no option 82: the client's maximum";
  Bytes agent(600);
  for (std::size_t i = 0; i < agent.size(); ++i) agent[i] = static_cast<std::uint8_t>(i * 7);
  p.options.set(OptionCode::RelayAgentInformation, agent);
  const std::size_t limit = reply_size_limit(request, p);
  EXPECT_EQ(limit, 548u + 606u);
  const auto wire = serialize_dhcp_packet(p, limit);
  EXPECT_LE(wire.size(), limit);
  const auto codes = wire_codes(options_area(wire));
  EXPECT_EQ(std::count(codes.begin(), codes.end(), 82), 3) << "255 + 255 + 90, in the options field";
  const auto parsed = parse_dhcp_packet(wire);
  ASSERT_TRUE(parsed);
  ASSERT_NE(parsed->options.find(OptionCode::RelayAgentInformation), nullptr);
  EXPECT_EQ(*parsed->options.find(OptionCode::RelayAgentInformation), agent);
  EXPECT_TRUE(parsed->options.contains(OptionCode::LeaseTime));
  // With only the client's maximum (what the service used before), the echo had no room.
  const auto before = parse_dhcp_packet(serialize_dhcp_packet(p, max_reply_size(request)));
  ASSERT_TRUE(before);
  EXPECT_FALSE(before->options.contains(OptionCode::RelayAgentInformation));
}

TEST(MaxReplySize, HonoursOption57AboveTheRfcMinimum) {
  DhcpPacket request;
  EXPECT_EQ(max_reply_size(request), 548u);
  request.options.set_u16(OptionCode::MaxMessageSize, 1472);  // iPXE
  EXPECT_EQ(max_reply_size(request), 1444u);
  request.options.set_u16(OptionCode::MaxMessageSize, 300);  // below the RFC minimum: ignored
  EXPECT_EQ(max_reply_size(request), 548u);
  request.options.set(OptionCode::MaxMessageSize, Bytes{9});  // malformed
  EXPECT_EQ(max_reply_size(request), 548u);
}

TEST(Describe, PrintsHeaderThenOptionsDecodedByKind) {
  DhcpPacket p;
  p.chaddr = HardwareAddress::ethernet(kMac);
  p.xid = 0x01020304;
  p.message_type = MessageType::Discover;
  p.options.set_u16(OptionCode::MaxMessageSize, 1472);
  p.options.set(OptionCode::ParameterRequestList, Bytes{1, 3, 67});
  p.options.set_string(OptionCode::VendorClassIdentifier, "PXE\"x\x01");
  p.options.set(OptionCode::ClientSystemArchitecture, Bytes{0, 7});
  p.options.set(OptionCode::SubnetMask, Bytes{1, 2});
  p.options.set(OptionCode{224}, Bytes{0xAB, 0xCD});
  const std::string expected =
      "op: BOOTREQUEST\n"
      "htype: 1 hlen: 6 chaddr: 52:54:00:12:34:56\n"
      "hops: 0\n"
      "xid: 0x01020304\n"
      "secs: 0\n"
      "flags: unicast\n"
      "ciaddr: 0.0.0.0\n"
      "yiaddr: 0.0.0.0\n"
      "siaddr: 0.0.0.0\n"
      "giaddr: 0.0.0.0\n"
      "sname: \"\"\n"
      "file: \"\"\n"
      "magic-cookie: yes\n"
      "message-type: DHCPDISCOVER\n"
      "option 1 subnet-mask [2]: 01 02 (malformed)\n"
      "option 55 dhcp-parameter-request-list [3]: 1,3,67\n"
      "option 57 dhcp-max-message-size [2]: 1472\n"
      "option 60 vendor-class-identifier [6]: \"PXE\\\"x\\x01\"\n"
      "option 93 client-system-architecture [2]: 7\n"
      "option 224 option-224 [2]: ab cd\n";
  EXPECT_EQ(describe(p), expected);
}

}  // namespace
}  // namespace netboot::dhcp
