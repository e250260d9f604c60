// netboot_load: the load generator behind bench/run_bench.py (issue 8), for what no packaged
// tool does: many concurrent TFTP clients (RFC 1350 lock-step, RFC 2348 blksize, RFC 7440
// windowsize) that check every byte against the served file, and the two loopback UDP
// ceilings (ping-pong and flood) that any TFTP transfer is bound by.
//
//   netboot_load tftp --server 127.0.0.1:69 --file NAME --expect PATH [--clients N]
//                     [--blksize B] [--windowsize W] [--hold-ms H] [--time-limit S]
//   netboot_load pingpong --size BYTES [--ms MS] [--server-cpu C --client-cpu C]
//   netboot_load flood --size BYTES [--ms MS] [--server-cpu C --client-cpu C]
//   netboot_load dhcp-floor --interface IF --server-id A --pool-start A [--pool-count N]
//                           [--durable FILE [--window-us U]]
//
// Output: one JSON object on stdout. Loopback (or a namespace's loopback) only: the tool
// refuses any server address outside 127.0.0.0/8. Every wait is bounded by --time-limit.
#include <arpa/inet.h>
#include <net/if.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
#include <new>
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

void set_blocking_timeout(int fd, int ms) {
  const int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
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
  const std::uint64_t number = c.next;
  if (payload > c.blksize || offset + payload > expect.size) {
    fail(c, "block " + std::to_string(number) + " is longer than the file");
    return;
  }
  c.received += payload;
  ++c.next;
  ++c.since_ack;
  c.recovery_sent = false;
  const bool last = payload < c.blksize;
  if (last && c.received != expect.size) {
    fail(c, "short transfer: " + std::to_string(c.received) + " of " + std::to_string(expect.size));
    return;
  }
  if (c.next == 2 && hold && !last) {
    c.holding = true;  // memory scenario: keep the transfer open without progress
  } else if (last || c.since_ack >= c.window) {
    c.since_ack = 0;
    send_ack(c, c.next - 1);
  }
  // Every byte is compared with the file, after the ACK is out: the comparison is this
  // client's own work, not part of the round trip the figure is about (the ping-pong bound's
  // peer compares nothing). A difference still fails the transfer.
  if (std::memcmp(expect.data + offset, p + 4, payload) != 0) {
    fail(c, "block " + std::to_string(number) + " differs from the file");
    return;
  }
  if (last) {
    c.state = State::Done;
    c.seconds = seconds_since(c.started);
  }
}

double own_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
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
  // One client: a blocking read, like tftp-hpa's client and the ping-pong ceiling's peer, so
  // the client costs two system calls per block and the figure measures the server. Many
  // clients: epoll. Either way the loop wakes at least every 20 ms for timeouts.
  const bool single = all.size() == 1 && !hold;
  if (single) set_blocking_timeout(all.front().fd, 20);
  while (finished < all.size()) {
    const int ready = single ? 1 : ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 20);
    for (int e = 0; e < ready; ++e) {
      auto& c = single ? all.front() : all[events[static_cast<std::size_t>(e)].data.u64];
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
        const int flags = single ? (want > 1 ? MSG_WAITFORONE : 0) : MSG_DONTWAIT;
        const int got = ::recvmmsg(c.fd, messages.data(), want, flags, nullptr);
        if (got <= 0) break;
        for (int k = 0; k < got; ++k)
          on_datagram(c, buffers[k], messages[static_cast<std::size_t>(k)].msg_len, froms[static_cast<std::size_t>(k)],
                      expect, hold);
        if (single || static_cast<unsigned>(got) < want) break;
      }
    }
    if (single && (all.front().state == State::Done || all.front().state == State::Failed)) {
      finished = 1;
      break;
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
  double wall = seconds_since(start);

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
  // Rate over the time to the last completion, not to this loop's next 20 ms tick.
  if (ok == all.size() && !times.empty()) wall = std::min(wall, times.back());
  auto pct = [&](double p) {
    if (times.empty()) return 0.0;
    const auto idx = static_cast<std::size_t>(std::min<double>(static_cast<double>(times.size() - 1),
                                                               p * static_cast<double>(times.size()) - 1 + 0.999999));
    return times[idx];
  };
  for (char& ch : first_error)
    if (ch == '"' || ch == '\\') ch = '\'';
  const double own_cpu = own_cpu_seconds();
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

// The trivial pair runs as two processes, like a TFTP server and its client: a wake-up
// across processes costs more than between two threads of one process (address-space switch).
struct PeerShared {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> total{0};
  std::atomic<std::uint64_t> datagrams{0};
  std::atomic<std::uint64_t> cpu_us{0};  // the peer's own CPU time
};

template <typename Body>
pid_t fork_peer(Body body) {
  const pid_t pid = ::fork();
  if (pid < 0) die(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    body();
    ::_exit(0);
  }
  return pid;
}

// The peer must have run to its end: a ceiling measured against a dead peer is no ceiling.
void reap_peer(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    die("the ceiling's peer process failed");
}

PeerShared* map_shared() {
  void* p = ::mmap(nullptr, sizeof(PeerShared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) die("mmap failed");
  return new (p) PeerShared;
}

// --server-cpu / --client-cpu: the bench pins a server and its client to different CPUs (a
// lock-step round trip then always pays a cross-CPU wake-up, as between two machines); the
// ceilings' two sides take the same places.
void pin_self(long cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<std::size_t>(cpu), &set);
  if (::sched_setaffinity(0, sizeof set, &set) != 0) die("sched_setaffinity: " + std::string(std::strerror(errno)));
}

int run_pingpong(const Args& args) {
  const auto size = static_cast<std::size_t>(std::clamp(args.number("--size", 1472), 4L, 65507L));
  const double duration = static_cast<double>(std::clamp(args.number("--ms", 2000), 100L, 30000L)) / 1000.0;
  const int server = udp_socket(1 << 20);
  const int client = udp_socket(1 << 20);
  set_blocking_timeout(server, 200);
  set_blocking_timeout(client, 200);
  const auto server_addr = loopback_port(port_of(server));
  auto* shared = map_shared();
  // The echo plays the TFTP client (a 4-byte reply, an ACK's size, per datagram); this
  // process plays the server (it sends the data).
  const pid_t echo = fork_peer([&] {
    pin_self(args.number("--client-cpu", -1));
    std::vector<std::uint8_t> buf(65536);
    const auto born = Clock::now();
    while (!shared->stop.load(std::memory_order_relaxed) && seconds_since(born) < duration + 10) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const auto n = ::recvfrom(server, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0) continue;
      ::sendto(server, buf.data(), 4, 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  });
  pin_self(args.number("--server-cpu", -1));
  std::vector<std::uint8_t> out(size, 0x5A), in(65536);
  std::uint64_t rounds = 0, lost = 0;
  const auto start = Clock::now();
  while (seconds_since(start) < duration) {
    ::sendto(client, out.data(), out.size(), 0, reinterpret_cast<const sockaddr*>(&server_addr), sizeof server_addr);
    if (::recv(client, in.data(), in.size(), 0) > 0) ++rounds;
    else ++lost;
  }
  const double wall = seconds_since(start);
  shared->stop = true;
  reap_peer(echo);
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
  auto* shared = map_shared();
  const pid_t sink = fork_peer([&] {
    pin_self(args.number("--client-cpu", -1));
    constexpr unsigned kBatch = 64;
    std::vector<std::vector<std::uint8_t>> bufs(kBatch, std::vector<std::uint8_t>(65536));
    std::vector<mmsghdr> msgs(kBatch);
    std::vector<iovec> iov(kBatch);
    std::uint64_t total = 0, datagrams = 0;
    const auto born = Clock::now();
    while (!shared->stop.load(std::memory_order_relaxed) && seconds_since(born) < duration + 10) {
      for (unsigned k = 0; k < kBatch; ++k) {
        iov[k] = {bufs[k].data(), bufs[k].size()};
        msgs[k] = {};
        msgs[k].msg_hdr.msg_iov = &iov[k];
        msgs[k].msg_hdr.msg_iovlen = 1;
      }
      const int got = ::recvmmsg(receiver, msgs.data(), kBatch, MSG_WAITFORONE, nullptr);
      for (int k = 0; k < got; ++k) total += msgs[static_cast<std::size_t>(k)].msg_len;
      if (got > 0) datagrams += static_cast<std::uint64_t>(got);
    }
    shared->total = total;
    shared->datagrams = datagrams;
    shared->cpu_us = static_cast<std::uint64_t>(own_cpu_seconds() * 1e6);
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
  pin_self(args.number("--server-cpu", -1));
  std::uint64_t sent = 0;
  const double cpu_before = own_cpu_seconds();
  const auto start = Clock::now();
  while (seconds_since(start) < duration) {
    const int n = ::sendmmsg(sender, msgs.data(), kBatch, 0);
    if (n > 0) sent += static_cast<std::uint64_t>(n);
  }
  const double wall = seconds_since(start);
  const double sender_cpu = own_cpu_seconds() - cpu_before;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  shared->stop = true;
  reap_peer(sink);
  ::close(receiver);
  ::close(sender);
  const auto bytes = shared->total.load();
  const double payload_bytes = static_cast<double>(bytes) / static_cast<double>(size) * static_cast<double>(size - 4);
  // The sender's CPU (its system calls, and the loopback delivery the kernel runs in its
  // context) per GiB delivered, and the receiver's per datagram: what any UDP server pays at
  // best, batched 64 per system call, without a file to read.
  const auto received = shared->datagrams.load();
  const double receiver_cpu = static_cast<double>(shared->cpu_us.load()) / 1e6;
  std::printf("{\"size\": %zu, \"sent\": %llu, \"received_bytes\": %llu, \"mbps\": %.3f, \"sender_cpu_s\": %.3f, "
              "\"sender_cpu_s_per_gib\": %.3f, \"receiver_cpu_s\": %.3f, \"receiver_cpu_us_per_datagram\": %.4f}\n",
              size, static_cast<unsigned long long>(sent), static_cast<unsigned long long>(bytes), payload_bytes / wall / 1e6,
              sender_cpu, payload_bytes > 0 ? sender_cpu / (payload_bytes / 1073741824.0) : 0.0, receiver_cpu,
              received > 0 ? receiver_cpu * 1e6 / static_cast<double>(received) : 0.0);
  return 0;
}

// ---------------------------------------------------------------------------------------
// DHCP floor: the least work any DHCP server does per message
// ---------------------------------------------------------------------------------------

// Answers DISCOVER with OFFER and REQUEST with ACK, nothing else: no lease store, no policy,
// no allocation, the address derived from the MAC. One blocking read and one send per
// message, on one interface (SO_BINDTODEVICE; the bench runs it inside its own namespace),
// to the relay (giaddr) or broadcast. Its CPU time per exchange is the floor any real
// server's figure sits on.
//
// --durable FILE adds the least a server whose leases survive a power cut must do (issue 8:
// committed with fsync before the ACK, group commit allowed): each ACK waits until a 16-byte
// record of its lease (MAC, address, expiry) is appended to FILE and fdatasync'd, one write
// and one fdatasync for every ACK held within --window-us (default 2000, netbootd's window)
// of the first. OFFERs go out at once, as in netbootd (an offer is not a lease yet).
int run_dhcp_floor(const Args& args) {
  const std::string device = args.get("--interface");
  if (device.empty()) die("--interface is required (the server side of the bench's veth pair)");
  in_addr server_id{}, pool{};
  if (::inet_pton(AF_INET, args.get("--server-id").c_str(), &server_id) != 1) die("--server-id A.B.C.D is required");
  if (::inet_pton(AF_INET, args.get("--pool-start").c_str(), &pool) != 1) die("--pool-start A.B.C.D is required");
  const auto pool_size = static_cast<std::uint32_t>(std::clamp(args.number("--pool-count", 60000), 1L, 1L << 20));
  const double limit = static_cast<double>(std::clamp(args.number("--seconds", 600), 1L, 3600L));
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  ::setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on);
  if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device.c_str(), static_cast<socklen_t>(device.size())) != 0)
    die("SO_BINDTODEVICE " + device + ": " + std::strerror(errno));
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_port = htons(67);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0) die(std::string("bind :67: ") + std::strerror(errno));
  set_blocking_timeout(fd, 200);
  sockaddr_in clients{};
  clients.sin_family = AF_INET;
  clients.sin_port = htons(68);
  clients.sin_addr.s_addr = htonl(INADDR_BROADCAST);
  std::fprintf(stderr, "dhcp-floor: ready on %s\n", device.c_str());
  std::fflush(stderr);
  const std::string durable_path = args.get("--durable");
  const auto window = std::chrono::microseconds(std::clamp(args.number("--window-us", 2000), 0L, 1000000L));
  int durable = -1;
  if (!durable_path.empty()) {
    durable = ::open(durable_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (durable < 0) die("open " + durable_path + ": " + std::strerror(errno));
  }
  struct HeldAck {
    std::uint8_t datagram[300];
    sockaddr_in to;
  };
  std::vector<HeldAck> held;        // ACKs waiting for their commit
  std::vector<std::uint8_t> batch;  // their lease records
  held.reserve(4096);
  batch.reserve(4096 * 16);
  Clock::time_point first_held{};
  std::uint64_t answered = 0, commits = 0;
  const auto commit = [&] {
    if (::write(durable, batch.data(), batch.size()) != static_cast<ssize_t>(batch.size()) || ::fdatasync(durable) != 0)
      die(std::string("lease record: ") + std::strerror(errno));
    for (const auto& ack : held)
      if (::sendto(fd, ack.datagram, sizeof ack.datagram, 0, reinterpret_cast<const sockaddr*>(&ack.to), sizeof ack.to) > 0)
        ++answered;
    held.clear();
    batch.clear();
    ++commits;
  };
  std::uint8_t in[1500], out[300];
  const auto start = Clock::now();
  while (seconds_since(start) < limit) {
    if (!held.empty()) {
      // Wait for the next message only until the window closes.
      const auto left = window - (Clock::now() - first_held);
      if (left <= Clock::duration::zero()) {
        commit();
        continue;
      }
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      const timespec timeout{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
      pollfd ready{fd, POLLIN, 0};
      if (::ppoll(&ready, 1, &timeout, nullptr) == 0) {
        commit();
        continue;
      }
    }
    const auto n = ::recv(fd, in, sizeof in, 0);
    if (n < 240 || in[0] != 1 || std::memcmp(in + 236, "\x63\x82\x53\x63", 4) != 0) continue;
    int type = 0;
    for (long i = 240; i + 1 < n && in[i] != 255;) {
      if (in[i] == 0) {
        ++i;
        continue;
      }
      if (in[i] == 53 && in[i + 1] == 1 && i + 2 < n) type = in[i + 2];
      i += 2 + in[i + 1];
    }
    if (type != 1 && type != 3) continue;  // DISCOVER, REQUEST
    std::memset(out, 0, sizeof out);
    out[0] = 2;
    std::memcpy(out + 1, in + 1, 3);      // htype, hlen, hops
    std::memcpy(out + 4, in + 4, 8);      // xid, secs, flags
    std::uint32_t hash = 2166136261u;
    for (int i = 28; i < 34; ++i) hash = (hash ^ in[i]) * 16777619u;
    const std::uint32_t yiaddr = htonl(ntohl(pool.s_addr) + hash % pool_size);
    std::memcpy(out + 16, &yiaddr, 4);
    std::memcpy(out + 20, &server_id, 4);  // siaddr
    std::memcpy(out + 24, in + 24, 4);     // giaddr
    std::memcpy(out + 28, in + 28, 16);    // chaddr
    std::memcpy(out + 236, "\x63\x82\x53\x63", 4);
    std::uint8_t* o = out + 240;
    *o++ = 53, *o++ = 1, *o++ = static_cast<std::uint8_t>(type == 1 ? 2 : 5);  // OFFER, ACK
    *o++ = 54, *o++ = 4, std::memcpy(o, &server_id, 4), o += 4;
    *o++ = 51, *o++ = 4, *o++ = 0, *o++ = 1, *o++ = 0x51, *o++ = 0x80;       // 86400 s
    *o++ = 1, *o++ = 4, *o++ = 255, *o++ = 255, *o++ = 0, *o++ = 0;
    *o = 255;
    // Relayed (perfdhcp acts as a relay agent): to the relay's port 67 (RFC 2131 §4.1).
    sockaddr_in relay{};
    relay.sin_family = AF_INET;
    relay.sin_port = htons(67);
    std::memcpy(&relay.sin_addr, in + 24, 4);
    const sockaddr_in& to = relay.sin_addr.s_addr != 0 ? relay : clients;
    if (durable >= 0 && type == 3) {
      if (held.empty()) first_held = Clock::now();
      held.push_back({});
      std::memcpy(held.back().datagram, out, sizeof out);
      held.back().to = to;
      const std::uint32_t expiry = htonl(static_cast<std::uint32_t>(::time(nullptr) + 86400));
      std::uint8_t record[16] = {};
      std::memcpy(record, in + 28, 6);  // MAC
      std::memcpy(record + 6, &yiaddr, 4);
      std::memcpy(record + 10, &expiry, 4);
      batch.insert(batch.end(), record, record + sizeof record);
      continue;
    }
    if (::sendto(fd, out, sizeof out, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) > 0) ++answered;
  }
  if (!held.empty()) commit();
  ::close(fd);
  if (durable >= 0) ::close(durable);
  std::printf("{\"answered\": %llu, \"commits\": %llu}\n", static_cast<unsigned long long>(answered),
              static_cast<unsigned long long>(commits));
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
  if (mode == "dhcp-floor") return run_dhcp_floor(args);
  die("unknown mode " + std::string(mode));
}
