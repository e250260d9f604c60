// The two caps of HttpRemoteFileSize (option 13 from an http(s) [tftp] root), in process:
// the "remote root" is a listener on 127.0.0.1 that never accepts, so every HEAD stays in
// flight until head_timeout. The test thread is the event loop (lookup is loop-only): it
// runs the io_context itself, bounded in time, until the expected callbacks came.
#include "net/remote_file_size.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

namespace netboot::net {
namespace {

using namespace std::chrono_literals;
using State = dhcp::RemoteFileSize::State;

/// A TCP listener on 127.0.0.1 that never accepts nor answers: a server that hangs.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd_, 64) != 0)
      return;
    socklen_t length = sizeof address;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) port_ = ntohs(address.sin_port);
  }
  ~SilentServer() {
    if (fd_ >= 0) ::close(fd_);
  }
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/root"; }
  [[nodiscard]] bool ok() const { return port_ != 0; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

class RemoteFileSizeCaps : public ::testing::Test {
 protected:
  std::unique_ptr<HttpRemoteFileSize> make(RemoteFileSizeOptions options) {
    auto sizes = HttpRemoteFileSize::create(io_, server_.url(), std::make_shared<spdlog::logger>("sizes", std::make_shared<spdlog::sinks::null_sink_mt>()),
                                            options);
    if (!sizes) return nullptr;
    return std::move(*sizes);
  }
  /// Runs the loop until `count` ready callbacks came (at most `within`).
  bool run_until(const int& calls, int count, std::chrono::milliseconds within) {
    const auto end = std::chrono::steady_clock::now() + within;
    while (calls < count && std::chrono::steady_clock::now() < end) {
      io_.restart();
      io_.run_for(20ms);
    }
    return calls >= count;
  }

  asio::io_context io_;
  SilentServer server_;
};

TEST_F(RemoteFileSizeCaps, NoMoreFilesThanMaxFilesAndAnIdleEntryMakesRoom) {
  ASSERT_TRUE(server_.ok());
  RemoteFileSizeOptions options;
  options.max_files = 2;
  options.max_wait = 10s;         // waiters are released by the HEAD's end, not by their deadline
  options.head_timeout = 300ms;   // the silent server's HEADs end here
  auto sizes = make(options);
  ASSERT_NE(sizes, nullptr);
  int calls = 0;
  const auto ready = [&calls] { ++calls; };

  EXPECT_EQ(sizes->lookup("a.efi", ready).state, State::Pending);
  EXPECT_EQ(sizes->lookup("b.efi", ready).state, State::Pending);
  // Both entries have a HEAD in flight: a third file gets no entry, no HEAD, no wait.
  EXPECT_EQ(sizes->lookup("c.efi", ready).state, State::Unknown);
  // A cached name still waits (no new entry needed).
  EXPECT_EQ(sizes->lookup("a.efi", ready).state, State::Pending);
  io_.restart();
  io_.poll();
  EXPECT_EQ(calls, 0);  // "c.efi" was not parked: its ready is never called

  // The HEADs time out: the three parked replies go on, the entries are answered (no size) and idle.
  ASSERT_TRUE(run_until(calls, 3, 5000ms));
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(sizes->lookup("a.efi", ready).state, State::Unknown);  // answered: no size, no wait
  // Now an idle entry makes room for a new name, which waits for its own HEAD.
  EXPECT_EQ(sizes->lookup("c.efi", ready).state, State::Pending);
  EXPECT_EQ(sizes->lookup("d.efi", ready).state, State::Pending);  // the other idle entry goes
  EXPECT_EQ(sizes->lookup("e.efi", ready).state, State::Unknown);  // both in flight again
  sizes->shutdown();
}

TEST_F(RemoteFileSizeCaps, NoMoreWaitingRepliesThanMaxWaitersAndExpiredOnesFreeTheirSlot) {
  ASSERT_TRUE(server_.ok());
  RemoteFileSizeOptions options;
  options.max_waiters = 2;
  options.max_wait = 100ms;       // waiters leave at their deadline...
  options.head_timeout = 10s;     // ...long before the HEAD ends
  auto sizes = make(options);
  ASSERT_NE(sizes, nullptr);
  int calls = 0;
  const auto ready = [&calls] { ++calls; };

  EXPECT_EQ(sizes->lookup("a.efi", ready).state, State::Pending);
  EXPECT_EQ(sizes->lookup("a.efi", ready).state, State::Pending);
  // Two replies wait: a third goes at once without option 13, for this file or another.
  EXPECT_EQ(sizes->lookup("a.efi", ready).state, State::Unknown);
  EXPECT_EQ(sizes->lookup("b.efi", ready).state, State::Unknown);
  // Without a callback nothing is parked either.
  EXPECT_EQ(sizes->lookup("c.efi", nullptr).state, State::Unknown);

  // The two deadlines pass: both replies go on (exactly once each), and their slots are free.
  ASSERT_TRUE(run_until(calls, 2, 5000ms));
  io_.restart();
  io_.run_for(150ms);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(sizes->lookup("a.efi", ready).state, State::Pending);  // still no answer: waits again
  EXPECT_EQ(sizes->lookup("b.efi", ready).state, State::Pending);
  EXPECT_EQ(sizes->lookup("c.efi", ready).state, State::Unknown);
  sizes->shutdown();
}

}  // namespace
}  // namespace netboot::net
