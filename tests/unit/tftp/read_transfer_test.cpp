#include "tftp/read_transfer.hpp"

#include <gtest/gtest.h>

#include "memory_source.hpp"

namespace netboot::tftp {
namespace {

using namespace std::chrono_literals;
using testing::data_blocks;
using testing::MemorySource;
using testing::packets_of;
using testing::pattern_bytes;

AcceptedOptions options(std::uint16_t block_size, std::uint16_t window = 1, bool oack = false) {
  AcceptedOptions accepted;
  accepted.block_size = block_size;
  accepted.window_size = window;
  if (oack) accepted.oack = {{"blksize", std::to_string(block_size)}};
  return accepted;
}

struct Harness {
  explicit Harness(std::size_t size, AcceptedOptions accepted, RetryPolicy retry = {1s, 3})
      : source(std::make_shared<MemorySource>(pattern_bytes(size))),
        transfer(source, std::move(accepted), retry) {}
  std::shared_ptr<MemorySource> source;
  ReadTransfer transfer;
  ManualClock clock;
  PacketBatch out;

  TransferStatus start() { return step([&] { return transfer.start(clock.now(), out); }); }
  TransferStatus ack(std::uint16_t block) { return step([&] { return transfer.on_ack(block, clock.now(), out); }); }
  TransferStatus timeout() {
    clock.advance(transfer.deadline() - clock.now());
    return step([&] { return transfer.on_timeout(clock.now(), out); });
  }
  template <class F>
  TransferStatus step(F f) {
    out.clear();
    return f();
  }
  /// Plays a perfect client: ACKs the last block of each batch until done (bounded). With
  /// `prepare`, the next window is built after every step, as the session does, and no
  /// ACK may then read the source.
  Bytes drain(std::size_t max_steps = 1'000'000, bool prepare = false) {
    Bytes received;
    for (std::size_t i = 0; i < max_steps && !transfer.done(); ++i) {
      std::uint16_t last = 0;
      for (const auto& packet : packets_of(out)) {
        if (const auto* data = std::get_if<Data>(&packet)) {
          received.insert(received.end(), data->payload.begin(), data->payload.end());
          last = data->block;
        }
      }
      // payload views die with the batch: copy before the next step (done above).
      if (prepare) {
        transfer.prepare_next_window();
        const auto reads_before = source->reads;
        ack(last);
        unread_acks += source->reads == reads_before ? 1 : 0;
      } else {
        ack(last);
      }
    }
    return received;
  }
  std::size_t unread_acks = 0;  // ACKs answered without reading the source
};

TEST(ReadTransfer, LockStepTransferDeliversTheFileAndEndsWithAShortBlock) {
  Harness h(1300, options(512));
  ASSERT_EQ(h.start(), TransferStatus::Running);
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{1}));
  const auto received = h.drain();
  EXPECT_EQ(received, pattern_bytes(1300));
  ASSERT_TRUE(h.transfer.outcome().has_value());
  EXPECT_EQ(h.transfer.outcome()->kind, TransferOutcome::Kind::Completed);
  EXPECT_EQ(h.transfer.stats().bytes, 1300u);
  EXPECT_EQ(h.transfer.stats().retransmissions, 0u);
}

TEST(ReadTransfer, SizeMultipleOfTheBlockSizeEndsWithAnEmptyBlock) {
  Harness h(1024, options(512));
  h.start();
  h.ack(1);
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{2}));
  h.ack(2);
  ASSERT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{3}));
  EXPECT_EQ(h.out[0].size(), kHeaderSize);  // the empty final block
  EXPECT_EQ(h.ack(3), TransferStatus::Done);
  EXPECT_EQ(h.transfer.outcome()->kind, TransferOutcome::Kind::Completed);
}

TEST(ReadTransfer, EmptyFileIsOneEmptyBlock) {
  Harness h(0, options(512));
  h.start();
  ASSERT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{1}));
  EXPECT_EQ(h.ack(1), TransferStatus::Done);
}

TEST(ReadTransfer, DuplicateAckNeverCausesADuplicateSend) {
  Harness h(5000, options(512));
  h.start();
  h.ack(1);
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{2}));
  // The Sorcerer's Apprentice: ACK 1 arrives again (delayed duplicate).
  h.ack(1);
  EXPECT_TRUE(h.out.empty());
  h.ack(2);
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{3}));
  EXPECT_EQ(h.transfer.stats().retransmissions, 0u);
}

TEST(ReadTransfer, LostAckIsRecoveredByTimeoutResend) {
  Harness h(2000, options(512));
  h.start();
  h.ack(1);
  const Bytes block2(h.out[0].begin(), h.out[0].end());
  // The client's ACK 2 is lost: after the timeout the server resends DATA 2 byte for byte.
  ASSERT_EQ(h.timeout(), TransferStatus::Running);
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(Bytes(h.out[0].begin(), h.out[0].end()), block2);
  EXPECT_EQ(h.transfer.stats().retransmissions, 1u);
  h.ack(2);
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{3}));
}

TEST(ReadTransfer, TimeoutBeforeTheDeadlineDoesNothing) {
  Harness h(2000, options(512));
  h.start();
  h.clock.advance(500ms);
  h.out.clear();
  EXPECT_EQ(h.transfer.on_timeout(h.clock.now(), h.out), TransferStatus::Running);
  EXPECT_TRUE(h.out.empty());
}

TEST(ReadTransfer, LastAckNeverComesGivesUpAfterTheRetries) {
  Harness h(100, options(512), RetryPolicy{1s, 2});
  h.start();
  EXPECT_EQ(h.timeout(), TransferStatus::Running);
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{1}));
  EXPECT_EQ(h.timeout(), TransferStatus::Running);
  EXPECT_EQ(h.timeout(), TransferStatus::Done);
  EXPECT_TRUE(h.out.empty());
  EXPECT_EQ(h.transfer.outcome()->kind, TransferOutcome::Kind::TimedOut);
  EXPECT_EQ(h.transfer.stats().retransmissions, 2u);
}

TEST(ReadTransfer, ProgressResetsTheRetryCount) {
  Harness h(3000, options(512), RetryPolicy{1s, 1});
  h.start();
  h.timeout();   // retry 1 for block 1
  h.ack(1);      // progress
  EXPECT_EQ(h.timeout(), TransferStatus::Running);  // retry 1 for block 2: allowed again
  EXPECT_EQ(h.timeout(), TransferStatus::Done);
}

TEST(ReadTransfer, OackIsSentFirstAndData1OnlyAfterAck0) {
  Harness h(1000, options(1468, 1, true));
  h.start();
  const auto first = packets_of(h.out);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(std::get<Oack>(first[0]).options, (std::vector<TftpOption>{{"blksize", "1468"}}));
  h.ack(1);  // bogus: only ACK 0 acknowledges the OACK
  EXPECT_TRUE(h.out.empty());
  h.ack(0);
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{1}));
  EXPECT_EQ(h.ack(1), TransferStatus::Done);
  EXPECT_EQ(h.transfer.stats().bytes, 1000u);
}

TEST(ReadTransfer, LostOackIsRetransmittedLikeData) {
  Harness h(10, options(512, 1, true), RetryPolicy{1s, 3});
  h.start();
  const Bytes oack(h.out[0].begin(), h.out[0].end());
  h.timeout();
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(Bytes(h.out[0].begin(), h.out[0].end()), oack);
  EXPECT_EQ(h.transfer.stats().retransmissions, 1u);
  h.ack(0);
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{1}));
}

TEST(ReadTransfer, ClientErrorEndsQuietly) {
  // UEFI asks for tsize alone, reads the OACK, then answers ERROR 8 on purpose.
  Harness h(10, options(512, 1, true));
  h.start();
  h.out.clear();
  const TftpPacket error = ErrorPacket{ErrorCode::OptionRefused, "tsize probe"};
  EXPECT_EQ(h.transfer.on_packet(error, h.clock.now(), h.out), TransferStatus::Done);
  EXPECT_TRUE(h.out.empty());
  EXPECT_EQ(h.transfer.outcome()->kind, TransferOutcome::Kind::ClientAborted);
}

TEST(ReadTransfer, WindowSendsSeveralBlocksAndAdvancesOnTheLastAck) {
  Harness h(512 * 10 + 1, options(512, 4));
  h.start();
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{1, 2, 3, 4}));
  h.ack(4);
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{5, 6, 7, 8}));
  h.ack(8);
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{9, 10, 11}));  // 11 is the short one
  EXPECT_EQ(h.ack(11), TransferStatus::Done);
  EXPECT_EQ(h.transfer.stats().bytes, 512u * 10 + 1);
}

TEST(ReadTransfer, WindowRestartsFromTheBlockAfterTheLastAcked) {
  Harness h(512 * 20, options(512, 4));
  h.start();
  h.ack(4);
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{5, 6, 7, 8}));
  // Block 6 was lost: the client ACKs 5 (RFC 7440 §4), the server restarts at 6.
  h.ack(5);
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{6, 7, 8, 9}));
  EXPECT_EQ(h.transfer.stats().retransmissions, 3u);  // 6, 7, 8 again; 9 is new
  h.ack(5);  // a late duplicate of the restart ACK changes nothing
  EXPECT_TRUE(h.out.empty());
  h.ack(9);
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{10, 11, 12, 13}));
}

TEST(ReadTransfer, WindowTimeoutResendsTheWholeOutstandingWindow) {
  Harness h(512 * 20, options(512, 3));
  h.start();
  h.timeout();
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{1, 2, 3}));
  EXPECT_EQ(h.transfer.stats().retransmissions, 3u);
}

TEST(ReadTransfer, AckForABlockNeverSentIsIgnored) {
  Harness h(512 * 20, options(512, 2));
  h.start();
  h.ack(7);
  EXPECT_TRUE(h.out.empty());
  h.ack(60000);
  EXPECT_TRUE(h.out.empty());
}

TEST(ReadTransfer, BlockNumbersRollOverPast65535) {
  // 70000 blocks of 8 bytes: the wire numbers wrap to 0 after 65535.
  const std::size_t blocks = 70000;
  Harness h(blocks * 8 + 3, options(8, 1));
  h.start();
  const auto received = h.drain(blocks + 10);
  EXPECT_EQ(received, pattern_bytes(blocks * 8 + 3));
  EXPECT_EQ(h.transfer.outcome()->kind, TransferOutcome::Kind::Completed);
  EXPECT_EQ(h.transfer.stats().blocks_acked, blocks + 1);
}

TEST(ReadTransfer, WindowAcrossTheRolloverMapsAcksCorrectly) {
  Harness h(8 * 65540, options(8, 4));
  h.start();
  for (std::uint64_t last = 4; last <= 65532; last += 4) h.ack(static_cast<std::uint16_t>(last));
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{65533, 65534, 65535, 0}));
  h.ack(65535);  // block 0 (65536) lost: restart there
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{0, 1, 2, 3}));
  h.ack(3);
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{4, 5}));  // 65540, and the empty 65541
  EXPECT_EQ(h.ack(5), TransferStatus::Done);
}

TEST(ReadTransfer, ReadErrorSendsAnErrorToTheClient) {
  Harness h(5000, options(512));
  h.source->fail_reads = true;
  EXPECT_EQ(h.start(), TransferStatus::Done);
  const auto packets = packets_of(h.out);
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<ErrorPacket>(packets[0]));
  EXPECT_EQ(h.transfer.outcome()->kind, TransferOutcome::Kind::SourceFailed);
}

TEST(ReadTransfer, BusySourceWaitsWithoutSpendingRetriesAndResumes) {
  Harness h(512 * 4, options(512, 4), RetryPolicy{1s, 1});
  h.source->set_available(512 * 2);
  h.start();
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{1, 2}));
  EXPECT_TRUE(h.transfer.waiting_for_source());
  h.ack(2);
  EXPECT_TRUE(h.out.empty());
  // Nothing outstanding: a client that repeats its ACK is still there, and many timeouts
  // pass without giving up (the source owns its rate and deadline).
  for (int i = 0; i < 5; ++i) {
    h.ack(2);
    EXPECT_TRUE(h.out.empty()) << "a duplicate ACK sends nothing";
    EXPECT_EQ(h.timeout(), TransferStatus::Running);
  }
  h.source->set_available(512 * 4);
  h.out.clear();
  h.transfer.on_source_ready(h.clock.now(), h.out);
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{3, 4, 5}));
  EXPECT_EQ(h.ack(5), TransferStatus::Done);
}

TEST(ReadTransfer, ClientGoneWhileWaitingForTheSourceEndsWithinTheRetries) {
  // Issue 23 item 6: a trickling remote kept a transfer alive long after its client left.
  Harness h(512 * 4, options(512, 4), RetryPolicy{1s, 2});
  h.source->set_available(512 * 2);
  h.start();
  h.ack(2);
  ASSERT_TRUE(h.transfer.waiting_for_source());
  EXPECT_EQ(h.timeout(), TransferStatus::Running);
  EXPECT_EQ(h.timeout(), TransferStatus::Running);
  EXPECT_EQ(h.timeout(), TransferStatus::Done) << "timeout x (retries + 1) of silence";
  ASSERT_TRUE(h.transfer.outcome());
  EXPECT_EQ(h.transfer.outcome()->kind, TransferOutcome::Kind::TimedOut);
  // A repeated RRQ on the listening port counts as a sign of life too.
  Harness r(512 * 4, options(512, 4), RetryPolicy{1s, 1});
  r.source->set_available(0);
  r.start();
  for (int i = 0; i < 4; ++i) {
    r.transfer.note_client_alive();
    EXPECT_EQ(r.timeout(), TransferStatus::Running);
  }
  EXPECT_EQ(r.timeout(), TransferStatus::Running);
  EXPECT_EQ(r.timeout(), TransferStatus::Done);
}

TEST(ReadTransfer, ATricklingSourceDoesNotKeepAGoneClientsTransferAlive) {
  // A remote root trickling 4 bytes a second wakes the transfer every second without completing
  // a block. Those wake-ups must not move the deadline, or a silent client whose timeout is also
  // a second never runs out of retries. Simulated time in 100 ms steps, as the session's timer
  // sees it: on_timeout only once the deadline is reached.
  Harness h(512 * 4, options(512, 1), RetryPolicy{1s, 2});
  std::size_t available = 4;
  h.source->set_available(available);
  h.start();
  ASSERT_TRUE(h.transfer.waiting_for_source());
  const auto began = h.clock.now();
  for (int tick = 1; tick <= 100 && !h.transfer.done(); ++tick) {
    h.clock.advance(100ms);
    if (tick % 10 == 0) {
      available += 4;
      h.source->set_available(available);
      h.step([&] { return h.transfer.on_source_ready(h.clock.now(), h.out); });
    }
    if (!h.transfer.done() && h.clock.now() >= h.transfer.deadline())
      h.step([&] { return h.transfer.on_timeout(h.clock.now(), h.out); });
  }
  ASSERT_TRUE(h.transfer.done()) << "still alive after 10 s of a silent client";
  EXPECT_EQ(h.transfer.outcome()->kind, TransferOutcome::Kind::TimedOut);
  EXPECT_LE(h.clock.now() - began, Duration(3s)) << "timeout x (retries + 1), whatever the source does";
}

TEST(ReadTransfer, NegotiatedTimeoutReplacesTheConfiguredOne) {
  auto accepted = options(512);
  accepted.timeout_seconds = 5;
  Harness h(100, accepted, RetryPolicy{1s, 3});
  h.start();
  EXPECT_EQ(h.transfer.deadline() - h.clock.now(), Duration(5s));
}

TEST(ReadTransfer, CancelSendsAnErrorAndEnds) {
  Harness h(5000, options(512));
  h.start();
  h.out.clear();
  EXPECT_EQ(h.transfer.cancel("server shutting down", h.out), TransferStatus::Done);
  const auto packets = packets_of(h.out);
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<ErrorPacket>(packets[0]).message, "server shutting down");
}

TEST(ReadTransfer, PreparedWindowsSendTheSameDatagramsWithoutReadingOnTheAck) {
  // Sizes: a short last block, an exact multiple (empty last block), empty, with and
  // without OACK, lock-step and windows.
  for (const std::size_t size : {std::size_t{5000}, std::size_t{4096}, std::size_t{0}}) {
    for (const std::uint16_t window : {std::uint16_t{1}, std::uint16_t{4}}) {
      for (const bool oack : {false, true}) {
        SCOPED_TRACE(::testing::Message() << "size " << size << " window " << window << " oack " << oack);
        Harness plain(size, options(512, window, oack));
        Harness prepared(size, options(512, window, oack));
        plain.start();
        prepared.start();
        EXPECT_EQ(plain.drain(), pattern_bytes(size));
        EXPECT_EQ(prepared.drain(1'000'000, true), pattern_bytes(size));
        ASSERT_TRUE(prepared.transfer.outcome().has_value());
        EXPECT_EQ(prepared.transfer.outcome()->kind, TransferOutcome::Kind::Completed);
        EXPECT_EQ(prepared.transfer.stats().bytes, plain.transfer.stats().bytes);
        EXPECT_EQ(prepared.transfer.stats().packets_sent, plain.transfer.stats().packets_sent);
        EXPECT_EQ(prepared.transfer.stats().retransmissions, 0u);
        // Every ACK that opened a window found it built, except the first ACK (nothing is
        // built before the client answers); the final ACK sends nothing.
        const std::size_t windows = (size / 512 + 1 + window - 1) / window;
        const std::size_t first_ack_opens = oack ? 1 : (windows > 1 ? 1 : 0);
        EXPECT_EQ(prepared.unread_acks, windows - (oack ? 0 : 1) - first_ack_opens + 1);
      }
    }
  }
}

TEST(ReadTransfer, ADuplicateAckDoesNotRebuildThePreparedWindow) {
  Harness h(20 * 512, options(512, 4));
  h.start();
  h.ack(4);                          // blocks 5-8 out
  h.transfer.prepare_next_window();  // blocks 9-12: four reads
  const auto reads = h.source->reads;
  h.ack(4);                          // a duplicate (before the window): ignored
  h.transfer.prepare_next_window();  // the session asks again after every step
  EXPECT_EQ(h.source->reads, reads);
  h.ack(8);
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{9, 10, 11, 12}));
  EXPECT_EQ(h.source->reads, reads);
}

TEST(ReadTransfer, NoWindowIsBuiltAheadBeforeTheClientsFirstAck) {
  // A spoofed request is answered, but holds no window of memory until an ACK comes back.
  for (const bool oack : {false, true}) {
    SCOPED_TRACE(oack ? "with OACK" : "without OACK");
    Harness h(20 * 512, options(512, 4, oack));
    h.start();
    const auto reads = h.source->reads;
    EXPECT_FALSE(h.transfer.next_window_offset().has_value());
    h.transfer.prepare_next_window();
    EXPECT_EQ(h.source->reads, reads);
    h.timeout();  // a resend is no acknowledgement either
    const auto after_resend = h.source->reads;
    h.transfer.prepare_next_window();
    EXPECT_EQ(h.source->reads, after_resend);
    h.ack(oack ? 0 : 4);
    const auto acknowledged = h.source->reads;
    EXPECT_TRUE(h.transfer.next_window_offset().has_value());
    h.transfer.prepare_next_window();
    EXPECT_GT(h.source->reads, acknowledged);
  }
}

TEST(ReadTransfer, AFileThatShrinksEndsWithAnErrorNotAShortCompletedTransfer) {
  // Truncated mid-block and at a block boundary (a read of 0 bytes), read as it is due
  // and built ahead: never a "completed" transfer shorter than the size announced.
  for (const std::size_t shrunk : {std::size_t{3 * 512 + 100}, std::size_t{3 * 512}}) {
    for (const bool prepare : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "shrunk to " << shrunk << (prepare ? ", prepared" : ""));
      Harness h(10 * 512, options(512, 1, true));
      h.start();
      h.ack(0);
      h.ack(1);
      h.source->shrink_to(shrunk);
      const auto received = h.drain(100, prepare);
      ASSERT_TRUE(h.transfer.outcome().has_value());
      EXPECT_EQ(h.transfer.outcome()->kind, TransferOutcome::Kind::SourceFailed);
      EXPECT_NE(h.transfer.outcome()->detail.find("shrank"), std::string::npos) << h.transfer.outcome()->detail;
      // The file's size when the short read says it, else only a bound: never the position as a size.
      const std::string said = shrunk % 512 != 0 ? "to " + std::to_string(shrunk) + " bytes where 5120 were announced"
                                                 : "to " + std::to_string(shrunk) + " bytes or fewer where 5120";
      EXPECT_NE(h.transfer.outcome()->detail.find(said), std::string::npos) << h.transfer.outcome()->detail;
      const auto sent = packets_of(h.out);
      ASSERT_FALSE(sent.empty());
      EXPECT_TRUE(std::holds_alternative<ErrorPacket>(sent.back()));
      EXPECT_LT(h.transfer.stats().bytes, 10u * 512);
      EXPECT_LE(received.size(), 3u * 512);  // no short final block went out
    }
  }
}

TEST(ReadTransfer, PartialAckOrTimeoutDiscardsThePreparedWindow) {
  Harness h(20 * 512, options(512, 4));
  h.start();
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{1, 2, 3, 4}));
  h.transfer.prepare_next_window();  // blocks 5-8
  // Block 3 was lost: the client ACKs 2, the window restarts at 3 (RFC 7440 §4).
  h.ack(2);
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{3, 4, 5, 6}));
  EXPECT_EQ(h.transfer.stats().retransmissions, 2u);
  h.transfer.prepare_next_window();  // blocks 7-10
  h.timeout();                       // no ACK: the window in flight again
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{3, 4, 5, 6}));
  h.ack(6);
  EXPECT_EQ(data_blocks(h.out), (std::vector<std::uint16_t>{7, 8, 9, 10}));
  EXPECT_EQ(h.drain(), [] {
    const auto all = pattern_bytes(20 * 512);
    return Bytes(all.begin() + 6 * 512, all.end());  // blocks 7-20: the batch in hand, then the rest
  }());
}

TEST(ReadTransfer, PrepareLeavesNothingWhenTheSourceIsBusyOrFails) {
  Harness busy(4 * 512, options(512));
  busy.source->set_available(512);
  busy.start();
  busy.transfer.prepare_next_window();  // block 2 is not there yet
  busy.ack(1);
  EXPECT_TRUE(busy.out.empty());
  EXPECT_TRUE(busy.transfer.waiting_for_source());
  busy.source->set_available(4 * 512);
  busy.step([&] { return busy.transfer.on_source_ready(busy.clock.now(), busy.out); });
  EXPECT_EQ(data_blocks(busy.out), (std::vector<std::uint16_t>{2}));

  Harness failing(4 * 512, options(512));
  failing.start();
  failing.source->fail_reads = true;
  failing.transfer.prepare_next_window();
  failing.ack(1);  // the read fails now, when it is due: the client gets an ERROR
  ASSERT_TRUE(failing.transfer.outcome().has_value());
  EXPECT_EQ(failing.transfer.outcome()->kind, TransferOutcome::Kind::SourceFailed);
}

}  // namespace
}  // namespace netboot::tftp
