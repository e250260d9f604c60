// netboot_load: the load generator behind bench/run_bench.py (issue 8), for what no packaged
// tool does: many concurrent TFTP clients (RFC 1350 lock-step, RFC 2348 blksize, RFC 7440
// windowsize) that check every byte against the served file, and the two loopback UDP
// ceilings (ping-pong and flood) that any TFTP transfer is bound by.
//
//   netboot_load tftp --server 127.0.0.1:69 --file NAME --expect PATH [--clients N]
//                     [--blksize B] [--windowsize W] [--hold-ms H] [--time-limit S]
//   netboot_load pingpong --size BYTES [--seconds S]
//   netboot_load flood --size BYTES [--seconds S]
//
// Output: one JSON object on stdout. Loopback (or a namespace's loopback) only: the tool
// refuses any server address outside 127.0.0.0/8. Every wait is bounded by --time-limit.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "netboot_load: %s\n", message.c_str());
  std::exit(2);
}

struct Args {
  std::vector<std::string> items;
  [[nodiscard]] std::string get(std::string_view name, std::string fallback = {}) const {
    for (std::size_t i = 0; i + 1 < items.size(); ++i)
      if (items[i] == name) return items[i + 1];
    return fallback;
  }
  [[nodiscard]] long number(std::string_view name, long fallback) const {
    const auto text = get(name);
    return text.empty() ? fallback : std::strtol(text.c_str(), nullptr, 10);
  }
};

sockaddr_in loopback_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  const std::string host = colon == std::string::npos ? text : text.substr(0, colon);
  const int port = colon == std::string::npos ? 69 : std::atoi(text.c_str() + colon + 1);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) die("bad address " + text);
  // Network safety: loopback only.
  if ((ntohl(sa.sin_addr.s_addr) >> 24) != 127) die("refusing a non-loopback server " + text);
  return sa;
}

int udp_socket(int rcvbuf) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
  if (rcvbuf > 0) {
    // FORCE: root may exceed net.core.rmem_max; harmless when refused.
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0)
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  }
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0) die(std::string("bind: ") + std::strerror(errno));
  return fd;
}

// ---------------------------------------------------------------------------------------
// TFTP clients
// ---------------------------------------------------------------------------------------

struct Expected {
  const std::uint8_t* data = nullptr;
  std::uint64_t size = 0;
};

Expected map_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("cannot open " + path);
  struct stat st {};
  ::fstat(fd, &st);
  Expected e;
  e.size = static_cast<std::uint64_t>(st.st_size);
  if (e.size > 0) {
    void* p = ::mmap(nullptr, e.size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) die("mmap failed");
    ::madvise(p, e.size, MADV_WILLNEED);
    e.data = static_cast<const std::uint8_t*>(p);
  }
  ::close(fd);
  return e;
}

enum class State { Requesting, Running, Done, Failed };

struct Client {
  int fd = -1;
  State state = State::Requesting;
  sockaddr_in server{};       // the listening port until the first reply, then the server's TID
  bool have_tid = false;
  std::uint64_t blksize = 512;
  std::uint64_t window = 1;
  std::uint64_t next = 1;     // next block expected (64-bit, wraps on the wire)
  std::uint64_t since_ack = 0;
  std::uint64_t received = 0;  // bytes in order
  std::uint64_t duplicates = 0;
  std::uint64_t last_ack = 0;
  bool recovery_sent = false;  // one ACK per gap, not one per out-of-order datagram
  int retries = 0;
  bool holding = false;
  Clock::time_point started;
  Clock::time_point last_activity;
  double seconds = 0;
  std::string error;
};

struct TftpOptions {
  sockaddr_in server{};
  std::string file;
  std::uint64_t blksize = 1468;
  std::uint64_t window = 1;
  double timeout = 1.0;
  int max_retries = 6;
  long hold_ms = 0;
};

std::size_t make_rrq(std::uint8_t* out, const TftpOptions& o) {
  std::size_t n = 0;
  auto put = [&](std::string_view s) {
    std::memcpy(out + n, s.data(), s.size());
    n += s.size();
    out[n++] = 0;
  };
  out[n++] = 0;
  out[n++] = 1;
  put(o.file);
  put("octet");
  put("tsize");
  put("0");
  if (o.blksize != 512) {
    put("blksize");
    put(std::to_string(o.blksize));
  }
  if (o.window > 1) {
    put("windowsize");
    put(std::to_string(o.window));
  }
  return n;
}

void send_to(Client& c, const std::uint8_t* data, std::size_t size) {
  (void)::sendto(c.fd, data, size, 0, reinterpret_cast<const sockaddr*>(&c.server), sizeof c.server);
}

void send_ack(Client& c, std::uint64_t block) {
  const std::uint8_t ack[4] = {0, 4, static_cast<std::uint8_t>(block >> 8 & 0xFF), static_cast<std::uint8_t>(block & 0xFF)};
  c.last_ack = block;
  send_to(c, ack, sizeof ack);
}

void fail(Client& c, std::string why) {
  if (c.state == State::Done || c.state == State::Failed) return;
  c.state = State::Failed;
  c.error = std::move(why);
  c.seconds = seconds_since(c.started);
}

// OACK: options the server accepted; anything it left out keeps the RFC 1350 default.
void on_oack(Client& c, const std::uint8_t* p, std::size_t n) {
  c.blksize = 512;
  c.window = 1;
  std::size_t i = 2;
  while (i < n) {
    const char* name = reinterpret_cast<const char*>(p + i);
    const std::size_t name_len = ::strnlen(name, n - i);
    i += name_len + 1;
    if (i >= n) break;
    const char* value = reinterpret_cast<const char*>(p + i);
    const std::size_t value_len = ::strnlen(value, n - i);
    i += value_len + 1;
    if (::strcasecmp(name, "blksize") == 0) c.blksize = std::strtoull(value, nullptr, 10);
    if (::strcasecmp(name, "windowsize") == 0) c.window = std::strtoull(value, nullptr, 10);
  }
}

void on_datagram(Client& c, const std::uint8_t* p, std::size_t n, const sockaddr_in& from, const Expected& expect,
                 bool hold) {
  if (c.state != State::Requesting && c.state != State::Running) return;
  if (c.have_tid && (from.sin_port != c.server.sin_port || from.sin_addr.s_addr != c.server.sin_addr.s_addr)) return;
  if (n < 4) return;
  const unsigned opcode = static_cast<unsigned>(p[0] << 8 | p[1]);
  if (!c.have_tid) {
    c.server = from;
    c.have_tid = true;
  }
  c.last_activity = Clock::now();
  c.retries = 0;
  if (opcode == 5) {
    fail(c, "server error " + std::to_string(p[2] << 8 | p[3]) + ": " +
                std::string(reinterpret_cast<const char*>(p + 4), ::strnlen(reinterpret_cast<const char*>(p + 4), n - 4)));
    return;
  }
  if (opcode == 6) {
    if (c.state != State::Requesting) return;
    on_oack(c, p, n);
    c.state = State::Running;
    send_ack(c, 0);
    return;
  }
  if (opcode != 3) return;
  if (c.state == State::Requesting) {
    // No OACK: the server ignored our options (RFC 2347), plain 512-byte lock-step.
    c.blksize = 512;
    c.window = 1;
    c.state = State::Running;
  }
  const auto block = static_cast<std::uint16_t>(p[2] << 8 | p[3]);
  const std::size_t payload = n - 4;
  if (block != static_cast<std::uint16_t>(c.next & 0xFFFF)) {
    ++c.duplicates;
    // Lost or reordered: acknowledge what we hold in order so the server resends from there
    // (RFC 7440 §4), once per gap. Lock-step duplicates (retransmissions) need no answer
    // beyond the ACK already sent, but re-ACK so a lost ACK is covered.
    if (!c.holding && !c.recovery_sent) {
      c.recovery_sent = true;
      c.since_ack = 0;
      send_ack(c, c.next - 1);
    }
    return;
  }
  const std::uint64_t offset = (c.next - 1) * c.blksize;
  if (payload > c.blksize || offset + payload > expect.size || std::memcmp(expect.data + offset, p + 4, payload) != 0) {
    fail(c, "block " + std::to_string(c.next) + " differs from the file");
    return;
  }
  c.received += payload;
  ++c.next;
  ++c.since_ack;
  c.recovery_sent = false;
  const bool last = payload < c.blksize;
  if (last) {
    if (c.received != expect.size) {
      fail(c, "short transfer: " + std::to_string(c.received) + " of " + std::to_string(expect.size));
      return;
    }
    send_ack(c, c.next - 1);
    c.state = State::Done;
    c.seconds = seconds_since(c.started);
    return;
  }
  if (c.next == 2 && hold) {
    c.holding = true;  // memory scenario: keep the transfer open without progress
    return;
  }
  if (c.since_ack >= c.window) {
    c.since_ack = 0;
    send_ack(c, c.next - 1);
  }
}

int run_tftp(const Args& args) {
  TftpOptions o;
  o.server = loopback_endpoint(args.get("--server", "127.0.0.1:69"));
  o.file = args.get("--file");
  if (o.file.empty()) die("--file is required");
  o.blksize = static_cast<std::uint64_t>(args.number("--blksize", 1468));
  o.window = static_cast<std::uint64_t>(args.number("--windowsize", 1));
  o.hold_ms = args.number("--hold-ms", 0);
  o.timeout = static_cast<double>(args.number("--timeout-ms", 1000)) / 1000.0;
  const long clients = std::clamp(args.number("--clients", 1), 1L, 5000L);
  const double time_limit = static_cast<double>(args.number("--time-limit", 120));
  const Expected expect = map_file(args.get("--expect"));

  // Big windows of big blocks must fit the receive buffer or the tail is dropped.
  const int rcvbuf = o.window > 1 || o.blksize > 8192
                         ? static_cast<int>(std::min<std::uint64_t>(o.window * (o.blksize + 32) * 2 + (1 << 20), 64u << 20))
                         : 0;
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<Client> all(static_cast<std::size_t>(clients));
  std::uint8_t rrq[600];
  const std::size_t rrq_size = make_rrq(rrq, o);
  const auto start = Clock::now();
  for (std::size_t i = 0; i < all.size(); ++i) {
    auto& c = all[i];
    c.fd = udp_socket(rcvbuf);
    c.server = o.server;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  }
  // Memory scenario: every client stops after its first block until all are open (or 5 s
  // passed), reports it, and stays so for hold_ms more; then the transfers complete.
  bool hold = o.hold_ms > 0;
  bool hold_reported = !hold;
  Clock::time_point release_at = Clock::time_point::max();
  for (auto& c : all) {
    c.started = c.last_activity = Clock::now();
    send_to(c, rrq, rrq_size);
  }

  constexpr unsigned kBatch = 64;
  static std::uint8_t buffers[kBatch][65536 + 64];
  std::vector<mmsghdr> messages(kBatch);
  std::vector<iovec> vectors(kBatch);
  std::vector<sockaddr_in> froms(kBatch);
  std::vector<epoll_event> events(512);
  std::size_t finished = 0;
  auto last_scan = Clock::now();
  while (finished < all.size()) {
    const int ready = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 20);
    for (int e = 0; e < ready; ++e) {
      auto& c = all[events[static_cast<std::size_t>(e)].data.u64];
      for (int round = 0; round < 16; ++round) {
        for (unsigned k = 0; k < kBatch; ++k) {
          vectors[k] = {buffers[k], sizeof buffers[k]};
          messages[k] = {};
          messages[k].msg_hdr.msg_iov = &vectors[k];
          messages[k].msg_hdr.msg_iovlen = 1;
          messages[k].msg_hdr.msg_name = &froms[k];
          messages[k].msg_hdr.msg_namelen = sizeof froms[k];
        }
        // Lock-step: one datagram per wake-up; windows: the whole window in one call.
        const unsigned want = c.window > 1 ? kBatch : 1;
        const int got = ::recvmmsg(c.fd, messages.data(), want, MSG_DONTWAIT, nullptr);
        if (got <= 0) break;
        for (int k = 0; k < got; ++k)
          on_datagram(c, buffers[k], messages[static_cast<std::size_t>(k)].msg_len, froms[static_cast<std::size_t>(k)],
                      expect, hold);
        if (static_cast<unsigned>(got) < want) break;
      }
    }
    const auto now = Clock::now();
    if (now - last_scan < std::chrono::milliseconds(20)) continue;
    last_scan = now;
    finished = 0;
    std::size_t holding = 0;
    for (auto& c : all) {
      if (c.state == State::Done || c.state == State::Failed) {
        if (c.fd >= 0) {
          ::close(c.fd);
          c.fd = -1;
        }
        ++finished;
        continue;
      }
      if (c.holding) {
        ++holding;
        if (now >= release_at) {
          c.holding = false;
          c.since_ack = 0;
          c.last_activity = now;
          send_ack(c, c.next - 1);
        }
        continue;
      }
      if (std::chrono::duration<double>(now - c.last_activity).count() > o.timeout) {
        if (++c.retries > o.max_retries) {
          fail(c, "timed out");
          continue;
        }
        c.last_activity = now;
        if (c.state == State::Requesting) {
          c.have_tid = false;
          c.server = o.server;
          send_to(c, rrq, rrq_size);
        } else {
          send_ack(c, c.last_ack);
        }
      }
    }
    if (now >= release_at) hold = false;
    if (!hold_reported && (holding + finished == all.size() || seconds_since(start) > 5.0)) {
      // Every transfer is open and waiting: the caller samples the server's memory now.
      std::fprintf(stderr, "holding %zu\n", holding);
      std::fflush(stderr);
      hold_reported = true;
      release_at = now + std::chrono::milliseconds(o.hold_ms);
    }
    if (seconds_since(start) > time_limit) {
      for (auto& c : all) fail(c, "time limit");
      break;
    }
  }
  const double wall = seconds_since(start);

  std::vector<double> times;
  std::uint64_t bytes = 0, duplicates = 0;
  std::size_t ok = 0;
  std::string first_error;
  for (auto& c : all) {
    if (c.fd >= 0) ::close(c.fd);
    duplicates += c.duplicates;
    if (c.state == State::Done) {
      ++ok;
      bytes += c.received;
      times.push_back(c.seconds);
    } else if (first_error.empty()) {
      first_error = c.error;
    }
  }
  std::sort(times.begin(), times.end());
  auto pct = [&](double p) {
    if (times.empty()) return 0.0;
    const auto idx = static_cast<std::size_t>(std::min<double>(static_cast<double>(times.size() - 1),
                                                               p * static_cast<double>(times.size()) - 1 + 0.999999));
    return times[idx];
  };
  for (char& ch : first_error)
    if (ch == '"' || ch == '\\') ch = '\'';
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const double own_cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  std::printf(
      "{\"client_cpu_s\": %.3f, \"clients\": %ld, \"ok\": %zu, \"failed\": %zu, \"bytes\": %llu, \"wall_s\": %.6f, \"mbps\": %.3f, "
      "\"p50_s\": %.6f, \"p99_s\": %.6f, \"max_s\": %.6f, \"blksize\": %llu, \"windowsize\": %llu, "
      "\"duplicates\": %llu, \"error\": \"%s\"}\n",
      own_cpu, clients, ok, all.size() - ok, static_cast<unsigned long long>(bytes), wall,
      wall > 0 ? static_cast<double>(bytes) / wall / 1e6 : 0.0, pct(0.5), pct(0.99), times.empty() ? 0.0 : times.back(),
      static_cast<unsigned long long>(all.front().blksize), static_cast<unsigned long long>(all.front().window),
      static_cast<unsigned long long>(duplicates), first_error.c_str());
  return ok == all.size() ? 0 : 1;
}

// ---------------------------------------------------------------------------------------
// Ceilings: ping-pong (one datagram, one reply) and flood (back to back), on loopback
// ---------------------------------------------------------------------------------------

std::uint16_t port_of(int fd) {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  return ntohs(sa.sin_port);
}

sockaddr_in loopback_port(std::uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return sa;
}

void set_blocking_timeout(int fd, int ms) {
  const int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

int run_pingpong(const Args& args) {
  const auto size = static_cast<std::size_t>(std::clamp(args.number("--size", 1472), 4L, 65507L));
  const double duration = static_cast<double>(std::clamp(args.number("--ms", 2000), 100L, 30000L)) / 1000.0;
  const int server = udp_socket(1 << 20);
  const int client = udp_socket(1 << 20);
  set_blocking_timeout(server, 200);
  set_blocking_timeout(client, 200);
  const auto server_addr = loopback_port(port_of(server));
  std::atomic<bool> stop{false};
  // The "server": one reply (4 bytes, an ACK's size) per datagram, like a TFTP client's ACK.
  std::thread echo([&] {
    std::vector<std::uint8_t> buf(65536);
    while (!stop.load(std::memory_order_relaxed)) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const auto n = ::recvfrom(server, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0) continue;
      ::sendto(server, buf.data(), 4, 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  });
  std::vector<std::uint8_t> out(size, 0x5A), in(65536);
  std::uint64_t rounds = 0, lost = 0;
  const auto start = Clock::now();
  while (seconds_since(start) < duration) {
    ::sendto(client, out.data(), out.size(), 0, reinterpret_cast<const sockaddr*>(&server_addr), sizeof server_addr);
    if (::recv(client, in.data(), in.size(), 0) > 0) ++rounds;
    else ++lost;
  }
  const double wall = seconds_since(start);
  stop = true;
  echo.join();
  ::close(server);
  ::close(client);
  const double rate = static_cast<double>(rounds) / wall;
  std::printf("{\"size\": %zu, \"rounds\": %llu, \"lost\": %llu, \"rtt_us\": %.3f, \"mbps\": %.3f}\n", size,
              static_cast<unsigned long long>(rounds), static_cast<unsigned long long>(lost), 1e6 / rate,
              rate * static_cast<double>(size - 4) / 1e6);
  return 0;
}

int run_flood(const Args& args) {
  const auto size = static_cast<std::size_t>(std::clamp(args.number("--size", 1472), 4L, 65507L));
  const double duration = static_cast<double>(std::clamp(args.number("--ms", 2000), 100L, 30000L)) / 1000.0;
  const int receiver = udp_socket(8 << 20);
  const int sender = udp_socket(0);
  set_blocking_timeout(receiver, 100);
  const auto to = loopback_port(port_of(receiver));
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> received_bytes{0};
  std::thread sink([&] {
    constexpr unsigned kBatch = 64;
    std::vector<std::vector<std::uint8_t>> bufs(kBatch, std::vector<std::uint8_t>(65536));
    std::vector<mmsghdr> msgs(kBatch);
    std::vector<iovec> iov(kBatch);
    std::uint64_t total = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      for (unsigned k = 0; k < kBatch; ++k) {
        iov[k] = {bufs[k].data(), bufs[k].size()};
        msgs[k] = {};
        msgs[k].msg_hdr.msg_iov = &iov[k];
        msgs[k].msg_hdr.msg_iovlen = 1;
      }
      const int got = ::recvmmsg(receiver, msgs.data(), kBatch, MSG_WAITFORONE, nullptr);
      for (int k = 0; k < got; ++k) total += msgs[static_cast<std::size_t>(k)].msg_len;
    }
    received_bytes = total;
  });
  // Back to back in sendmmsg batches of 64 (a windowsize-64 TFTP window per call).
  constexpr unsigned kBatch = 64;
  std::vector<std::uint8_t> payload(size, 0xA5);
  std::vector<mmsghdr> msgs(kBatch);
  std::vector<iovec> iov(kBatch);
  for (unsigned k = 0; k < kBatch; ++k) {
    iov[k] = {payload.data(), payload.size()};
    msgs[k].msg_hdr.msg_iov = &iov[k];
    msgs[k].msg_hdr.msg_iovlen = 1;
    msgs[k].msg_hdr.msg_name = const_cast<sockaddr_in*>(&to);
    msgs[k].msg_hdr.msg_namelen = sizeof to;
  }
  std::uint64_t sent = 0;
  const auto start = Clock::now();
  while (seconds_since(start) < duration) {
    const int n = ::sendmmsg(sender, msgs.data(), kBatch, 0);
    if (n > 0) sent += static_cast<std::uint64_t>(n);
  }
  const double wall = seconds_since(start);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  stop = true;
  sink.join();
  ::close(receiver);
  ::close(sender);
  const auto bytes = received_bytes.load();
  std::printf("{\"size\": %zu, \"sent\": %llu, \"received_bytes\": %llu, \"mbps\": %.3f}\n", size,
              static_cast<unsigned long long>(sent), static_cast<unsigned long long>(bytes),
              static_cast<double>(bytes) / static_cast<double>(size) * static_cast<double>(size - 4) / wall / 1e6);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) die("usage: netboot_load tftp|pingpong|flood [options] (see the header of bench/load_tool.cpp)");
  Args args;
  for (int i = 2; i < argc; ++i) args.items.emplace_back(argv[i]);
  const std::string_view mode = argv[1];
  if (mode == "tftp") return run_tftp(args);
  if (mode == "pingpong") return run_pingpong(args);
  if (mode == "flood") return run_flood(args);
  die("unknown mode " + std::string(mode));
}
