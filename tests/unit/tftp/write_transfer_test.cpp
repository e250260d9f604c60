#include "tftp/write_transfer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "memory_source.hpp"
#include "temp_tree.hpp"
#include "tftp/local_file_sink.hpp"

namespace netboot::tftp {
namespace {

using namespace std::chrono_literals;

struct MemorySink final : ByteSink {
  explicit MemorySink(Bytes& into, bool& committed, bool& aborted) : into_(into), committed_(committed), aborted_(aborted) {}
  Result<void> write_at(std::uint64_t offset, ByteView data) override {
    if (into_.size() < offset + data.size()) into_.resize(offset + data.size());
    std::copy(data.begin(), data.end(), into_.begin() + static_cast<std::ptrdiff_t>(offset));
    return {};
  }
  Result<void> commit() override {
    committed_ = true;
    return {};
  }
  void abort() override { aborted_ = true; }
  Bytes& into_;
  bool& committed_;
  bool& aborted_;
};

struct Upload {
  Bytes stored;
  bool committed = false, aborted = false;
  ManualClock clock;
  PacketBatch out;
  std::optional<WriteTransfer> transfer;
  Upload(AcceptedOptions options, std::uint64_t max_size = 1 << 20) {
    transfer.emplace(std::make_unique<MemorySink>(stored, committed, aborted), std::move(options), RetryPolicy{1s, 2}, max_size);
    transfer->start(clock.now(), out);
  }
  TransferStatus data(std::uint16_t block, const Bytes& payload) {
    out.clear();
    return transfer->on_packet(Data{block, payload}, clock.now(), out);
  }
  std::vector<TftpPacket> sent() const { return testing::packets_of(out); }
  /// What the shell does off the loop once the last block is in.
  TransferStatus commit() {
    auto sink = transfer->take_sink();
    if (!sink) return TransferStatus::Running;
    auto committed = sink->commit();
    out.clear();
    return transfer->on_committed(std::move(committed), clock.now(), out);
  }
};

AcceptedOptions blocks_of(std::uint16_t size) {
  AcceptedOptions options;
  options.block_size = size;
  return options;
}

TEST(WriteTransfer, AcknowledgesEachBlockAndCommitsOnTheShortOne) {
  Upload u(blocks_of(8));
  EXPECT_EQ(std::get<Ack>(u.sent()[0]).block, 0);
  const auto all = testing::pattern_bytes(20);
  u.data(1, Bytes(all.begin(), all.begin() + 8));
  EXPECT_EQ(std::get<Ack>(u.sent()[0]).block, 1);
  u.data(2, Bytes(all.begin() + 8, all.begin() + 16));
  EXPECT_EQ(u.data(3, Bytes(all.begin() + 16, all.end())), TransferStatus::Running);
  EXPECT_EQ(u.stored, all);
  EXPECT_EQ(u.commit(), TransferStatus::Done);
  EXPECT_EQ(std::get<Ack>(u.sent()[0]).block, 3);
  EXPECT_TRUE(u.committed);
  EXPECT_FALSE(u.aborted);
  EXPECT_EQ(u.transfer->outcome()->kind, TransferOutcome::Kind::Completed);
}

TEST(WriteTransfer, TheFinalAckWaitsForTheCommitWhichTheMachineHandsOut) {
  // The sync runs off the event loop: the machine hands the sink out and acknowledges the
  // last block only once the shell reports the commit done.
  Upload u(blocks_of(8));
  u.data(1, Bytes(8, 1));
  EXPECT_EQ(u.data(2, Bytes(3, 2)), TransferStatus::Running);
  EXPECT_TRUE(u.sent().empty());
  EXPECT_TRUE(u.transfer->commit_due());
  EXPECT_FALSE(u.committed);
  u.data(2, Bytes(3, 2));  // the client repeats its last block meanwhile: no ACK yet
  EXPECT_TRUE(u.sent().empty());
  for (int i = 0; i < 5; ++i) {  // a sync slower than every retry: still waiting, not timed out
    u.clock.advance(1s);
    u.out.clear();
    EXPECT_EQ(u.transfer->on_timeout(u.clock.now(), u.out), TransferStatus::Running);
    EXPECT_TRUE(u.sent().empty());
  }
  auto sink = u.transfer->take_sink();
  ASSERT_NE(sink, nullptr);
  EXPECT_FALSE(u.transfer->commit_due());
  ASSERT_TRUE(sink->commit().has_value());
  u.out.clear();
  EXPECT_EQ(u.transfer->on_committed({}, u.clock.now(), u.out), TransferStatus::Done);
  EXPECT_EQ(std::get<Ack>(u.sent()[0]).block, 2);
  EXPECT_EQ(u.transfer->outcome()->kind, TransferOutcome::Kind::Completed);
}

TEST(WriteTransfer, AFailedCommitGetsAnErrorInsteadOfTheFinalAck) {
  for (const auto [code, expected] : {std::pair{Errc::Io, ErrorCode::DiskFull}, std::pair{Errc::BadValue, ErrorCode::FileExists}}) {
    Upload u(blocks_of(8));
    u.data(1, Bytes(5, 1));
    auto sink = u.transfer->take_sink();
    ASSERT_NE(sink, nullptr);
    u.out.clear();
    EXPECT_EQ(u.transfer->on_committed(fail(code, "sync failed"), u.clock.now(), u.out), TransferStatus::Done);
    EXPECT_EQ(std::get<ErrorPacket>(u.sent()[0]).code, expected);
    EXPECT_EQ(u.transfer->outcome()->kind, TransferOutcome::Kind::SourceFailed);
  }
}

TEST(WriteTransfer, RepeatedBlockIsAcknowledgedAgainAndWrittenOnce) {
  Upload u(blocks_of(8));
  const Bytes block(8, 0xAA);
  u.data(1, block);
  u.data(1, block);  // our ACK 1 was lost
  ASSERT_EQ(u.sent().size(), 1u);
  EXPECT_EQ(std::get<Ack>(u.sent()[0]).block, 1);
  EXPECT_EQ(u.transfer->stats().bytes, 8u);
  u.data(5, block);  // from the future: ignored
  EXPECT_TRUE(u.sent().empty());
}

TEST(WriteTransfer, OackBeforeTheFirstBlockWhenOptionsWereAccepted) {
  auto options = blocks_of(1024);
  options.oack = {{"blksize", "1024"}};
  Upload u(options);
  EXPECT_TRUE(std::holds_alternative<Oack>(u.sent()[0]));
}

TEST(WriteTransfer, SilentClientIsDroppedAndThePartialFileRemoved) {
  Upload u(blocks_of(8));
  u.data(1, Bytes(8, 1));
  for (int i = 0; i < 2; ++i) {
    u.clock.advance(1s);
    u.out.clear();
    EXPECT_EQ(u.transfer->on_timeout(u.clock.now(), u.out), TransferStatus::Running);
    EXPECT_EQ(std::get<Ack>(u.sent()[0]).block, 1);
  }
  u.clock.advance(1s);
  EXPECT_EQ(u.transfer->on_timeout(u.clock.now(), u.out), TransferStatus::Done);
  EXPECT_TRUE(u.aborted);
}

TEST(WriteTransfer, TooLargeUploadGetsDiskFull) {
  Upload u(blocks_of(8), 12);
  u.data(1, Bytes(8, 1));
  EXPECT_EQ(u.data(2, Bytes(8, 1)), TransferStatus::Done);
  EXPECT_EQ(std::get<ErrorPacket>(u.sent()[0]).code, ErrorCode::DiskFull);
  EXPECT_TRUE(u.aborted);
}

TEST(LocalFileSink, AbortedUploadLeavesNoFile) {
  testing::TempTree tree;
  auto root = open_directory(tree.root().string());
  ASSERT_TRUE(root.has_value());
  {
    auto created = create_beneath(root->get(), "partial.bin");
    ASSERT_TRUE(created.has_value());
    LocalFileSink sink(std::move(*created));
    ASSERT_TRUE(sink.write_at(0, Bytes(10, 1)).has_value());
    sink.abort();
  }
  EXPECT_FALSE(std::filesystem::exists(tree.root() / "partial.bin"));
  auto created = create_beneath(root->get(), "done.bin");
  ASSERT_TRUE(created.has_value());
  LocalFileSink sink(std::move(*created));
  ASSERT_TRUE(sink.write_at(0, Bytes(10, 1)).has_value());
  ASSERT_TRUE(sink.commit().has_value());
  EXPECT_EQ(std::filesystem::file_size(tree.root() / "done.bin"), 10u);
}

std::vector<std::string> names_in(const std::filesystem::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(LocalFileSink, AnUploadAppearsUnderItsNameOnlyWhenCommitted) {
  testing::TempTree tree;
  auto root = open_directory(tree.root().string());
  ASSERT_TRUE(root.has_value());
  auto created = create_beneath(root->get(), "image.bin");
  ASSERT_TRUE(created.has_value());
  LocalFileSink sink(std::move(*created));
  ASSERT_TRUE(sink.write_at(0, Bytes(600, 7)).has_value());
  // Written, not committed: a reader asking for image.bin finds nothing.
  EXPECT_FALSE(std::filesystem::exists(tree.root() / "image.bin"));
  ASSERT_TRUE(sink.commit().has_value());
  EXPECT_EQ(std::filesystem::file_size(tree.root() / "image.bin"), 600u);
  EXPECT_EQ(names_in(tree.root()), (std::vector<std::string>{"image.bin"}));  // no temporary left
}

TEST(LocalFileSink, TheFirstOfTwoUploadsOfOneNameWinsAndTheOtherLeavesNothing) {
  testing::TempTree tree;
  auto root = open_directory(tree.root().string());
  ASSERT_TRUE(root.has_value());
  auto first = create_beneath(root->get(), "same.bin");
  auto second = create_beneath(root->get(), "same.bin");
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  LocalFileSink a(std::move(*first)), b(std::move(*second));
  ASSERT_TRUE(a.write_at(0, Bytes(10, 1)).has_value());
  ASSERT_TRUE(b.write_at(0, Bytes(20, 2)).has_value());
  ASSERT_TRUE(a.commit().has_value());
  const auto lost = b.commit();
  ASSERT_FALSE(lost.has_value());
  EXPECT_EQ(lost.error().code, Errc::BadValue);  // ERROR 6: never overwrites
  b.abort();
  EXPECT_EQ(std::filesystem::file_size(tree.root() / "same.bin"), 10u);
  EXPECT_EQ(names_in(tree.root()), (std::vector<std::string>{"same.bin"}));
  EXPECT_EQ(create_beneath(root->get(), "same.bin").error().code, Errc::BadValue);
}

}  // namespace
}  // namespace netboot::tftp
