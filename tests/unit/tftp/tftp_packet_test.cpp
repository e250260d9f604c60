#include "tftp/tftp_packet.hpp"

#include <gtest/gtest.h>

namespace netboot::tftp {
namespace {

Bytes raw(std::string_view text) { return Bytes(text.begin(), text.end()); }

TEST(TftpPacket, ParsesReadRequestWithOptionsLowerCasingNames) {
  const auto packet = parse_tftp_packet(raw(std::string_view("\0\1pxelinux.0\0OCTET\0BLKSIZE\0" "1468\0tsize\0" "0\0", 39)));
  ASSERT_TRUE(packet.has_value());
  const auto& request = std::get<Request>(*packet);
  EXPECT_FALSE(request.write);
  EXPECT_EQ(request.filename, "pxelinux.0");
  EXPECT_EQ(request.mode, TransferMode::Octet);
  ASSERT_EQ(request.options.size(), 2u);
  EXPECT_EQ(request.options[0], (TftpOption{"blksize", "1468"}));
  EXPECT_EQ(request.options[1], (TftpOption{"tsize", "0"}));
}

TEST(TftpPacket, RoundTripsEveryPacketKind) {
  const Request rrq{false, "boot/grubx64.efi", TransferMode::Netascii, {{"windowsize", "4"}}};
  const Request wrq{true, "upload.bin", TransferMode::Octet, {}};
  const TftpPacket packets[] = {rrq, wrq, Ack{65535}, ErrorPacket{ErrorCode::FileNotFound, "File not found"},
                                Oack{{{"blksize", "1432"}, {"tsize", "123"}}}};
  for (const auto& packet : packets) {
    const auto bytes = serialize(packet);
    const auto parsed = parse_tftp_packet(bytes);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->index(), packet.index());
    EXPECT_EQ(serialize(*parsed), bytes);
  }
}

TEST(TftpPacket, DataPayloadIsAViewOfTheDatagram) {
  const Bytes datagram = {0, 3, 0x12, 0x34, 'a', 'b', 'c'};
  const auto parsed = parse_tftp_packet(datagram);
  ASSERT_TRUE(parsed.has_value());
  const auto& data = std::get<Data>(*parsed);
  EXPECT_EQ(data.block, 0x1234);
  EXPECT_EQ(as_text(data.payload), "abc");
}

TEST(TftpPacket, ToleratesMissingFinalNulsWhereClientsOmitThem) {
  const auto request = parse_tftp_packet(raw(std::string_view("\0\1file\0octet", 12)));
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(std::get<Request>(*request).mode, TransferMode::Octet);
  const auto error = parse_tftp_packet(raw(std::string_view("\0\5\0\1oops", 8)));
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(std::get<ErrorPacket>(*error).message, "oops");
}

struct MalformedCase {
  std::string_view name;
  std::string_view bytes;
  Errc expected;
};

TEST(TftpPacket, RejectsMalformedDatagrams) {
  const MalformedCase cases[] = {
      {"empty", std::string_view("", 0), Errc::Truncated},
      {"one byte", std::string_view("\0", 1), Errc::Truncated},
      {"opcode 0", std::string_view("\0\0", 2), Errc::Unsupported},
      {"opcode 7", std::string_view("\0\7", 2), Errc::Unsupported},
      {"opcode 256", std::string_view("\1\1", 2), Errc::Unsupported},
      {"RRQ without filename NUL", std::string_view("\0\1file", 6), Errc::Truncated},
      {"RRQ without mode", std::string_view("\0\1file\0", 7), Errc::Truncated},
      {"RRQ with an unknown mode", std::string_view("\0\1file\0binary\0", 14), Errc::BadValue},
      {"ACK without block", std::string_view("\0\4\0", 3), Errc::Truncated},
      {"DATA without block", std::string_view("\0\3", 2), Errc::Truncated},
      {"ERROR without code", std::string_view("\0\5\0", 3), Errc::Truncated},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto parsed = parse_tftp_packet(raw(c.bytes));
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error().code, c.expected);
  }
}

TEST(TftpPacket, OptionNameWithoutValueEndsOptionParsing) {
  const auto parsed = parse_tftp_packet(raw(std::string_view("\0\1f\0octet\0tsize\0" "0\0blksize", 25)));
  ASSERT_TRUE(parsed.has_value());
  const auto& options = std::get<Request>(*parsed).options;
  ASSERT_EQ(options.size(), 1u);  // the unterminated "blksize" is dropped, "tsize" kept
  EXPECT_EQ(options[0].name, "tsize");
}

TEST(TftpPacket, WritersRefuseBuffersTooSmall) {
  std::uint8_t small[3];
  EXPECT_EQ(write_data_header(small, 1), 0u);
  EXPECT_EQ(write_ack(small, 1), 0u);
  std::uint8_t eight[8];
  EXPECT_EQ(write_error(eight, ErrorCode::NotDefined, "too long message"), 0u);
  EXPECT_EQ(write_error(eight, ErrorCode::NotDefined, "abc"), 8u);
}

}  // namespace
}  // namespace netboot::tftp
