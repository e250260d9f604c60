#include "tftp/negotiation.hpp"

#include <gtest/gtest.h>

namespace netboot::tftp {
namespace {

constexpr NegotiationLimits kLoopback{65464, 64};

TEST(Negotiation, MtuGivesTheLargestBlockThatFitsOneFrame) {
  EXPECT_EQ(max_block_size_for_mtu(1500), 1468);
  EXPECT_EQ(max_block_size_for_mtu(9000), 8968);
  EXPECT_EQ(max_block_size_for_mtu(65536), 65464);
  EXPECT_EQ(max_block_size_for_mtu(20), 8);
}

struct Case {
  std::string_view name;
  std::vector<TftpOption> requested;
  NegotiationLimits limits;
  std::optional<std::uint64_t> file_size;
  TransferMode mode;
  std::vector<TftpOption> oack;
  std::uint16_t block_size;
  std::uint16_t window_size;
};

TEST(Negotiation, AcceptsClampsOrIgnoresEachOption) {
  const Case cases[] = {
      {"no options: no OACK", {}, kLoopback, 100, TransferMode::Octet, {}, 512, 1},
      {"blksize accepted", {{"blksize", "1468"}}, kLoopback, 100, TransferMode::Octet, {{"blksize", "1468"}}, 1468, 1},
      {"blksize clamped to the MTU", {{"blksize", "65464"}}, {1468, 64}, 100, TransferMode::Octet, {{"blksize", "1468"}}, 1468, 1},
      {"blksize huge number clamped", {{"blksize", "99999999999"}}, {1432, 64}, 1, TransferMode::Octet, {{"blksize", "1432"}}, 1432, 1},
      {"blksize below 8 ignored", {{"blksize", "7"}}, kLoopback, 100, TransferMode::Octet, {}, 512, 1},
      {"blksize not a number ignored", {{"blksize", "big"}}, kLoopback, 100, TransferMode::Octet, {}, 512, 1},
      {"tsize answered with the file size", {{"tsize", "0"}}, kLoopback, 4242, TransferMode::Octet, {{"tsize", "4242"}}, 512, 1},
      {"tsize unknown size: not acknowledged", {{"tsize", "0"}}, kLoopback, std::nullopt, TransferMode::Octet, {}, 512, 1},
      {"tsize refused in netascii", {{"tsize", "0"}}, kLoopback, 10, TransferMode::Netascii, {}, 512, 1},
      {"timeout echoed", {{"timeout", "3"}}, kLoopback, 1, TransferMode::Octet, {{"timeout", "3"}}, 512, 1},
      {"timeout 0 ignored", {{"timeout", "0"}}, kLoopback, 1, TransferMode::Octet, {}, 512, 1},
      {"timeout 256 ignored", {{"timeout", "256"}}, kLoopback, 1, TransferMode::Octet, {}, 512, 1},
      {"timeout above the cap ignored", {{"timeout", "255"}}, {65464, 64, 10}, 1, TransferMode::Octet, {}, 512, 1},
      {"timeout at the cap echoed", {{"timeout", "10"}}, {65464, 64, 10}, 1, TransferMode::Octet, {{"timeout", "10"}}, 512, 1},
      {"windowsize accepted", {{"windowsize", "4"}}, kLoopback, 1, TransferMode::Octet, {{"windowsize", "4"}}, 512, 4},
      {"windowsize clamped to the cap", {{"windowsize", "65535"}}, {65464, 16}, 1, TransferMode::Octet, {{"windowsize", "16"}}, 512, 16},
      {"windowsize 0 ignored", {{"windowsize", "0"}}, kLoopback, 1, TransferMode::Octet, {}, 512, 1},
      {"unknown options ignored", {{"utimeout", "1000"}, {"multicast", ""}}, kLoopback, 1, TransferMode::Octet, {}, 512, 1},
      {"repeated option: first wins", {{"blksize", "1024"}, {"blksize", "2048"}}, kLoopback, 1, TransferMode::Octet, {{"blksize", "1024"}}, 1024, 1},
      {"EDK2 order kept", {{"blksize", "1468"}, {"windowsize", "4"}, {"tsize", "0"}}, kLoopback, 9, TransferMode::Octet,
       {{"blksize", "1468"}, {"windowsize", "4"}, {"tsize", "9"}}, 1468, 4},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto accepted = negotiate(c.requested, c.limits, c.file_size, c.mode);
    EXPECT_EQ(accepted.oack, c.oack);
    EXPECT_EQ(accepted.block_size, c.block_size);
    EXPECT_EQ(accepted.window_size, c.window_size);
  }
}

TEST(Negotiation, WriteEchoesTheAnnouncedSizeAndRefusesWindows) {
  const auto accepted = negotiate({{"tsize", "777"}, {"windowsize", "8"}}, kLoopback, std::nullopt, TransferMode::Octet, true);
  EXPECT_EQ(accepted.oack, (std::vector<TftpOption>{{"tsize", "777"}}));
  EXPECT_EQ(accepted.window_size, 1);
  EXPECT_EQ(accepted.transfer_size, 777u);
}

}  // namespace
}  // namespace netboot::tftp
