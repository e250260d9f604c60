// The HTTP file service in-process on 127.0.0.1 (ephemeral port): the event loop runs on one
// background thread; the test is a plain blocking-socket client with receive timeouts.
#include "net/http_service.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <poll.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "unit/http/fake_lease_store.hpp"

namespace netboot::net {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

/// Keeps every log line; safe to read while the loop thread logs.
class CapturingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  bool contains(const std::string& text) {
    std::lock_guard<std::mutex> lock(mutex_);
    return text_.find(text) != std::string::npos;
  }
  /// Waits (at most `within`) for `text` to be logged: the line follows the answer's last byte.
  bool wait_for(const std::string& text, std::chrono::milliseconds within = 3000ms) {
    const auto end = std::chrono::steady_clock::now() + within;
    while (!contains(text))
      if (std::chrono::steady_clock::now() > end) return false;
      else std::this_thread::sleep_for(5ms);
    return true;
  }
  std::string text() {
    std::lock_guard<std::mutex> lock(mutex_);
    return text_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    text_.append(msg.payload.data(), msg.payload.size());
    text_ += '\n';
  }
  void flush_() override {}

 private:
  std::string text_;
};

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  [[nodiscard]] std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string("(none)") : it->second;
  }
};

/// A blocking client socket; every receive gives up after 5 s so no test can hang.
class Client {
 public:
  /// From `source` (another loopback address stands for another client).
  explicit Client(std::uint16_t port, std::uint32_t source = INADDR_LOOPBACK, int receive_buffer = 0)
      : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    // Before connect, so that the window offered in the handshake is already the small one.
    if (receive_buffer > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    from.sin_addr.s_addr = htonl(source);
    ::bind(fd_, reinterpret_cast<const sockaddr*>(&from), sizeof from);  // NOLINT
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&sin), sizeof sin) == 0;  // NOLINT
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  [[nodiscard]] bool connected() const { return connected_; }
  void set_receive_buffer(int bytes) { ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes); }
  /// True once the server has sent something (without reading it), within `timeout`.
  bool readable(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1;
  }

  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  /// Reads one response; the body only when `expect_body` (HEAD answers have none).
  std::optional<Response> read_response(bool expect_body = true) {
    std::size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return std::nullopt;
    Response r;
    std::istringstream head(pending_.substr(0, end));
    pending_.erase(0, end + 4);
    std::string line;
    std::getline(head, line);
    if (line.rfind("HTTP/1.1 ", 0) != 0) return std::nullopt;
    r.status = std::stoi(line.substr(9, 3));
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = line.substr(colon + 2);
    }
    if (!expect_body) return r;
    const auto length = static_cast<std::size_t>(std::stoull(r.header("content-length") == "(none)" ? "0" : r.header("content-length")));
    while (pending_.size() < length)
      if (!fill()) return std::nullopt;
    r.body = pending_.substr(0, length);
    pending_.erase(0, length);
    return r;
  }

  /// Reads `chunk` bytes every `pause` (a client with a small window, reading slowly) until
  /// the server closes or `within` has passed; true when the server closed.
  bool read_slowly_until_closed(std::size_t chunk, std::chrono::milliseconds pause, std::chrono::milliseconds within,
                                std::size_t& received) {
    timeval tv{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    received = pending_.size();
    std::string buffer(chunk, '\0');
    const auto end = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < end) {
      const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
      if (n == 0) return true;
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        return true;  // reset
      }
      received += static_cast<std::size_t>(n);
      std::this_thread::sleep_for(pause);
    }
    return false;
  }

  /// True when the server closed the connection (EOF) before `within`.
  bool closed_by_server(std::chrono::milliseconds within) {
    timeval tv{0, static_cast<suseconds_t>(std::chrono::microseconds(within).count())};
    if (within >= 1s) tv = {static_cast<time_t>(within.count() / 1000), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char c;
    for (;;) {
      const ssize_t n = ::recv(fd_, &c, 1, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }

 private:
  bool fill() {
    char buffer[65536];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    pending_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  int fd_;
  bool connected_ = false;
  std::string pending_;
};

std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xFF);
  return out;
}

class HttpServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/netboot-http-service-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    base_ = pattern;
    root_ = base_ / "root";
    fs::create_directories(root_ / "boot");
    fs::create_directories(base_ / "outside");
    payload_ = random_bytes(1'000'003, 7);
    write(root_ / "boot" / "vmlinuz", payload_);
    write(root_ / "menu.ipxe", "#!ipxe\nchain http://x/y\n");
    write(base_ / "outside" / "secret", "SECRET");
    fs::create_symlink(base_ / "outside" / "secret", root_ / "escape");
    config_.address = Ipv4Address::loopback();
    config_.port = 0;
    config_.root = root_;
    log_ = std::make_shared<spdlog::logger>("http", sink_);
    log_->set_level(spdlog::level::debug);
  }

  void TearDown() override {
    stop();
    std::error_code ec;
    fs::remove_all(base_, ec);
  }

  static void write(const fs::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary);
    out << content;
  }

  void start(const lease::LeaseStore* leases = nullptr, HttpServiceLimits limits = {}) {
    service_ = std::make_unique<HttpService>(io_, config_, leases, log_, limits);
    auto started = service_->start();
    ASSERT_TRUE(started.has_value()) << started.error().detail;
    port_ = service_->local_port();
    ASSERT_NE(port_, 0);
    thread_ = std::thread([this] { io_.run(); });
  }

  void stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] { service_->stop(); });
    work_.reset();
    thread_.join();
    service_.reset();
  }

  bool logged(const std::string& text) { return sink_->wait_for(text); }

  /// The service's open connections, asked on its loop (the loop thread owns the table).
  std::size_t connections() {
    auto count = std::make_shared<std::promise<std::size_t>>();  // outlives a wait that gives up
    auto answer = count->get_future();
    asio::post(io_, [count, service = service_.get()] { count->set_value(service->connection_count()); });
    return answer.wait_for(5s) == std::future_status::ready ? answer.get() : std::size_t(-1);
  }

  std::optional<Response> get(const std::string& target, const std::string& extra = "", const char* method = "GET") {
    Client client(port_);
    if (!client.connected()) return std::nullopt;
    client.send(std::string(method) + " " + target + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n");
    return client.read_response(std::string_view(method) != "HEAD");
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  fs::path base_, root_;
  std::string payload_;
  config::HttpServiceConfig config_;
  std::shared_ptr<CapturingSink> sink_ = std::make_shared<CapturingSink>();
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<HttpService> service_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

TEST_F(HttpServiceTest, DescribesItsAddressAndPort) {
  start();
  EXPECT_EQ(service_->describe(), "http 127.0.0.1:" + std::to_string(port_));
}

TEST_F(HttpServiceTest, ServesAWholeFileByteIdentical) {
  start();
  const auto r = get("/boot/vmlinuz");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-length"), std::to_string(payload_.size()));
  EXPECT_EQ(r->header("content-type"), "application/octet-stream");
  EXPECT_EQ(r->header("accept-ranges"), "bytes");
  EXPECT_NE(r->header("last-modified"), "(none)");
  EXPECT_TRUE(r->body == payload_);
  const auto script = get("/menu.ipxe");
  ASSERT_TRUE(script.has_value());
  EXPECT_EQ(script->header("content-type"), "text/plain");
  EXPECT_EQ(script->body, "#!ipxe\nchain http://x/y\n");
  EXPECT_TRUE(logged("127.0.0.1 GET \"/boot/vmlinuz\" 200 bytes=1000003 seconds=")) << sink_->text();
  EXPECT_TRUE(logged("MB/s"));
}

TEST_F(HttpServiceTest, HeadSendsHeadersOnlyAndKeepsTheConnection) {
  start();
  Client client(port_);
  ASSERT_TRUE(client.connected());
  client.send("HEAD /boot/vmlinuz HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto head = client.read_response(false);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), std::to_string(payload_.size()));
  // Had a body been sent, this would read its bytes instead of the next status line.
  client.send("GET /menu.ipxe HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto next = client.read_response();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, "#!ipxe\nchain http://x/y\n");
}

TEST_F(HttpServiceTest, ServesByteRanges) {
  start();
  const std::size_t size = payload_.size();
  struct Case {
    std::string range;
    std::size_t first, length;
  };
  const Case cases[] = {
      {"bytes=0-99", 0, 100},
      {"bytes=500000-500999", 500000, 1000},
      {"bytes=-1000", size - 1000, 1000},
      {"bytes=999000-", 999000, size - 999000},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.range);
    const auto r = get("/boot/vmlinuz", "Range: " + c.range + "\r\n");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 206);
    EXPECT_EQ(r->header("content-range"),
              "bytes " + std::to_string(c.first) + "-" + std::to_string(c.first + c.length - 1) + "/" + std::to_string(size));
    EXPECT_TRUE(r->body == payload_.substr(c.first, c.length));
  }
  const auto refused = get("/boot/vmlinuz", "Range: bytes=2000000-\r\n");
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 416);
  EXPECT_EQ(refused->header("content-range"), "bytes */" + std::to_string(size));
}

TEST_F(HttpServiceTest, AnswersTwoRequestsOnOneConnectionAndPipelined) {
  start();
  Client client(port_);
  ASSERT_TRUE(client.connected());
  client.send("GET /menu.ipxe HTTP/1.1\r\nHost: t\r\n\r\n");
  auto first = client.read_response();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->header("connection"), "keep-alive");
  client.send("GET /boot/vmlinuz HTTP/1.1\r\nHost: t\r\nRange: bytes=0-9\r\n\r\n");
  auto second = client.read_response();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->status, 206);
  EXPECT_EQ(second->body, payload_.substr(0, 10));
  // Pipelined: three requests in one segment, answered in order; the last one closes.
  client.send(
      "GET /nope HTTP/1.1\r\nHost: t\r\n\r\nHEAD /menu.ipxe HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /menu.ipxe HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  auto a = client.read_response();
  auto b = client.read_response(false);
  auto c = client.read_response();
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->status, 404);
  EXPECT_EQ(b->status, 200);
  EXPECT_EQ(c->status, 200);
  EXPECT_EQ(c->header("connection"), "close");
  EXPECT_EQ(c->body, "#!ipxe\nchain http://x/y\n");
  EXPECT_TRUE(client.closed_by_server(3s));
}

TEST_F(HttpServiceTest, RefusesMissingDirectoriesAndEscapes) {
  start();
  struct Case {
    const char* target;
    int status;
  };
  const Case cases[] = {
      {"/missing", 404},           {"/boot", 404},      {"/boot/", 404},
      {"/", 404},                  {"/../outside/secret", 403}, {"/%2e%2e/outside/secret", 403},
      {"/boot/..%2f..%2foutside/secret", 403}, {"/escape", 403}, {"/boot%00/vmlinuz", 403},
      {"/boot%5cvmlinuz", 403},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.target);
    const auto r = get(c.target);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, c.status);
    EXPECT_EQ(r->body.find("SECRET"), std::string::npos);
  }
  const auto post = get("/boot/vmlinuz", "Content-Length: 0\r\n", "POST");
  ASSERT_TRUE(post.has_value());
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->header("allow"), "GET, HEAD");
  EXPECT_TRUE(logged("refused path \"/escape\"")) << sink_->text();
  EXPECT_TRUE(logged("refused path \"/../outside/secret\"")) << sink_->text();
}

TEST_F(HttpServiceTest, CheckIpRefusesClientsWithoutALease) {
  config_.check_ip = true;
  test::FakeLeaseStore leases;
  lease::Lease other;
  other.address = Ipv4Address::from_octets({127, 0, 0, 2});
  other.state = lease::LeaseState::Bound;
  other.expires = std::chrono::system_clock::now() + std::chrono::hours(1);
  leases.put(other);
  start(&leases);
  const auto r = get("/menu.ipxe");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);  // pybootd's status for a client it leased nothing to
  EXPECT_EQ(r->body, "401 Unauthorized\n");
  EXPECT_TRUE(logged("GET \"/menu.ipxe\" 401 bytes=0")) << sink_->text();
  EXPECT_TRUE(logged("note=\"no lease (check_ip)\"")) << sink_->text();
}

TEST_F(HttpServiceTest, CheckIpAllowsAClientWithABoundLease) {
  config_.check_ip = true;
  test::FakeLeaseStore leases;
  lease::Lease mine;
  mine.address = Ipv4Address::loopback();
  mine.state = lease::LeaseState::Bound;
  mine.expires = std::chrono::system_clock::now() + std::chrono::hours(1);
  leases.put(mine);
  start(&leases);
  const auto r = get("/menu.ipxe");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "#!ipxe\nchain http://x/y\n");
}

TEST_F(HttpServiceTest, CheckIpWithoutALeaseStoreRefusesEveryone) {
  config_.check_ip = true;
  start(nullptr);
  const auto r = get("/menu.ipxe");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
}

TEST_F(HttpServiceTest, AnswersTooManyConnectionsWith503) {
  config_.max_connections = 2;
  start();
  Client a(port_), b(port_);
  ASSERT_TRUE(a.connected() && b.connected());
  // Make sure both are registered before the third arrives: each gets an answer.
  a.send("GET /menu.ipxe HTTP/1.1\r\nHost: t\r\n\r\n");
  b.send("GET /menu.ipxe HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(a.read_response().has_value());
  ASSERT_TRUE(b.read_response().has_value());
  Client c(port_);
  ASSERT_TRUE(c.connected());
  c.send("GET /menu.ipxe HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto refused = c.read_response();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->header("connection"), "close");
}

TEST_F(HttpServiceTest, ClosesIdleKeepAliveConnections) {
  HttpServiceLimits limits;
  limits.idle_timeout = 200ms;
  start(nullptr, limits);
  Client client(port_);
  ASSERT_TRUE(client.connected());
  client.send("GET /menu.ipxe HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(client.read_response().has_value());
  const auto before = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.closed_by_server(3s));
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
}

TEST_F(HttpServiceTest, ClosesAConnectionWhoseRequestHeadTrickles) {
  HttpServiceLimits limits;
  limits.idle_timeout = 300ms;
  start(nullptr, limits);
  Client client(port_);
  ASSERT_TRUE(client.connected());
  const auto before = std::chrono::steady_clock::now();
  bool refused = false;
  for (int i = 0; i < 30 && !refused; ++i) {  // one header byte every 50 ms, for at most 1.5 s
    refused = !client.send(i == 0 ? "GET /menu.ipxe HTTP/1.1\r\nX-Slow: " : "x");
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(refused || client.closed_by_server(1s));
  EXPECT_LT(std::chrono::steady_clock::now() - before, 1400ms);
}

TEST_F(HttpServiceTest, ALingeringConnectionClosesAtItsDeadlineHoweverTheClientTrickles) {
  // Issue 14: the closing linger re-armed its deadline on every byte, so a client sending a
  // byte more often than linger_timeout held the connection (and its slot) forever.
  HttpServiceLimits limits;
  limits.linger_timeout = 300ms;
  start(nullptr, limits);
  Client client(port_);
  ASSERT_TRUE(client.connected());
  client.send("GET /menu.ipxe HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(client.read_response().has_value());  // the linger starts here
  const auto before = std::chrono::steady_clock::now();
  // The half-close's FIN arrived with the answer; only the full close makes a send fail
  // (the server's reset answers the byte it did not read).
  bool closed = false;
  for (int i = 0; i < 30 && !closed; ++i) {  // one byte every 100 ms, for at most 3 s
    closed = !client.send("x");
    if (!closed) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(closed) << "the linger outlived 3 s of trickling";
  EXPECT_LT(std::chrono::steady_clock::now() - before, 1500ms);
}

TEST_F(HttpServiceTest, RefusesOversizedAndMalformedRequests) {
  start();
  const auto big = get("/menu.ipxe", "X-Big: " + std::string(20000, 'x') + "\r\n");
  ASSERT_TRUE(big.has_value());
  EXPECT_EQ(big->status, 431);
  EXPECT_EQ(big->header("connection"), "close");
  Client client(port_);
  client.send("GET /a%zz HTTP/1.1\r\n\r\n");
  const auto bad = client.read_response();
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->status, 400);
  EXPECT_TRUE(client.closed_by_server(3s));
}

TEST_F(HttpServiceTest, ASlowClientDoesNotHoldUpOthers) {
  write(root_ / "big.img", random_bytes(32U << 20, 3));
  start();
  Client slow(port_);
  slow.set_receive_buffer(4096);
  ASSERT_TRUE(slow.connected());
  slow.send("GET /big.img HTTP/1.1\r\nHost: t\r\n\r\n");  // and never reads
  ASSERT_TRUE(slow.readable(5000ms));  // the answer has started
  const auto before = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    const auto r = get("/boot/vmlinuz");
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->body == payload_);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - before, 3s);
}

TEST_F(HttpServiceTest, StopClosesOpenConnections) {
  start();
  Client client(port_);
  ASSERT_TRUE(client.connected());
  client.send("GET /menu.ipxe HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(client.read_response().has_value());
  asio::post(io_, [this] { service_->stop(); });
  EXPECT_TRUE(client.closed_by_server(3s));
}

TEST_F(HttpServiceTest, StopCutsADownloadAndLogsIt) {
  write(root_ / "big.img", random_bytes(32U << 20, 5));
  start();
  Client slow(port_);
  slow.set_receive_buffer(4096);
  ASSERT_TRUE(slow.connected());
  slow.send("GET /big.img HTTP/1.1\r\nHost: t\r\n\r\n");  // and never reads
  ASSERT_TRUE(slow.readable(5000ms));  // the answer has started: a fixed sleep loses this race on a loaded machine
  asio::post(io_, [this] { service_->stop(); });
  EXPECT_TRUE(logged("GET \"/big.img\" 200 bytes=")) << sink_->text();
  EXPECT_TRUE(logged("closed while answering")) << sink_->text();
  EXPECT_FALSE(sink_->contains("bytes=33554432"));
}

TEST_F(HttpServiceTest, ASlowReaderIsClosedUnderTheMinimumSendRate) {
  // The stall timer was re-armed by every byte sent, so a client that keeps reading, slowly
  // (a small receive window), held its slot for as long as the body lasted: days for an ISO.
  // Scaled down here: a client reading a few MB/s against a minimum of 256 MiB/s per 300 ms,
  // which keeps the server's sendfile progressing in every period (no stall).
  write(root_ / "big.img", random_bytes(32U << 20, 9));
  config_.min_send_rate = 256U << 20;
  HttpServiceLimits limits;
  limits.stall_timeout = 300ms;
  start(nullptr, limits);
  // A fast client is not affected.
  const auto fast = get("/boot/vmlinuz");
  ASSERT_TRUE(fast.has_value());
  EXPECT_TRUE(fast->body == payload_);
  Client slow(port_, INADDR_LOOPBACK, 16384);
  ASSERT_TRUE(slow.connected());
  slow.send("GET /big.img HTTP/1.1\r\nHost: t\r\n\r\n");
  std::size_t received = 0;
  EXPECT_TRUE(slow.read_slowly_until_closed(16384, 4ms, 15s, received)) << received << " bytes and still open";
  EXPECT_LT(received, std::size_t{32} << 20);
  EXPECT_TRUE(logged("under min_send_rate 268435456 bytes/s")) << sink_->text();
  EXPECT_TRUE(logged("GET \"/big.img\" 200 bytes=")) << sink_->text();
}

TEST_F(HttpServiceTest, OneAddressMayNotTakeEverySlot) {
  config_.max_connections = 100;
  config_.max_connections_per_client = 2;
  start();
  auto a = std::make_unique<Client>(port_);
  Client b(port_);
  ASSERT_TRUE(a->connected() && b.connected());
  // Both registered (answered) before the third arrives.
  a->send("GET /menu.ipxe HTTP/1.1\r\nHost: t\r\n\r\n");
  b.send("GET /menu.ipxe HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(a->read_response().has_value());
  ASSERT_TRUE(b.read_response().has_value());
  {
    Client c(port_);
    ASSERT_TRUE(c.connected());
    c.send("GET /menu.ipxe HTTP/1.1\r\nHost: t\r\n\r\n");
    const auto refused = c.read_response();
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->status, 503);
  }
  EXPECT_TRUE(logged("127.0.0.1: 2 connections open from this address (max_connections_per_client): answered 503"))
      << sink_->text();
  // Another address is served meanwhile.
  Client other(port_, INADDR_LOOPBACK + 1);
  ASSERT_TRUE(other.connected());
  other.send("GET /menu.ipxe HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto served = other.read_response();
  ASSERT_TRUE(served.has_value());
  EXPECT_EQ(served->status, 200);
  // A slot freed by the first address is its own again.
  a.reset();
  const auto until = std::chrono::steady_clock::now() + 3s;
  while (connections() > 2 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(5ms);
  Client d(port_);
  ASSERT_TRUE(d.connected());
  d.send("GET /menu.ipxe HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto again = d.read_response();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status, 200);
}

TEST_F(HttpServiceTest, AnUploadsTemporaryNameIsNotServed) {
  // A TFTP upload in progress (or a crash's leftover) under the shared root.
  write(root_ / ".netbootd-upload-0123456789abcdef", "partial");
  fs::create_directories(root_ / "up");
  write(root_ / "up" / ".netbootd-upload-fedcba9876543210", "partial");
  start();
  for (const char* target : {"/.netbootd-upload-0123456789abcdef", "/up/.netbootd-upload-fedcba9876543210",
                             "/up/%2enetbootd-upload-fedcba9876543210"}) {
    SCOPED_TRACE(target);
    const auto r = get(target);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 404);
    EXPECT_EQ(r->body.find("partial"), std::string::npos);
  }
}

TEST_F(HttpServiceTest, ALongTargetGivesABoundedLogLine) {
  start();
  const std::string target = "/" + std::string(3000, 'a');
  const auto r = get(target);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 404);
  EXPECT_TRUE(logged("... (3001 bytes)")) << sink_->text().substr(0, 1000);
  std::istringstream lines(sink_->text());
  for (std::string line; std::getline(lines, line);) EXPECT_LT(line.size(), 600u) << line.substr(0, 300);
}

TEST_F(HttpServiceTest, StartFailsOnAMissingRoot) {
  config_.root = base_ / "does-not-exist";
  HttpService service(io_, config_, nullptr, log_);
  const auto started = service.start();
  ASSERT_FALSE(started.has_value());
  EXPECT_NE(started.error().detail.find("does-not-exist"), std::string::npos);
}

}  // namespace
}  // namespace netboot::net
