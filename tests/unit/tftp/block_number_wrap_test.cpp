// The 16-bit block number wraps from 65535 to 0 on every path that numbers a block: the
// window filled on the ACK (fill_window), the window built ahead (prepare_next_window), the
// same over the one-pread read-ahead (ReadAheadSource), and netascii, whose blocks come from
// a converted stream. Windows of several sizes straddle the wrap or end right at it. The
// client here is strict: a DATA whose number is not the next one expected fails the test, and
// a transfer on this lossless link must not retransmit anything (a wrong number on the wire
// would otherwise be repaired by a timeout and the file still arrive whole).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "memory_source.hpp"
#include "tftp/netascii_source.hpp"
#include "tftp/read_ahead_source.hpp"
#include "tftp/read_transfer.hpp"

namespace netboot::tftp {
namespace {

using namespace std::chrono_literals;
using testing::MemorySource;
using testing::packets_of;
using testing::pattern_bytes;

constexpr std::size_t kBlock = 8;                // the smallest block (RFC 2348): 65,536 blocks in 512 KiB
constexpr std::uint64_t kFirstWrapped = 65'536;  // the first block numbered 0 on the wire

enum class Path { FilledOnAck, BuiltAhead, ReadAhead, Netascii };

std::string name(Path path) {
  switch (path) {
    case Path::FilledOnAck: return "filled on the ACK";
    case Path::BuiltAhead: return "built ahead";
    case Path::ReadAhead: return "built ahead over the read-ahead";
    case Path::Netascii: return "netascii, built ahead over the read-ahead";
  }
  return "?";
}

/// RFC 764 NVT: what a netascii transfer of `raw` must deliver.
Bytes to_netascii(const Bytes& raw) {
  Bytes out;
  out.reserve(raw.size() + raw.size() / 64);
  for (const std::uint8_t byte : raw) {
    if (byte == '\n') {
      out.push_back('\r');
      out.push_back('\n');
    } else if (byte == '\r') {
      out.push_back('\r');
      out.push_back(0);
    } else {
      out.push_back(byte);
    }
  }
  return out;
}

struct Outcome {
  Bytes received;
  std::uint64_t blocks = 0;   // DATA accepted in order
  std::string first_error;    // the first DATA out of order, if any
  bool completed = false;
  TransferStats stats;
};

/// One transfer of `raw` with the shell's steps after every send (as TftpSession::after_step
/// does: read ahead, then build the next window), played against a strict client that ACKs
/// the last in-order block of what it received.
Outcome play(Path path, const Bytes& raw, std::uint16_t window, bool oack) {
  std::shared_ptr<ByteSource> source = std::make_shared<MemorySource>(raw);
  if (path == Path::Netascii) source = std::make_shared<NetasciiSource>(source);
  std::shared_ptr<ReadAheadSource> read_ahead;
  if (path == Path::ReadAhead || path == Path::Netascii) {
    read_ahead = std::make_shared<ReadAheadSource>(source);
    source = read_ahead;
  }
  AcceptedOptions accepted;
  accepted.block_size = kBlock;
  accepted.window_size = window;
  if (oack) accepted.oack = {{"windowsize", std::to_string(window)}};
  ReadTransfer transfer(source, accepted, RetryPolicy{1s, 3});
  ManualClock clock;
  PacketBatch out;
  transfer.start(clock.now(), out);

  Outcome run;
  std::uint64_t expected = oack ? 0 : 1;  // the next block the client wants (0: the OACK)
  for (std::size_t step = 0; step < 200'000 && !transfer.done(); ++step) {
    std::uint16_t ack = static_cast<std::uint16_t>((expected - 1) & 0xFFFF);
    for (const auto& packet : packets_of(out)) {
      if (std::holds_alternative<Oack>(packet) && expected == 0) {
        expected = 1;
        ack = 0;
        continue;
      }
      const auto* data = std::get_if<Data>(&packet);
      if (data == nullptr || data->block != static_cast<std::uint16_t>(expected & 0xFFFF)) {
        run.first_error = "block " + std::to_string(expected) + " expected (" +
                          std::to_string(expected & 0xFFFF) + " on the wire), got " +
                          (data ? std::to_string(data->block) : std::string("another packet"));
        break;
      }
      run.received.insert(run.received.end(), data->payload.begin(), data->payload.end());
      ack = data->block;
      ++run.blocks;
      ++expected;
    }
    if (!run.first_error.empty()) break;
    if (path != Path::FilledOnAck) {
      if (read_ahead) {
        if (const auto next = transfer.next_window_offset()) {
          read_ahead->read_ahead(*next, std::clamp<std::size_t>(64 * 1024 / kBlock, 1, window) * kBlock);
        }
      }
      transfer.prepare_next_window();
    }
    out.clear();
    transfer.on_ack(ack, clock.now(), out);
  }
  run.completed = transfer.outcome() && transfer.outcome()->kind == TransferOutcome::Kind::Completed;
  run.stats = transfer.stats();
  return run;
}

class BlockNumberWrap : public ::testing::TestWithParam<Path> {};

TEST_P(BlockNumberWrap, WindowsAcrossTheWrapAreNumberedModulo65536WithoutRetransmission) {
  const Path path = GetParam();
  // 1: lock-step; 3 and 5 divide 65,535, so a window ends exactly at 65535 and the next one
  // (built ahead) starts at 0; 2, 4, 7, 16 and 64 straddle the wrap inside a window.
  for (const std::uint16_t window : {1, 2, 3, 4, 5, 7, 16, 64}) {
    for (const bool oack : {false, true}) {
      // Enough for a few windows past the wrap, ending with a short block (netascii only
      // adds bytes: CR and LF become two).
      const Bytes raw = pattern_bytes((kFirstWrapped + 3U * window + 2) * kBlock - 3);
      const Bytes expected = path == Path::Netascii ? to_netascii(raw) : raw;
      const Outcome run = play(path, raw, window, oack);
      SCOPED_TRACE(name(path) + ", window " + std::to_string(window) + (oack ? ", after an OACK" : ""));
      ASSERT_EQ(run.first_error, "");
      EXPECT_TRUE(run.completed);
      EXPECT_GT(run.blocks, kFirstWrapped + window);  // past the wrap by more than a window
      EXPECT_EQ(run.received.size(), expected.size());
      EXPECT_TRUE(run.received == expected);
      EXPECT_EQ(run.stats.retransmissions, 0U);
      EXPECT_EQ(run.stats.blocks_acked, run.blocks);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryPathThatNumbersBlocks, BlockNumberWrap,
                         ::testing::Values(Path::FilledOnAck, Path::BuiltAhead, Path::ReadAhead, Path::Netascii),
                         [](const ::testing::TestParamInfo<Path>& info) {
                           switch (info.param) {
                             case Path::FilledOnAck: return std::string("FilledOnAck");
                             case Path::BuiltAhead: return std::string("BuiltAhead");
                             case Path::ReadAhead: return std::string("ReadAhead");
                             case Path::Netascii: return std::string("Netascii");
                           }
                           return std::string("Unknown");
                         });

}  // namespace
}  // namespace netboot::tftp
