#include "tftp/netascii_source.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "memory_source.hpp"
#include "tftp/read_transfer.hpp"

namespace netboot::tftp {
namespace {

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

std::string read_all(NetasciiSource& source, std::size_t chunk) {
  std::string out;
  Bytes buffer(chunk);
  for (std::uint64_t offset = 0;; offset += chunk) {
    auto got = source.read_at(offset, buffer);
    if (!got) return "error";
    out.append(reinterpret_cast<const char*>(buffer.data()), *got);
    if (*got < chunk) return out;
  }
}

TEST(NetasciiSource, ConvertsLineEndingsAndBareCarriageReturns) {
  const struct {
    std::string_view input;
    std::string_view expected;
  } cases[] = {
      {"a\nb\n", "a\r\nb\r\n"},
      {"a\rb", std::string_view("a\r\0b", 4)},
      {"\r\n", std::string_view("\r\0\r\n", 4)},
      {"", ""},
      {"plain", "plain"},
  };
  for (const auto& c : cases) {
    for (std::size_t chunk : {1u, 2u, 3u, 512u}) {
      SCOPED_TRACE(std::string(c.input) + " chunk " + std::to_string(chunk));
      NetasciiSource source(std::make_shared<testing::MemorySource>(bytes_of(c.input)));
      EXPECT_EQ(read_all(source, chunk), c.expected);
    }
  }
}

TEST(NetasciiSource, GoingBackToAnEarlierBlockRereadsTheSameBytes) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "line " + std::to_string(i) + "\n";
  NetasciiSource source(std::make_shared<testing::MemorySource>(bytes_of(text)));
  Bytes first(8), again(8), later(8);
  ASSERT_TRUE(source.read_at(0, first).has_value());
  ASSERT_TRUE(source.read_at(8, later).has_value());
  ASSERT_TRUE(source.read_at(16, later).has_value());
  ASSERT_TRUE(source.read_at(8, again).has_value());  // window restart
  Bytes expected(8);
  NetasciiSource fresh(std::make_shared<testing::MemorySource>(bytes_of(text)));
  ASSERT_TRUE(fresh.read_at(0, expected).has_value());
  ASSERT_TRUE(fresh.read_at(8, expected).has_value());
  EXPECT_EQ(again, expected);
  // And far away from any checkpoint: a rescan from the start.
  NetasciiSource jump(std::make_shared<testing::MemorySource>(bytes_of(text)));
  Bytes direct(8);
  ASSERT_TRUE(jump.read_at(8, direct).has_value());
  EXPECT_EQ(direct, expected);
}

TEST(NetasciiSource, ServesAWholeTransfer) {
  const std::string text = "first\nsecond\rthird\n";
  auto source = std::make_shared<NetasciiSource>(std::make_shared<testing::MemorySource>(bytes_of(text)));
  AcceptedOptions accepted;
  accepted.block_size = 8;
  ReadTransfer transfer(source, accepted, {});
  PacketBatch out;
  ManualClock clock;
  transfer.start(clock.now(), out);
  std::string received;
  for (int i = 0; i < 20 && !transfer.done(); ++i) {
    const auto packets = testing::packets_of(out);
    ASSERT_EQ(packets.size(), 1u);
    const auto& data = std::get<Data>(packets[0]);
    received.append(as_text(data.payload));
    out.clear();
    transfer.on_ack(data.block, clock.now(), out);
  }
  EXPECT_EQ(received, std::string("first\r\nsecond\r\0third\r\n", 22));
}

/// A lock-step netascii transfer of `text` in blocks of 512; `change` runs once, after the
/// client's ACK of block 1 (the file changing while it is served).
struct NetasciiRun {
  std::string received;
  std::vector<TftpPacket> last_batch;
  std::optional<TransferOutcome> outcome;
};
NetasciiRun run_netascii(const std::string& text, const std::function<void(testing::MemorySource&)>& change) {
  auto file = std::make_shared<testing::MemorySource>(bytes_of(text));
  auto source = std::make_shared<NetasciiSource>(file);
  AcceptedOptions accepted;
  accepted.block_size = 512;
  ReadTransfer transfer(source, accepted, {});
  PacketBatch out;
  ManualClock clock;
  transfer.start(clock.now(), out);
  NetasciiRun run;
  for (int i = 0; i < 1000 && !transfer.done(); ++i) {
    run.last_batch = testing::packets_of(out);
    std::uint16_t last = 0;
    for (const auto& packet : run.last_batch) {
      if (const auto* data = std::get_if<Data>(&packet)) {
        run.received.append(as_text(data->payload));
        last = data->block;
      }
    }
    if (last == 1 && change) change(*file);
    out.clear();
    transfer.on_ack(last, clock.now(), out);
  }
  run.last_batch = testing::packets_of(out);
  run.outcome = transfer.outcome();
  return run;
}

std::string lines(int count) {
  std::string text;
  for (int i = 0; i < count; ++i) text += "line " + std::to_string(i) + "\n";
  return text;
}

TEST(NetasciiSource, AFileThatShrinksEndsWithAnErrorNotAShortCompletedTransfer) {
  const std::string text = lines(1000);  // about 9 KB, 10 KB converted
  for (const std::size_t shrunk : {std::size_t{3000}, std::size_t{600}, std::size_t{0}}) {
    SCOPED_TRACE(::testing::Message() << "shrunk to " << shrunk);
    const auto run = run_netascii(text, [&](testing::MemorySource& file) { file.shrink_to(shrunk); });
    ASSERT_TRUE(run.outcome.has_value());
    EXPECT_EQ(run.outcome->kind, TransferOutcome::Kind::SourceFailed);
    EXPECT_NE(run.outcome->detail.find("shrank"), std::string::npos) << run.outcome->detail;
    EXPECT_NE(run.outcome->detail.find("where " + std::to_string(text.size()) + " were there at open"),
              std::string::npos) << run.outcome->detail;
    ASSERT_FALSE(run.last_batch.empty());
    ASSERT_TRUE(std::holds_alternative<ErrorPacket>(run.last_batch.back()));
    EXPECT_EQ(std::get<ErrorPacket>(run.last_batch.back()).code, ErrorCode::NotDefined);
    EXPECT_EQ(run.received.size() % 512, 0u);  // no short final block went out
  }
}

TEST(NetasciiSource, AFileThatGrowsIsServedAtItsSizeAtOpen) {
  const std::string text = lines(500);
  const auto run = run_netascii(text, [](testing::MemorySource& file) { file.append(bytes_of(lines(2000))); });
  ASSERT_TRUE(run.outcome.has_value());
  EXPECT_EQ(run.outcome->kind, TransferOutcome::Kind::Completed);
  NetasciiSource as_opened(std::make_shared<testing::MemorySource>(bytes_of(text)));
  EXPECT_EQ(run.received, read_all(as_opened, 512));
}

}  // namespace
}  // namespace netboot::tftp
