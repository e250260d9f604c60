// The TFTP service in-process on 127.0.0.1 (ephemeral port): the event loop runs on one
// background thread; the test plays the client with blocking sockets and bounded waits.
#include "net/tftp_service.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "dhcp/dhcp_packet.hpp"
#include "dhcp/pipeline/make_pipeline.hpp"
#include "lease/address_allocator.hpp"
#include "lease/memory_lease_store.hpp"
#include "net/udp_listener.hpp"
#include "net/dhcp_service.hpp"
#include "tftp/tftp_packet.hpp"
#include "unit/http/fake_lease_store.hpp"

namespace netboot::net {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using tftp::ErrorCode;

Bytes pattern(std::size_t n, unsigned seed = 1) {
  Bytes out(n);
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& b : out) {
    x = x * 1103515245u + 12345u;
    b = static_cast<std::uint8_t>(x >> 16);
  }
  return out;
}

sockaddr_in loopback(std::uint16_t port, std::uint32_t address = INADDR_LOOPBACK) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(address);
  return sin;
}

/// A UDP socket on 127.0.0.1 (or another loopback address) with bounded receives.
class Udp {
 public:
  explicit Udp(std::uint32_t address = INADDR_LOOPBACK) : fd_(::socket(AF_INET, SOCK_DGRAM, 0)) {
    const auto sin = loopback(0, address);
    ::bind(fd_, reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
    int size = 8 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  ~Udp() { ::close(fd_); }
  Udp(const Udp&) = delete;
  Udp& operator=(const Udp&) = delete;

  void send_to(std::uint16_t port, ByteView datagram) const {
    const auto to = loopback(port);
    ::sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  }
  /// One datagram within `timeout`, with the sender's port; nullopt on timeout.
  std::optional<std::pair<Bytes, std::uint16_t>> receive(std::chrono::milliseconds timeout) const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    Bytes buffer(65536);
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const auto n = ::recvfrom(fd_, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) return std::nullopt;
    buffer.resize(static_cast<std::size_t>(n));
    return std::make_pair(std::move(buffer), ntohs(from.sin_port));
  }
  [[nodiscard]] std::uint16_t port() const {
    sockaddr_in sin{};
    socklen_t len = sizeof sin;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sin), &len);
    return ntohs(sin.sin_port);
  }

 private:
  int fd_;
};

struct Download {
  Bytes data;
  std::optional<tftp::ErrorPacket> error;
  std::vector<tftp::TftpOption> oack;
  bool timed_out = false;
  std::uint16_t server_port = 0;
  unsigned dropped = 0;
};

struct ClientOptions {
  std::vector<tftp::TftpOption> options;
  tftp::TransferMode mode = tftp::TransferMode::Octet;
  unsigned drop_every = 0;  // drop every Nth DATA received (a lossy network), 0 = none
  std::function<void(std::uint16_t server_port)> after_first_data;
};

/// A small RFC 1350/2347/7440 client: ACKs in order, re-ACKs the last good block on a gap.
Download download(std::uint16_t port, const std::string& name, ClientOptions c = {}) {
  Download result;
  Udp socket;
  tftp::Request rrq{false, name, c.mode, c.options};
  socket.send_to(port, tftp::serialize(rrq));
  std::uint16_t window = 1, block_size = 512;
  for (const auto& o : c.options) {
    if (o.name == "windowsize") window = static_cast<std::uint16_t>(std::stoi(o.value));
  }
  std::uint64_t expected = 1;  // next block wanted (64-bit: wraps on the wire)
  std::uint16_t in_window = 0;
  unsigned received_data = 0;
  const auto give_up = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < give_up) {
    const auto got = socket.receive(3s);
    if (!got) {
      result.timed_out = true;
      return result;
    }
    const auto& [bytes, from] = *got;
    if (result.server_port == 0) result.server_port = from;
    auto packet = tftp::parse_tftp_packet(bytes);
    if (!packet) continue;
    if (auto* error = std::get_if<tftp::ErrorPacket>(&*packet)) {
      result.error = *error;
      return result;
    }
    if (auto* oack = std::get_if<tftp::Oack>(&*packet)) {
      result.oack = oack->options;
      for (const auto& o : oack->options) {
        if (o.name == "blksize") block_size = static_cast<std::uint16_t>(std::stoi(o.value));
        if (o.name == "windowsize") window = static_cast<std::uint16_t>(std::stoi(o.value));
      }
      if (!c.options.empty() && std::none_of(oack->options.begin(), oack->options.end(),
                                             [](const auto& o) { return o.name == "windowsize"; }))
        window = 1;
      socket.send_to(from, tftp::serialize(tftp::Ack{0}));
      continue;
    }
    auto* data = std::get_if<tftp::Data>(&*packet);
    if (data == nullptr) continue;
    ++received_data;
    if (c.drop_every != 0 && received_data % c.drop_every == 0) {
      ++result.dropped;
      continue;  // lost on the way
    }
    if (received_data == 1 && c.after_first_data) c.after_first_data(from);
    if (data->block != static_cast<std::uint16_t>(expected & 0xFFFF)) {
      // Out of order (a gap): ACK the last block received in order (RFC 7440 §4).
      socket.send_to(from, tftp::serialize(tftp::Ack{static_cast<std::uint16_t>((expected - 1) & 0xFFFF)}));
      in_window = 0;
      continue;
    }
    result.data.insert(result.data.end(), data->payload.begin(), data->payload.end());
    const bool last = data->payload.size() < block_size;
    ++expected;
    if (++in_window >= window || last) {
      socket.send_to(from, tftp::serialize(tftp::Ack{data->block}));
      in_window = 0;
    }
    if (last) return result;
  }
  result.timed_out = true;
  return result;
}

class TftpServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root = fs::temp_directory_path() / ("netboot-tftp-svc-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root);
    fs::create_directories(root / "tftpboot");
    config.address = Ipv4Address::loopback();
    config.port = 0;
    config.root_dir = root / "tftpboot";
    config.base_dir = root;
    config.timeout = 0.2;
    config.retries = 5;
    sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text);
    log = std::make_shared<spdlog::logger>("tftp", sink);
    log->set_level(spdlog::level::debug);
  }
  void TearDown() override {
    stop();
    fs::remove_all(root);
  }

  void write(const std::string& name, const Bytes& content) {
    fs::create_directories((root / "tftpboot" / name).parent_path());
    std::ofstream(root / "tftpboot" / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(content.data()), static_cast<std::streamsize>(content.size()));
  }

  void start(const lease::LeaseStore* leases = nullptr, TftpServiceHooks hooks = {}) {
    service = std::make_unique<TftpService>(io, config, log, leases, std::move(hooks));
    auto started = service->start();
    ASSERT_TRUE(started.has_value()) << started.error().detail;
    port = service->local_port();
    ASSERT_NE(port, 0);
    work.emplace(asio::make_work_guard(io));
    loop = std::thread([this] { io.run(); });
  }

  /// Runs `f` on the event loop and waits for it.
  template <class F>
  auto on_loop(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto future = task.get_future();
    asio::post(io, [&task] { task(); });
    EXPECT_EQ(future.wait_for(5s), std::future_status::ready);
    return future.get();
  }

  void stop() {
    if (!loop.joinable()) return;
    on_loop([this] { service->stop(); });
    work.reset();
    io.stop();
    loop.join();
  }

  std::string logs() {
    sink->flush();
    return log_text.str();
  }

  /// Waits (bounded) until every session has ended.
  bool idle(std::chrono::milliseconds within = 5s) {
    const auto until = std::chrono::steady_clock::now() + within;
    while (on_loop([this] { return service->active_transfers(); }) != 0) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }

  fs::path root;
  config::TftpConfig config;
  std::ostringstream log_text;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink;
  std::shared_ptr<spdlog::logger> log;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::unique_ptr<TftpService> service;
  std::thread loop;
  std::uint16_t port = 0;
};

TEST_F(TftpServiceTest, ServesASmallFileInLockStep) {
  write("pxelinux.0", pattern(1300));
  start();
  const auto got = download(port, "pxelinux.0");
  EXPECT_FALSE(got.error.has_value());
  EXPECT_FALSE(got.timed_out);
  EXPECT_EQ(got.data, pattern(1300));
  EXPECT_NE(got.server_port, port);  // a new TID per transfer
}

TEST_F(TftpServiceTest, NegotiatesOptionsAndServesWithWindows) {
  write("big.img", pattern(3'000'000));
  start();
  const auto got = download(port, "big.img", {{{"blksize", "1468"}, {"tsize", "0"}, {"windowsize", "8"}}});
  ASSERT_FALSE(got.error.has_value());
  EXPECT_EQ(got.oack, (std::vector<tftp::TftpOption>{{"blksize", "1468"}, {"tsize", "3000000"}, {"windowsize", "8"}}));
  EXPECT_EQ(got.data, pattern(3'000'000));
}

TEST_F(TftpServiceTest, ConfiguredBlocksizeCapsTheNegotiation) {
  config.blocksize = 1024;
  config.max_window_size = 2;
  write("f", pattern(5000));
  start();
  const auto got = download(port, "f", {{{"blksize", "8192"}, {"windowsize", "16"}}});
  EXPECT_EQ(got.oack, (std::vector<tftp::TftpOption>{{"blksize", "1024"}, {"windowsize", "2"}}));
  EXPECT_EQ(got.data, pattern(5000));
}

TEST_F(TftpServiceTest, LossyNetworkStillDeliversEveryByte) {
  config.timeout = 0.1;
  write("lossy.bin", pattern(60'000, 7));
  start();
  const auto lockstep = download(port, "lossy.bin", {.drop_every = 7});
  EXPECT_EQ(lockstep.data, pattern(60'000, 7));
  EXPECT_GT(lockstep.dropped, 0u);
  const auto windowed = download(port, "lossy.bin", {{{"blksize", "1024"}, {"windowsize", "4"}}, tftp::TransferMode::Octet, 5});
  EXPECT_EQ(windowed.data, pattern(60'000, 7));
  EXPECT_GT(windowed.dropped, 0u);
  EXPECT_NE(logs().find("retransmissions"), std::string::npos);
}

TEST_F(TftpServiceTest, MissingFileGetsFileNotFound) {
  start();
  const auto got = download(port, "nope.bin");
  ASSERT_TRUE(got.error.has_value());
  EXPECT_EQ(got.error->code, ErrorCode::FileNotFound);
}

TEST_F(TftpServiceTest, EscapesGetAccessViolation) {
  write("ok", pattern(10));
  std::ofstream(root / "secret") << "secret";
  start();
  for (const std::string name : {"../secret", "..\\secret", "a/../../secret"}) {
    SCOPED_TRACE(name);
    const auto got = download(port, name);
    ASSERT_TRUE(got.error.has_value());
    EXPECT_EQ(got.error->code, ErrorCode::AccessViolation);
  }
}

TEST_F(TftpServiceTest, WriteRequestOnAReadOnlyServerGetsError2) {
  start();
  Udp socket;
  socket.send_to(port, tftp::serialize(tftp::Request{true, "up.bin", tftp::TransferMode::Octet, {}}));
  const auto reply = socket.receive(3s);
  ASSERT_TRUE(reply.has_value());
  const auto packet = tftp::parse_tftp_packet(reply->first);
  ASSERT_TRUE(packet.has_value());
  EXPECT_EQ(std::get<tftp::ErrorPacket>(*packet).code, ErrorCode::AccessViolation);
}

/// Uploads `content` with lock-step WRQ; returns the error the server sent, if any.
std::optional<tftp::ErrorPacket> upload(std::uint16_t port, const std::string& name, const Bytes& content) {
  Udp socket;
  socket.send_to(port, tftp::serialize(tftp::Request{true, name, tftp::TransferMode::Octet, {}}));
  std::uint16_t server = 0;
  for (std::uint16_t block = 0;; ++block) {
    const auto reply = socket.receive(3s);
    if (!reply) return tftp::ErrorPacket{ErrorCode::NotDefined, "timeout"};
    server = reply->second;
    auto packet = tftp::parse_tftp_packet(reply->first);
    if (!packet) return tftp::ErrorPacket{ErrorCode::NotDefined, "garbage"};
    if (auto* e = std::get_if<tftp::ErrorPacket>(&*packet)) return *e;
    const auto* ack = std::get_if<tftp::Ack>(&*packet);
    if (ack == nullptr || ack->block != block) return tftp::ErrorPacket{ErrorCode::NotDefined, "unexpected"};
    const std::size_t offset = std::size_t{block} * 512;
    if (offset > content.size()) return std::nullopt;  // the final ACK
    const auto n = std::min<std::size_t>(512, content.size() - offset);
    Bytes data = {0, 3, static_cast<std::uint8_t>((block + 1) >> 8), static_cast<std::uint8_t>(block + 1)};
    data.insert(data.end(), content.begin() + static_cast<std::ptrdiff_t>(offset),
                content.begin() + static_cast<std::ptrdiff_t>(offset + n));
    socket.send_to(server, data);
  }
}

TEST_F(TftpServiceTest, WritableServerAcceptsUploadsButNeverOverwrites) {
  config.writable = true;
  write("existing", pattern(10));
  start();
  fs::create_directories(root / "tftpboot" / "uploads");
  const auto ok = upload(port, "uploads/log.txt", pattern(1500, 8));
  EXPECT_FALSE(ok.has_value()) << ok->message;
  EXPECT_EQ(download(port, "uploads/log.txt").data, pattern(1500, 8));
  const auto exists = upload(port, "existing", pattern(10));
  ASSERT_TRUE(exists.has_value());
  EXPECT_EQ(exists->code, ErrorCode::FileExists);
  const auto escape = upload(port, "../escaped", pattern(10));
  ASSERT_TRUE(escape.has_value());
  EXPECT_EQ(escape->code, ErrorCode::AccessViolation);
  EXPECT_FALSE(fs::exists(root / "escaped"));
}

TEST_F(TftpServiceTest, StrangerGetsError5AndTheTransferContinues) {
  write("f", pattern(50'000));
  start();
  Udp stranger;
  std::optional<tftp::ErrorPacket> stranger_reply;
  const auto got = download(port, "f", {.after_first_data = [&](std::uint16_t server_port) {
                                          stranger.send_to(server_port, tftp::serialize(tftp::Ack{1}));
                                          if (auto r = stranger.receive(3s)) {
                                            if (auto p = tftp::parse_tftp_packet(r->first)) {
                                              if (auto* e = std::get_if<tftp::ErrorPacket>(&*p)) stranger_reply = *e;
                                            }
                                          }
                                        }});
  ASSERT_TRUE(stranger_reply.has_value());
  EXPECT_EQ(stranger_reply->code, ErrorCode::UnknownTransferId);
  EXPECT_EQ(got.data, pattern(50'000));
}

TEST_F(TftpServiceTest, RepeatedRequestDoesNotStartASecondTransfer) {
  write("f", pattern(10'000));
  start();
  Udp a;
  const Bytes rrq = tftp::serialize(tftp::Request{false, "f", tftp::TransferMode::Octet, {}});
  a.send_to(port, rrq);
  a.send_to(port, rrq);
  std::set<std::uint16_t> senders;
  int packets = 0;
  while (auto r = a.receive(500ms)) {
    senders.insert(r->second);
    if (++packets >= 3) break;  // DATA 1 and its retransmissions
  }
  EXPECT_GE(packets, 2);
  EXPECT_EQ(senders.size(), 1u);
  EXPECT_EQ(on_loop([this] { return service->counters().duplicates; }), 1u);
}

TEST_F(TftpServiceTest, PerClientCapRefusesTheExtraTransfer) {
  config.max_transfers_per_client = 1;
  write("f", pattern(100'000));
  start();
  Udp a, b;
  const Bytes rrq = tftp::serialize(tftp::Request{false, "f", tftp::TransferMode::Octet, {}});
  a.send_to(port, rrq);
  ASSERT_TRUE(a.receive(3s).has_value());
  b.send_to(port, rrq);
  const auto reply = b.receive(3s);
  ASSERT_TRUE(reply.has_value());
  const auto packet = tftp::parse_tftp_packet(reply->first);
  ASSERT_TRUE(packet.has_value());
  EXPECT_TRUE(std::holds_alternative<tftp::ErrorPacket>(*packet));
}

TEST_F(TftpServiceTest, TransfersPastTheCapGetAnError) {
  config.max_transfers = 2;
  write("f", pattern(100'000));
  start();
  Udp a, b, c;
  const Bytes rrq = tftp::serialize(tftp::Request{false, "f", tftp::TransferMode::Octet, {}});
  a.send_to(port, rrq);
  b.send_to(port, rrq);
  ASSERT_TRUE(a.receive(3s).has_value());  // DATA 1, never acknowledged: the slot stays taken
  ASSERT_TRUE(b.receive(3s).has_value());
  c.send_to(port, rrq);
  const auto reply = c.receive(3s);
  ASSERT_TRUE(reply.has_value());
  const auto packet = tftp::parse_tftp_packet(reply->first);
  ASSERT_TRUE(packet.has_value());
  ASSERT_TRUE(std::holds_alternative<tftp::ErrorPacket>(*packet));
  EXPECT_EQ(on_loop([this] { return service->counters().busy; }), 1u);
}

TEST_F(TftpServiceTest, ClientThatVanishesIsDroppedAfterTheRetries) {
  config.retries = 2;
  write("f", pattern(10'000));
  start();
  Udp a;
  a.send_to(port, tftp::serialize(tftp::Request{false, "f", tftp::TransferMode::Octet, {}}));
  int data_packets = 0;
  while (a.receive(1500ms)) ++data_packets;
  EXPECT_EQ(data_packets, 3);  // first send + 2 retries
  EXPECT_EQ(on_loop([this] { return service->active_transfers(); }), 0u);
  EXPECT_NE(logs().find("timed out"), std::string::npos);
}

TEST_F(TftpServiceTest, StopAbortsTransfersWithAnError) {
  write("f", pattern(10'000));
  start();
  Udp a;
  a.send_to(port, tftp::serialize(tftp::Request{false, "f", tftp::TransferMode::Octet, {}}));
  ASSERT_TRUE(a.receive(3s).has_value());
  on_loop([this] { service->stop(); });
  std::optional<tftp::ErrorPacket> error;
  for (int i = 0; i < 5 && !error; ++i) {
    const auto r = a.receive(2s);
    if (!r) break;
    if (auto p = tftp::parse_tftp_packet(r->first)) {
      if (auto* e = std::get_if<tftp::ErrorPacket>(&*p)) error = *e;
    }
  }
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "server shutting down");
}

TEST_F(TftpServiceTest, FinishedTransferLogsOneLineWithTheFigures) {
  write("f", pattern(4096));
  start();
  download(port, "f");
  // The final ACK may still be on its way to the loop: wait (bounded) for the session to end.
  for (int i = 0; i < 100 && on_loop([this] { return service->active_transfers(); }) != 0; ++i) std::this_thread::sleep_for(10ms);
  stop();
  const auto text = logs();
  EXPECT_NE(text.find("127.0.0.1:"), std::string::npos);
  EXPECT_NE(text.find(" f completed: 4096 bytes in "), std::string::npos) << text;
  EXPECT_NE(text.find("MB/s), 0 retransmissions"), std::string::npos) << text;
}

TEST_F(TftpServiceTest, NetasciiConvertsLineEndings) {
  const std::string text = "line one\nline two\n";
  write("t.txt", Bytes(text.begin(), text.end()));
  start();
  const auto got = download(port, "t.txt", {.mode = tftp::TransferMode::Netascii});
  EXPECT_EQ(std::string(got.data.begin(), got.data.end()), "line one\r\nline two\r\n");
}

TEST_F(TftpServiceTest, FiltersAndTheLeaseBootFile) {
  config.filters = {{"pxelinux.cfg/*", "pxelinux.cfg/default", {}}, {"boot.efi", "{bootfile}", {}}};
  write("pxelinux.cfg/default", pattern(100, 3));
  write("per-host/special.efi", pattern(100, 4));
  test::FakeLeaseStore leases;
  lease::Lease lease;
  lease.address = Ipv4Address::loopback();
  lease.boot_file = "per-host/special.efi";
  leases.put(lease);
  start(&leases);
  EXPECT_EQ(download(port, "pxelinux.cfg/01-aa-bb-cc-dd-ee-ff").data, pattern(100, 3));
  EXPECT_EQ(download(port, "boot.efi").data, pattern(100, 4));
}

TEST_F(TftpServiceTest, ManyConcurrentClientsAllComplete) {
  config.max_transfers_per_client = 0;  // all from 127.0.0.1: no per-client cap
  write("f", pattern(64 * 1024, 9));
  start();
  std::vector<std::future<Download>> clients;
  for (int i = 0; i < 100; ++i) clients.push_back(std::async(std::launch::async, [this] { return download(port, "f"); }));
  int ok = 0;
  for (auto& c : clients) ok += c.get().data == pattern(64 * 1024, 9) ? 1 : 0;
  EXPECT_EQ(ok, 100);
}

/// A minimal HTTP/1.0 server on 127.0.0.1 for the remote root: "/slow/..." stalls.
class TinyHttp {
 public:
  explicit TinyHttp(std::map<std::string, Bytes> files) : files_(std::move(files)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const auto sin = loopback(0);
    ::bind(fd_, reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
    ::listen(fd_, 64);
    sockaddr_in bound{};
    socklen_t len = sizeof bound;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &len);
    port_ = ntohs(bound.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~TinyHttp() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    for (auto& t : workers_) t.join();
  }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  /// Waits (bounded) until a /slow/ request has reached the server, where it now stalls.
  bool wait_slow_request(std::chrono::seconds limit) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [this] { return slow_requests_ > 0; });
  }
  /// Ends the stall of /slow/ requests.
  void release() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
    }
    changed_.notify_all();
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) continue;
      workers_.emplace_back([this, client] { answer(client); });
    }
  }
  void answer(int client) {
    char buffer[4096];
    const auto n = ::recv(client, buffer, sizeof buffer, 0);
    std::string request(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
    const auto path = request.substr(4, request.find(' ', 4) - 4);
    if (path.rfind("/slow/", 0) == 0) {
      std::unique_lock lock(mutex_);
      ++slow_requests_;
      changed_.notify_all();
      changed_.wait_for(lock, 10s, [this] { return released_ || stop_; });  // stalls, bounded
    }
    const auto it = files_.find(path);
    std::string head = it == files_.end() ? "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"
                                          : "HTTP/1.0 200 OK\r\nContent-Length: " + std::to_string(it->second.size()) + "\r\n\r\n";
    ::send(client, head.data(), head.size(), MSG_NOSIGNAL);
    if (it != files_.end()) ::send(client, it->second.data(), it->second.size(), MSG_NOSIGNAL);
    ::close(client);
  }
  std::map<std::string, Bytes> files_;
  int fd_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
  int slow_requests_ = 0;  // guarded by mutex_
  bool released_ = false;  // guarded by mutex_

 public:
  std::thread thread_;
  std::vector<std::thread> workers_;
};

TEST_F(TftpServiceTest, RemoteRootStreamsFilesWithTheirSize) {
  TinyHttp http({{"/boot/images/linux", pattern(300'000, 5)}, {"/slow/boot/images/linux", pattern(1000, 6)}});
  config.root_dir.clear();
  config.root_url = "http://127.0.0.1:" + std::to_string(http.port()) + "/boot";
  start();
  const auto got = download(port, "images/linux", {{{"tsize", "0"}, {"blksize", "1400"}}});
  ASSERT_FALSE(got.error.has_value()) << got.error->message;
  EXPECT_EQ(got.oack, (std::vector<tftp::TftpOption>{{"tsize", "300000"}, {"blksize", "1400"}}));
  EXPECT_EQ(got.data, pattern(300'000, 5));
  const auto missing = download(port, "images/none");
  ASSERT_TRUE(missing.error.has_value());
  EXPECT_EQ(missing.error->code, ErrorCode::FileNotFound);
}

TEST_F(TftpServiceTest, SlowRemoteDoesNotDelayOtherTransfers) {
  TinyHttp http({{"/fast.bin", pattern(100'000, 5)}, {"/slow/x", pattern(1000, 6)}});
  config.root_dir.clear();
  config.root_url = "http://127.0.0.1:" + std::to_string(http.port());
  start();
  auto slow = std::async(std::launch::async, [this] { return download(port, "slow/x"); });
  ASSERT_TRUE(http.wait_slow_request(30s)) << "the slow request never reached the remote server";
  // The remote server holds the slow file until released: the fast one must complete meanwhile,
  // whatever the machine's load (ordering, not wall-clock bounds).
  const auto fast = download(port, "fast.bin");
  EXPECT_EQ(fast.data, pattern(100'000, 5));
  EXPECT_EQ(slow.wait_for(0s), std::future_status::timeout) << "the slow transfer finished before it was released";
  http.release();
  EXPECT_EQ(slow.get().data, pattern(1000, 6));
}


// ---- issue 14: a hostile or unlucky network ----

std::optional<tftp::TftpPacket> receive_packet(const Udp& socket, std::chrono::milliseconds timeout = 3s,
                                               std::uint16_t* from = nullptr) {
  const auto got = socket.receive(timeout);
  if (!got) return std::nullopt;
  if (from != nullptr) *from = got->second;
  auto packet = tftp::parse_tftp_packet(got->first);
  if (!packet) return std::nullopt;
  return *packet;
}

TEST_F(TftpServiceTest, PerClientCountersAreRemovedOnEveryPath) {
  // Issue 14 item 5: refused requests (read-only, netascii or mail uploads, missing files,
  // busy) left an entry per source address behind; 500,000 spoofed WRQs grew RSS by 16 MB.
  config.max_transfers = 1;
  write("f", pattern(100'000));
  start();
  const Bytes wrq = tftp::serialize(tftp::Request{true, "up.bin", tftp::TransferMode::Octet, {}});
  const Bytes mail = tftp::serialize(tftp::Request{false, "f", tftp::TransferMode::Mail, {}});
  const Bytes missing = tftp::serialize(tftp::Request{false, "nope", tftp::TransferMode::Octet, {}});
  for (std::uint32_t host = 2; host < 12; ++host) {
    Udp client((127u << 24) | host);
    for (const auto* request : {&missing, &mail, &wrq}) {  // a refusal last: nothing erases its entry
      client.send_to(port, *request);
      const auto reply = receive_packet(client);
      ASSERT_TRUE(reply.has_value());
      EXPECT_TRUE(std::holds_alternative<tftp::ErrorPacket>(*reply));
    }
  }
  // Busy: one transfer holds the only slot, others are turned away.
  Udp holder;
  holder.send_to(port, tftp::serialize(tftp::Request{false, "f", tftp::TransferMode::Octet, {}}));
  ASSERT_TRUE(holder.receive(3s).has_value());
  for (std::uint32_t host = 12; host < 22; ++host) {
    Udp client((127u << 24) | host);
    client.send_to(port, missing);
    const auto reply = receive_packet(client);
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(std::get<tftp::ErrorPacket>(*reply).message, "Server busy, try again later");
  }
  EXPECT_EQ(on_loop([this] { return service->tracked_clients(); }), 1u);  // the holder
  ASSERT_TRUE(idle(10s));                                                  // it times out
  EXPECT_EQ(on_loop([this] { return service->tracked_clients(); }), 0u);
}

TEST_F(TftpServiceTest, NamesFromTheNetworkCannotForgeLogLines) {
  // Issue 14 item 6: a name with CR/LF wrote a line of the client's choosing into the log.
  config.max_transfers = 2;
  write("f", pattern(100'000));
  start();
  Udp a, b, c, d;
  a.send_to(port, tftp::serialize(tftp::Request{false, "x\nFORGED read refused", tftp::TransferMode::Octet, {}}));
  ASSERT_TRUE(receive_packet(a).has_value());
  b.send_to(port, tftp::serialize(tftp::Request{true, "y\r\nFORGED write refused", tftp::TransferMode::Octet, {}}));
  ASSERT_TRUE(receive_packet(b).has_value());
  // A transfer the client ends with an ERROR whose message carries a line.
  std::uint16_t server = 0;
  c.send_to(port, tftp::serialize(tftp::Request{false, "f", tftp::TransferMode::Octet, {}}));
  ASSERT_TRUE(receive_packet(c, 3s, &server).has_value());
  c.send_to(server, tftp::serialize(tftp::ErrorPacket{ErrorCode::NotDefined, "bye\nFORGED client error"}));
  // Busy: the slots are taken by two silent transfers.
  Udp e;
  e.send_to(port, tftp::serialize(tftp::Request{false, "f", tftp::TransferMode::Octet, {}}));
  ASSERT_TRUE(e.receive(3s).has_value());
  Udp g;
  g.send_to(port, tftp::serialize(tftp::Request{false, "f", tftp::TransferMode::Octet, {}}));
  ASSERT_TRUE(g.receive(3s).has_value());
  d.send_to(port, tftp::serialize(tftp::Request{false, "z\nFORGED busy", tftp::TransferMode::Octet, {}}));
  ASSERT_TRUE(receive_packet(d).has_value());
  ASSERT_TRUE(idle(10s));
  stop();
  const auto text = logs();
  std::istringstream lines(text);
  std::string line;
  int escaped_lines = 0;
  while (std::getline(lines, line)) {
    EXPECT_NE(line.rfind("FORGED", 0), 0u) << "a forged log line: " << line;
    EXPECT_EQ(line.find('\r'), std::string::npos) << line;
    if (line.find("\\x0aFORGED") != std::string::npos) ++escaped_lines;
  }
  EXPECT_GE(escaped_lines, 4) << text;  // each name and the client's message, escaped
}

TEST_F(TftpServiceTest, AnUploadInProgressIsNotServedToReaders) {
  // Issue 14 item 7: readers got the part written so far as a complete file.
  config.writable = true;
  start();
  Udp uploader;
  uploader.send_to(port, tftp::serialize(tftp::Request{true, "new.img", tftp::TransferMode::Octet, {}}));
  std::uint16_t server = 0;
  auto reply = receive_packet(uploader, 3s, &server);
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(std::get<tftp::Ack>(*reply).block, 0);
  const auto content = pattern(700, 4);
  uploader.send_to(server, tftp::serialize(tftp::Data{1, ByteView(content.data(), 512)}));
  reply = receive_packet(uploader);
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(std::get<tftp::Ack>(*reply).block, 1);
  const auto early = download(port, "new.img");
  ASSERT_TRUE(early.error.has_value()) << "a partial upload was served: " << early.data.size() << " bytes";
  EXPECT_EQ(early.error->code, ErrorCode::FileNotFound);
  uploader.send_to(server, tftp::serialize(tftp::Data{2, ByteView(content.data() + 512, content.size() - 512)}));
  reply = receive_packet(uploader);
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(std::get<tftp::Ack>(*reply).block, 2);
  EXPECT_EQ(download(port, "new.img").data, content);
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(root / "tftpboot")) names.push_back(entry.path().filename().string());
  EXPECT_EQ(names, (std::vector<std::string>{"new.img"}));  // no temporary file left behind
}

TEST_F(TftpServiceTest, TheNegotiatedTimeoutIsCappedAndAnIdleTransferEnds) {
  // Issue 14 item 8: timeout=255 with the retries held a slot for about 25 minutes.
  config.retries = 2;
  write("f", pattern(5000));
  start();
  Udp client;
  client.send_to(port, tftp::serialize(tftp::Request{false, "f", tftp::TransferMode::Octet,
                                                     {{"timeout", "255"}, {"blksize", "1024"}}}));
  const auto oack = receive_packet(client);
  ASSERT_TRUE(oack.has_value());
  EXPECT_EQ(std::get<tftp::Oack>(*oack).options, (std::vector<tftp::TftpOption>{{"blksize", "1024"}}));
  // Never acknowledged: gone after (1 + retries) x the configured 0.2 s, not 3 x 255 s.
  EXPECT_TRUE(idle(5s));
  Udp within_cap;
  within_cap.send_to(port, tftp::serialize(tftp::Request{false, "f", tftp::TransferMode::Octet, {{"timeout", "10"}}}));
  const auto accepted = receive_packet(within_cap);
  ASSERT_TRUE(accepted.has_value());
  EXPECT_EQ(std::get<tftp::Oack>(*accepted).options, (std::vector<tftp::TftpOption>{{"timeout", "10"}}));
}

TEST_F(TftpServiceTest, WindowMemoryIsHeldOnlyAfterAnAckAndCappedInTotal) {
  // Issue 14 item 9: a window built ahead and a read-ahead buffer from the first packet, for
  // every transfer, unbounded in total.
  config.max_transfer_memory = 1 << 20;  // one transfer of 64 x 8 KiB blocks fits, two do not
  config.max_transfers_per_client = 0;    // every client is 127.0.0.1
  write("big", pattern(4'000'000));
  start();
  const std::vector<tftp::TftpOption> big_windows{{"blksize", "8192"}, {"windowsize", "64"}};
  const Bytes rrq = tftp::serialize(tftp::Request{false, "big", tftp::TransferMode::Octet, big_windows});
  Udp a, b, spoofed;
  std::uint16_t a_server = 0, b_server = 0;
  spoofed.send_to(port, rrq);  // answered with an OACK, never acknowledged
  ASSERT_TRUE(receive_packet(spoofed).has_value());
  a.send_to(port, rrq);
  ASSERT_TRUE(receive_packet(a, 3s, &a_server).has_value());
  EXPECT_EQ(on_loop([this] { return service->transfer_memory(); }), 0u);  // OACKs out, no ACK yet
  a.send_to(a_server, tftp::serialize(tftp::Ack{0}));
  for (int i = 0; i < 64; ++i) ASSERT_TRUE(a.receive(3s).has_value());  // the first window
  const auto held = on_loop([this] { return service->transfer_memory(); });
  EXPECT_GT(held, 64u * 8192);
  EXPECT_LE(held, std::size_t{1} << 20);
  // A second such transfer would pass the cap: refused with an ERROR when it would allocate.
  b.send_to(port, rrq);
  ASSERT_TRUE(receive_packet(b, 3s, &b_server).has_value());
  b.send_to(b_server, tftp::serialize(tftp::Ack{0}));
  const auto refused = receive_packet(b);
  ASSERT_TRUE(refused.has_value());
  ASSERT_TRUE(std::holds_alternative<tftp::ErrorPacket>(*refused));
  EXPECT_EQ(std::get<tftp::ErrorPacket>(*refused).message, "Server busy, try again later");
  EXPECT_NE(logs().find("transfer memory"), std::string::npos) << logs();
  ASSERT_TRUE(idle(10s));
  EXPECT_EQ(on_loop([this] { return service->transfer_memory(); }), 0u);  // all released
  // Lock-step transfers hold a block each: many fit where windows did not.
  std::vector<std::future<Download>> clients;
  for (int i = 0; i < 8; ++i) clients.push_back(std::async(std::launch::async, [this] { return download(port, "big", {{{"blksize", "8192"}}}); }));
  for (auto& client : clients) EXPECT_EQ(client.get().data.size(), 4'000'000u);
}

/// Answers one DHCPINFORM from 127.0.0.1 on the same event loop (the other client a slow
/// disk must not delay).
class LoopbackDhcp {
 public:
  LoopbackDhcp(asio::io_context& io, std::uint16_t client_port, std::shared_ptr<spdlog::logger> log) {
    config_.listen_address = Ipv4Address::loopback();
    config_.port = 0;
    config_.client_port = client_port;
    config_.allow_simple_dhcp = true;
    config_.pool_start = *Ipv4Address::parse("127.0.0.100");
    config_.pool_count = 10;
    config_.server_address = Ipv4Address::loopback();
    config_.netmask = *Ipv4Address::parse("255.0.0.0");
    config_.detected_interface = "lo";
    allocator_.emplace(lease::PoolSettings{.pool_start = config_.pool_start,
                          .pool_count = config_.pool_count,
                          .reservations = config_.static_leases,
                          .lease_time = std::chrono::seconds(config_.lease_time)},
                       leases_);
    auto pipeline = dhcp::make_pipeline(config_, {.leases = leases_, .allocator = *allocator_});
    service_ = std::make_unique<DhcpService>(io, config_,
                                             DhcpServiceDependencies{.leases = leases_,
                                                                     .pipeline = std::move(pipeline),
                                                                     .listener = std::make_unique<UdpListener>(io, log)},
                                             log);
  }
  Result<void> start() { return service_->start(); }
  void stop() { service_->stop(); }
  [[nodiscard]] std::uint16_t port() const {
    const auto described = service_->describe();
    return static_cast<std::uint16_t>(std::stoi(described.substr(described.rfind(':') + 1)));
  }
  static Bytes inform(std::uint32_t xid) {
    dhcp::DhcpPacket packet;
    packet.chaddr = dhcp::HardwareAddress::ethernet(*MacAddress::parse("02:00:00:00:00:14"));
    packet.xid = xid;
    packet.ciaddr = Ipv4Address::loopback();
    packet.message_type = dhcp::MessageType::Inform;
    return dhcp::serialize_dhcp_packet(packet);
  }

 private:
  config::DhcpConfig config_;
  lease::MemoryLeaseStore leases_{[](std::function<void()> done) { done(); }};
  std::optional<lease::AddressAllocator> allocator_;
  std::unique_ptr<DhcpService> service_;
};

TEST_F(TftpServiceTest, ASlowUploadSyncDelaysNoOtherClient) {
  // Issue 14 item 10: the upload's final fdatasync ran on the event loop. Here the sync is
  // held (a disk that takes its time) until the other clients have been served.
  config.writable = true;
  write("other.bin", pattern(30'000, 2));
  std::promise<void> sync_entered;
  std::promise<void> release_sync;
  auto released = release_sync.get_future().share();
  std::atomic<bool> entered{false};
  TftpServiceHooks hooks;
  hooks.before_upload_sync = [&] {
    if (!entered.exchange(true)) sync_entered.set_value();
    released.wait_for(10s);  // bounded: a broken test fails, it does not hang
  };
  Udp dhcp_client;
  LoopbackDhcp dhcp(io, dhcp_client.port(), log);
  ASSERT_TRUE(dhcp.start().has_value());
  start(nullptr, hooks);
  bool released_by_test = false;
  struct Cleanup {
    std::function<void()> run;
    ~Cleanup() { run(); }
  } cleanup{[&] {
    if (!released_by_test) release_sync.set_value();
    on_loop([&] { dhcp.stop(); });
    stop();  // the loop ends before the DHCP service is destroyed
  }};

  Udp uploader;
  uploader.send_to(port, tftp::serialize(tftp::Request{true, "up.log", tftp::TransferMode::Octet, {}}));
  std::uint16_t server = 0;
  ASSERT_TRUE(receive_packet(uploader, 3s, &server).has_value());
  const auto content = pattern(100, 3);
  uploader.send_to(server, tftp::serialize(tftp::Data{1, content}));  // the last block: sync
  ASSERT_EQ(sync_entered.get_future().wait_for(5s), std::future_status::ready);

  // While the sync is held: another client's download and a DHCP exchange are served.
  const auto other = download(port, "other.bin");
  EXPECT_FALSE(other.timed_out);
  EXPECT_EQ(other.data, pattern(30'000, 2));
  dhcp_client.send_to(dhcp.port(), LoopbackDhcp::inform(0x1414));
  const auto answer = dhcp_client.receive(3s);
  ASSERT_TRUE(answer.has_value()) << "no DHCP answer while an upload was syncing";
  const auto ack = dhcp::parse_dhcp_packet(answer->first);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->xid, 0x1414u);
  EXPECT_EQ(ack->message_type, dhcp::MessageType::Ack);
  // Not acknowledged before the data is on disk.
  EXPECT_FALSE(uploader.receive(0ms).has_value());

  released_by_test = true;
  release_sync.set_value();
  const auto final_ack = receive_packet(uploader);
  ASSERT_TRUE(final_ack.has_value());
  EXPECT_EQ(std::get<tftp::Ack>(*final_ack).block, 1);
  EXPECT_EQ(fs::file_size(root / "tftpboot" / "up.log"), 100u);
}

TEST_F(TftpServiceTest, AFileThatShrinksDuringATransferEndsWithAnError) {
  // Issue 14 item 11: the transfer ended "completed", short, with no ERROR.
  write("shrinking", pattern(50'000, 6));
  start();
  const auto got = download(port, "shrinking", {.after_first_data = [&](std::uint16_t) {
                                                  fs::resize_file(root / "tftpboot" / "shrinking", 1000);
                                                }});
  ASSERT_TRUE(got.error.has_value()) << "served " << got.data.size() << " bytes as complete";
  EXPECT_LT(got.data.size(), 1000u);
  ASSERT_TRUE(idle());
  const auto text = logs();
  EXPECT_NE(text.find("[warning] 127.0.0.1:"), std::string::npos) << text;
  EXPECT_NE(text.find("shrank"), std::string::npos) << text;
}

std::size_t count_lines_with(const std::string& text, std::string_view what) {
  std::istringstream lines(text);
  std::size_t n = 0;
  for (std::string line; std::getline(lines, line);) n += line.find(what) != std::string::npos;
  return n;
}

TEST_F(TftpServiceTest, OutcomeLinesOfSpoofedSessionsShareTheRefusalBudget) {
  // A spoofed RRQ opens a session without a handshake; each one ended in an unthrottled
  // "timed out" warning, so a flood wrote one line per datagram.
  config.retries = 0;
  write("f", pattern(5000));
  start();
  log->set_level(spdlog::level::info);  // at debug every line passes, by design
  constexpr std::size_t kSilent = kLogBurst + 15;
  std::vector<std::unique_ptr<Udp>> clients;
  for (std::size_t i = 0; i < kSilent; ++i) {
    clients.push_back(std::make_unique<Udp>());
    clients.back()->send_to(port, tftp::serialize(tftp::Request{false, "f", tftp::TransferMode::Octet, {}}));
  }
  for (auto& c : clients) ASSERT_TRUE(c->receive(3s).has_value());  // each got DATA 1 and is silent
  ASSERT_TRUE(idle(10s));
  // A successful transfer is still logged, whatever the budget.
  EXPECT_FALSE(download(port, "f").error.has_value());
  ASSERT_TRUE(idle());
  stop();
  const auto text = logs();
  EXPECT_EQ(count_lines_with(text, " f timed out: "), kLogBurst) << text;
  EXPECT_EQ(count_lines_with(text, " f completed: "), 1u) << text;
  EXPECT_NE(text.find("tftp: 15 lines about refused or failed transfers not logged since the last one"),
            std::string::npos) << text;
}

TEST_F(TftpServiceTest, ALongNameGivesABoundedLogLine) {
  // A 60 KB name of control bytes was escaped whole: a 240 KB line per refusal.
  start();
  Udp client;
  const std::string name(60'000, '\x01');
  client.send_to(port, tftp::serialize(tftp::Request{false, name, tftp::TransferMode::Octet, {}}));
  const auto reply = client.receive(3s);
  ASSERT_TRUE(reply.has_value());
  ASSERT_TRUE(std::holds_alternative<tftp::ErrorPacket>(*tftp::parse_tftp_packet(reply->first)));
  stop();
  const auto text = logs();
  std::istringstream lines(text);
  std::size_t about_it = 0;
  for (std::string line; std::getline(lines, line);) {
    EXPECT_LT(line.size(), 600u) << line.substr(0, 300);
    if (line.find("\\x01\\x01... (60000 bytes)") != std::string::npos) ++about_it;
  }
  EXPECT_GE(about_it, 1u) << text.substr(0, 2000);
}

TEST_F(TftpServiceTest, UploadLeftoversAreRemovedAtStartAndTemporaryNamesNeverServed) {
  // A daemon killed mid-upload left its ".netbootd-upload-*" file for good, readable by name.
  config.writable = true;
  write(".netbootd-upload-0123456789abcdef", pattern(9216));
  write("up/deep/.netbootd-upload-feedfacecafebeef", pattern(100));
  write("up/keep.bin", pattern(100));
  write("up/.netbootd-uploaded-by-hand", pattern(10));  // not the prefix: kept
  // Outside the root, reached only through symlinks: never entered, never removed.
  fs::create_directories(root / "outside");
  std::ofstream(root / "outside" / ".netbootd-upload-00000000000000aa") << "not ours";
  fs::create_directory_symlink(root / "outside", root / "tftpboot" / "linked");
  fs::create_symlink(root / "outside" / ".netbootd-upload-00000000000000aa",
                     root / "tftpboot" / ".netbootd-upload-00000000000000bb");
  start();
  EXPECT_FALSE(fs::exists(root / "tftpboot" / ".netbootd-upload-0123456789abcdef"));
  EXPECT_FALSE(fs::exists(root / "tftpboot" / "up/deep/.netbootd-upload-feedfacecafebeef"));
  EXPECT_TRUE(fs::exists(root / "tftpboot" / "up/keep.bin"));
  EXPECT_TRUE(fs::exists(root / "tftpboot" / "up/.netbootd-uploaded-by-hand"));
  EXPECT_TRUE(fs::exists(root / "outside" / ".netbootd-upload-00000000000000aa"));
  EXPECT_TRUE(fs::is_symlink(root / "tftpboot" / ".netbootd-upload-00000000000000bb"));
  const auto text = logs();
  EXPECT_NE(text.find("tftp: removed .netbootd-upload-0123456789abcdef, left over from an upload interrupted by a crash"),
            std::string::npos) << text;
  EXPECT_NE(text.find("tftp: removed up/deep/.netbootd-upload-feedfacecafebeef,"), std::string::npos) << text;
  EXPECT_EQ(count_lines_with(text, "left over from an upload"), 2u) << text;
  // The temporary name of an upload (here a planted one) is refused, not served.
  write("up/.netbootd-upload-1111111111111111", pattern(2000));
  for (const char* name : {"up/.netbootd-upload-1111111111111111", "up\\.netbootd-upload-1111111111111111"}) {
    SCOPED_TRACE(name);
    const auto got = download(port, name);
    ASSERT_TRUE(got.error.has_value()) << "served " << got.data.size() << " bytes";
    EXPECT_EQ(got.error->code, ErrorCode::AccessViolation);
  }
  // Nor may a client write one.
  const auto refused = upload(port, "up/.netbootd-upload-2222222222222222", pattern(10));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->code, ErrorCode::AccessViolation);
}

TEST_F(TftpServiceTest, ManyUploadLeftoversAreListedUpToTheBudgetThenCounted) {
  config.writable = true;
  for (int i = 0; i < 25; ++i) write(fmt::format(".netbootd-upload-{:016x}", i), pattern(10));
  start();
  std::size_t left = 0;
  for (const auto& entry : fs::directory_iterator(root / "tftpboot")) left += entry.path().filename().string().starts_with(".netbootd");
  EXPECT_EQ(left, 0u);
  const auto text = logs();
  EXPECT_EQ(count_lines_with(text, "left over from an upload"), 20u) << text;
  EXPECT_NE(text.find("tftp: removed 5 more upload leftovers (25 in all)"), std::string::npos) << text;
}

TEST_F(TftpServiceTest, AReadOnlyServerRemovesNothing) {
  write(".netbootd-upload-0123456789abcdef", pattern(10));
  start();
  EXPECT_TRUE(fs::exists(root / "tftpboot" / ".netbootd-upload-0123456789abcdef"));
  const auto got = download(port, ".netbootd-upload-0123456789abcdef");
  ASSERT_TRUE(got.error.has_value());
  EXPECT_EQ(got.error->code, ErrorCode::AccessViolation);
}

TEST_F(TftpServiceTest, AFailedUploadIsLoggedAsAFailedUpload) {
  // Was "upload big.bin read failed: ...".
  config.writable = true;
  start();
  Udp client;
  client.send_to(port, tftp::serialize(tftp::Request{true, "big.bin", tftp::TransferMode::Octet, {}}));
  std::uint16_t server = 0;
  const auto ack = receive_packet(client, 3s, &server);
  ASSERT_TRUE(ack.has_value());
  ASSERT_TRUE(std::holds_alternative<tftp::Ack>(*ack));
  const auto oversized = pattern(600);  // more than the 512 negotiated
  client.send_to(server, tftp::serialize(tftp::Data{1, ByteView(oversized.data(), oversized.size())}));
  const auto error = receive_packet(client);
  ASSERT_TRUE(error.has_value());
  ASSERT_TRUE(std::holds_alternative<tftp::ErrorPacket>(*error));
  ASSERT_TRUE(idle());
  stop();
  const auto text = logs();
  EXPECT_NE(text.find("upload big.bin failed: "), std::string::npos) << text;
  EXPECT_EQ(text.find("read failed"), std::string::npos) << text;
}

}  // namespace
}  // namespace netboot::net
