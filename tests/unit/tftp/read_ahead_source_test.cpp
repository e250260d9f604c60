#include "tftp/read_ahead_source.hpp"

#include <gtest/gtest.h>

#include "memory_source.hpp"
#include "tftp/read_transfer.hpp"

namespace netboot::tftp {
namespace {

using namespace std::chrono_literals;
using testing::MemorySource;
using testing::packets_of;
using testing::pattern_bytes;

Bytes read(ByteSource& source, std::uint64_t offset, std::size_t size) {
  Bytes out(size);
  auto got = source.read_at(offset, out);
  if (!got) return {};
  out.resize(*got);
  return out;
}

Bytes slice(const Bytes& all, std::size_t offset, std::size_t size) {
  const auto end = std::min(all.size(), offset + size);
  return Bytes(all.begin() + static_cast<std::ptrdiff_t>(offset), all.begin() + static_cast<std::ptrdiff_t>(end));
}

/// A file in memory behind a ReadAheadSource.
struct Cached {
  explicit Cached(std::size_t size)
      : file(pattern_bytes(size)), inner(std::make_shared<MemorySource>(file)), source(inner) {}
  const Bytes file;
  std::shared_ptr<MemorySource> inner;
  ReadAheadSource source;
};

TEST(ReadAheadSource, TheBlockReadAheadIsServedWithoutAnotherRead) {
  Cached cached(5000);
  auto& [file, inner, source] = cached;
  source.read_ahead(1024, 512);
  EXPECT_EQ(inner->reads, 1U);
  EXPECT_EQ(read(source, 1024, 512), slice(file, 1024, 512));
  EXPECT_EQ(inner->reads, 1U);
  EXPECT_EQ(source.hits(), 1U);
  // A resend of that block, or any part of the range, is served again.
  EXPECT_EQ(read(source, 1024, 512), slice(file, 1024, 512));
  EXPECT_EQ(read(source, 1280, 256), slice(file, 1280, 256));
  EXPECT_EQ(inner->reads, 1U);
  EXPECT_EQ(source.hits(), 3U);
}

TEST(ReadAheadSource, ReadingTheSameRangeAgainCostsNothing) {
  Cached cached(5000);
  auto& [file, inner, source] = cached;
  for (int i = 0; i < 100; ++i) source.read_ahead(1024, 512);  // duplicate ACKs
  EXPECT_EQ(inner->reads, 1U);
  source.read_ahead(1536, 512);  // the next one is read
  EXPECT_EQ(inner->reads, 2U);
  EXPECT_EQ(read(source, 1536, 512), slice(file, 1536, 512));
}

TEST(ReadAheadSource, AWindowOfBlocksComesFromOneRead) {
  Cached cached(20'000);
  auto& [file, inner, source] = cached;
  source.read_ahead(1468, 8 * 1468);
  for (std::size_t block = 1; block <= 8; ++block)
    EXPECT_EQ(read(source, block * 1468, 1468), slice(file, block * 1468, 1468)) << block;
  EXPECT_EQ(inner->reads, 1U);
  EXPECT_EQ(source.hits(), 8U);
}

TEST(ReadAheadSource, AnyOtherReadGoesToTheInnerSourceAndDropsTheBlock) {
  Cached cached(5000);
  auto& [file, inner, source] = cached;
  struct Case {
    std::uint64_t offset;
    std::size_t size;
  };
  // Before the range, overlapping its end, past it: a window restart or a larger read.
  for (const Case c : {Case{512, 512}, Case{1024, 1024}, Case{1536, 512}, Case{768, 512}}) {
    source.read_ahead(1024, 512);
    const auto reads = inner->reads;
    EXPECT_EQ(read(source, c.offset, c.size), slice(file, c.offset, c.size)) << c.offset << "+" << c.size;
    EXPECT_EQ(inner->reads, reads + 1) << c.offset << "+" << c.size;
    EXPECT_EQ(read(source, 1024, 512), slice(file, 1024, 512));  // the range was dropped
    EXPECT_EQ(inner->reads, reads + 2) << c.offset << "+" << c.size;
  }
  EXPECT_EQ(source.hits(), 0U);
}

TEST(ReadAheadSource, TheShortLastBlockAndTheEmptyOneAfterIt) {
  Cached cached(1300);
  auto& [file, inner, source] = cached;
  source.read_ahead(1024, 512);
  EXPECT_EQ(read(source, 1024, 512), slice(file, 1024, 512));  // 276 bytes
  source.read_ahead(1536, 512);
  EXPECT_EQ(read(source, 1536, 512), Bytes{});
  EXPECT_EQ(source.hits(), 2U);
}

TEST(ReadAheadSource, AFailedReadAheadIsForgottenAndTheErrorComesFromTheRealRead) {
  auto inner = std::make_shared<MemorySource>(pattern_bytes(5000));
  ReadAheadSource source(inner);
  inner->fail_reads = true;
  source.read_ahead(0, 512);
  Bytes out(512);
  const auto got = source.read_at(0, out);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, Errc::Io);
  inner->fail_reads = false;
  inner->set_available(100);  // a remote file still downloading: Busy is not held either
  source.read_ahead(512, 512);
  const auto busy = source.read_at(512, out);
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, Errc::Busy);
  EXPECT_EQ(source.hits(), 0U);
}

TEST(ReadAheadSource, ALockStepTransferReadAheadOfEveryAckIsByteExact) {
  for (const std::size_t size : {std::size_t{0}, std::size_t{511}, std::size_t{512}, std::size_t{10'000}}) {
    const Bytes file = pattern_bytes(size);
    auto inner = std::make_shared<MemorySource>(file);
    auto source = std::make_shared<ReadAheadSource>(inner);
    AcceptedOptions accepted;
    accepted.block_size = 512;
    ReadTransfer transfer(source, accepted, RetryPolicy{1s, 3});
    ManualClock clock;
    PacketBatch out;
    Bytes received;
    transfer.start(clock.now(), out);
    std::size_t blocks = 0;
    for (int step = 0; step < 1000 && !transfer.done(); ++step) {
      std::uint16_t last = 0;
      for (const auto& packet : packets_of(out)) {
        if (const auto* data = std::get_if<Data>(&packet)) {
          received.insert(received.end(), data->payload.begin(), data->payload.end());
          last = data->block;
          ++blocks;
        }
      }
      // What the session does after sending: read the next block during the round trip.
      if (const auto next = transfer.next_window_offset()) source->read_ahead(*next, 512);
      out.clear();
      transfer.on_ack(last, clock.now(), out);
    }
    EXPECT_TRUE(transfer.done()) << size;
    EXPECT_EQ(received, file) << size;
    // Every block but the first two came read ahead: nothing is read ahead before the
    // client's first ACK, so block 2 is read when ACK 1 comes.
    EXPECT_EQ(source->hits(), blocks >= 2 ? blocks - 2 : 0) << size;
    EXPECT_EQ(inner->reads, blocks) << size;        // and each was read once
  }
}

TEST(ReadTransferNextWindow, WhereTheNextAckedWindowStarts) {
  auto source = std::make_shared<MemorySource>(pattern_bytes(2000));
  AcceptedOptions accepted;
  accepted.block_size = 512;
  accepted.oack = {{"blksize", "512"}};
  ReadTransfer transfer(source, accepted, RetryPolicy{1s, 3});
  ManualClock clock;
  PacketBatch out;
  transfer.start(clock.now(), out);
  EXPECT_EQ(transfer.next_window_offset(), std::nullopt);  // OACK first: nothing ahead before an ACK
  transfer.on_ack(0, clock.now(), out);          // block 1 sent
  EXPECT_EQ(transfer.next_window_offset(), 512U);
  transfer.on_ack(1, clock.now(), out);
  transfer.on_ack(2, clock.now(), out);                     // block 3 sent
  EXPECT_EQ(transfer.next_window_offset(), 1536U);          // block 4: 464 bytes, the last
  transfer.on_ack(3, clock.now(), out);
  EXPECT_EQ(transfer.next_window_offset(), std::nullopt);  // the last block is out
  transfer.on_ack(4, clock.now(), out);
  EXPECT_TRUE(transfer.done());
  EXPECT_EQ(transfer.next_window_offset(), std::nullopt);
}

}  // namespace
}  // namespace netboot::tftp
