// The TFTP service in-process on 127.0.0.1 (ephemeral port): the event loop runs on one
// background thread; the test plays the client with blocking sockets and bounded waits.
#include "net/tftp_service.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

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

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return sin;
}

/// A UDP socket on 127.0.0.1 with bounded receives.
class Udp {
 public:
  Udp() : fd_(::socket(AF_INET, SOCK_DGRAM, 0)) {
    const auto sin = loopback(0);
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

  void start(const lease::LeaseStore* leases = nullptr) {
    service = std::make_unique<TftpService>(io, config, log, leases);
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

}  // namespace
}  // namespace netboot::net
