#include "net/http_connection.hpp"

#include "net/boot_scripts.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "http/access.hpp"
#include "http/download_log.hpp"
#include "http/percent_decode.hpp"
#include "http/file_paths.hpp"
#include "net/limited_log.hpp"

namespace netboot::net {
namespace {

// One sendfile slice per event-loop turn: big enough to keep a fast client near wire speed,
// small enough that hundreds of clients of a boot storm progress together.
constexpr std::size_t kSlice = 1U << 20;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

HttpConnection::HttpConnection(asio::ip::tcp::socket socket, std::shared_ptr<HttpShared> shared, Ipv4Address peer)
    : socket_(std::move(socket)),
      timer_(shared->io),
      shared_(std::move(shared)),
      peer_(peer),
      parser_(shared_->limits.parser),
      buffer_(std::make_unique<std::array<char, 16384>>()) {}

void HttpConnection::start() {
  shared_->live.emplace(this, weak_from_this());
  ++shared_->per_client[peer_.to_host_order()];
  std::error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);  // the head and a short body's tail go out at once
  socket_.native_non_blocking(true, ec);                   // sendfile must say EAGAIN, never block the loop
  set_deadline(shared_->limits.idle_timeout);
  read_more();
}

void HttpConnection::close() {
  if (closed_) return;
  if (responding_) finish_response("closed while answering (stop or timeout)");  // logs, then comes back here
  if (closed_) return;
  closed_ = true;
  if (shared_->live.erase(this) != 0) {
    const auto it = shared_->per_client.find(peer_.to_host_order());
    if (it != shared_->per_client.end() && --it->second == 0) shared_->per_client.erase(it);
  }
  std::error_code ec;
  socket_.close(ec);
  timer_.cancel();
  file_.reset();
}

void HttpConnection::set_deadline(std::chrono::milliseconds from_now) {
  deadline_ = Clock::now() + from_now;
  if (closed_) return;
  timer_.expires_at(deadline_);  // cancels the previous wait, whose handler then sees an error
  timer_.async_wait([self = shared_from_this()](const std::error_code& ec) {
    if (!ec) self->on_timer();
  });
}

void HttpConnection::on_timer() {
  if (closed_) return;
  if (file_.valid()) {
    // The deadline is not moved by progress: each period, the body must have advanced by at
    // least min_send_rate per second, or a client reading a byte now and then (a small
    // receive window) would hold its slot for as long as the file lasts.
    const auto now = Clock::now();
    const auto sent = body_sent_ - checked_sent_;
    const auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - checked_at_).count();
    // Dropped with a reset: a plain close would leave the send buffer (megabytes) to trickle
    // out to the same client, held by the kernel instead of by us.
    std::error_code ec;
    if (sent == 0) {
      socket_.set_option(asio::socket_base::linger(true, 0), ec);
      finish_response("stalled: client stopped reading");
      return;
    }
    const std::uint64_t min_rate = shared_->config.min_send_rate;
    if (min_rate > 0 && sent * 1000 < min_rate * static_cast<std::uint64_t>(std::max<std::int64_t>(elapsed_ms, 1))) {
      socket_.set_option(asio::socket_base::linger(true, 0), ec);
      finish_response(fmt::format("too slow: {} bytes in {:.1f} s, under min_send_rate {} bytes/s", sent,
                                  static_cast<double>(elapsed_ms) / 1000.0, min_rate));
      return;
    }
    checked_sent_ = body_sent_;
    checked_at_ = now;
    set_deadline(shared_->limits.stall_timeout);
    return;
  }
  shared_->log->debug("{}: connection idle, closed", peer_.to_string());
  close();
}

void HttpConnection::read_more() {
  if (closed_) return;
  if (begin_ == end_) begin_ = end_ = 0;
  if (end_ == buffer_->size()) {  // cannot happen: the parser consumes all it is given until a request ends
    std::copy(buffer_->begin() + static_cast<std::ptrdiff_t>(begin_), buffer_->begin() + static_cast<std::ptrdiff_t>(end_),
              buffer_->begin());
    end_ -= begin_;
    begin_ = 0;
  }
  socket_.async_read_some(asio::buffer(buffer_->data() + end_, buffer_->size() - end_),
                          [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
                            if (self->closed_) return;
                            if (ec) {  // EOF between requests is the normal end of keep-alive
                              self->close();
                              return;
                            }
                            self->end_ += n;
                            self->process_buffered();
                          });
}

void HttpConnection::process_buffered() {
  const auto progress = parser_.feed(std::string_view(buffer_->data() + begin_, end_ - begin_));
  begin_ += progress.consumed;
  switch (progress.state) {
    case http::RequestParser::State::NeedMore:
      read_more();
      return;
    case http::RequestParser::State::Failed:
      method_ = "-";
      target_ = parser_.request().target;
      respond_error(parser_.error_status(), parser_.error_detail());
      return;
    case http::RequestParser::State::Complete:
      respond();
      return;
  }
}

void HttpConnection::respond() {
  const http::Request& request = parser_.request();
  started_ = Clock::now();
  method_ = request.method_name;
  target_ = request.target;
  if (shared_->scripts != nullptr && respond_with_script(request)) return;
  const auto access = http::decide_access(shared_->config.check_ip, shared_->leases, peer_, std::chrono::system_clock::now());
  http::FileLookup lookup;
  if (http::needs_file(request, access)) {
    auto opened = open_beneath(shared_->root.get(), request.path, http::kPathPolicy);
    if (opened) {
      lookup = {http::FileLookup::Outcome::Found, {opened->size, opened->mtime}};
      file_ = std::move(opened->fd);
    } else {
      const Error& error = opened.error();
      lookup.outcome = error.code == Errc::AccessDenied ? http::FileLookup::Outcome::Forbidden
                       : error.code == Errc::NotFound   ? http::FileLookup::Outcome::NotFound
                                                        : http::FileLookup::Outcome::Error;
      if (error.code == Errc::AccessDenied) {
        if (const auto end = admit_line(*shared_->log, shared_->log_limiter, spdlog::level::warn, "refused"))
          shared_->log->warn("{}: refused path \"{}\": {}{}", peer_.to_string(), http::printable(request.target),
                             http::printable(error.detail), *end);
      }
      else if (error.code != Errc::NotFound)
        shared_->log->error("{}: cannot open \"{}\": {}", peer_.to_string(), http::printable(request.target),
                            http::printable(error.detail));
    }
  }
  auto plan = http::plan_response(request, access, lookup, unix_now());
  if (!plan.send_file) file_.reset();
  begin_response(std::move(plan));
}

// A generated script: made for the machine the path names, if this peer may have it.
bool HttpConnection::respond_with_script(const http::Request& request) {
  std::error_code ec;
  const auto local = socket_.local_endpoint(ec);
  const Ipv4Address local_address = !ec && local.address().is_v4() ? Ipv4Address::from_host_order(local.address().to_v4().to_uint())
                                                                   : Ipv4Address::any();
  auto answer = shared_->scripts->answer(request.path, peer_, local_address);
  if (!answer) return false;
  if (answer->status != 200) {
    auto plan = http::plan_error(answer->status, unix_now(), answer->reason);
    begin_response(std::move(plan));
    return true;
  }
  auto plan = http::plan_generated(request, std::move(answer->script), "text/plain; charset=utf-8", unix_now());
  plan.note = answer->reason;
  begin_response(std::move(plan));
  return true;
}

void HttpConnection::respond_error(int status, std::string note) {
  started_ = Clock::now();
  begin_response(http::plan_error(status, unix_now(), std::move(note)));
}

void HttpConnection::begin_response(http::ResponsePlan plan) {
  responding_ = true;
  plan_ = std::move(plan);
  if (shared_->stopping) plan_.keep_alive = false;
  out_ = http::serialize_head(plan_);
  out_ += plan_.text;
  body_sent_ = 0;
  checked_sent_ = 0;
  checked_at_ = Clock::now();
  set_deadline(shared_->limits.stall_timeout);
  asio::async_write(socket_, asio::buffer(out_), [self = shared_from_this()](const std::error_code& ec, std::size_t) {
    if (self->closed_) return;
    if (ec) {
      self->finish_response(fmt::format("client gone: {}", ec.message()));
      return;
    }
    if (!self->plan_.send_file && self->plan_.status == 200) self->body_sent_ = self->plan_.text.size();  // generated
    if (self->plan_.send_file)
      self->send_body();
    else
      self->finish_response({});
  });
}

void HttpConnection::send_body() {
  if (closed_) return;
  std::size_t this_turn = 0;
  while (body_sent_ < plan_.length && this_turn < kSlice) {
    auto offset = static_cast<off_t>(plan_.offset + body_sent_);
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(plan_.length - body_sent_, kSlice - this_turn));
    const ssize_t n = ::sendfile(socket_.native_handle(), file_.get(), &offset, want);
    if (n > 0) {
      body_sent_ += static_cast<std::uint64_t>(n);
      this_turn += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) {  // the file shrank under us: the promised Content-Length cannot be kept
      finish_response("file truncated while sending");
      return;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) break;
    finish_response(fmt::format("client gone: {}", std::strerror(errno)));
    return;
  }
  if (body_sent_ == plan_.length) {
    finish_response({});
    return;
  }
  // Writable again (or, after a full slice, at once): other connections get their turn first.
  socket_.async_wait(asio::socket_base::wait_write, [self = shared_from_this()](const std::error_code& ec) {
    if (self->closed_) return;
    if (ec) {
      self->finish_response(fmt::format("client gone: {}", ec.message()));
      return;
    }
    self->send_body();
  });
}

void HttpConnection::finish_response(std::string_view failure) {
  responding_ = false;
  const double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
  std::string note = plan_.note;
  if (!failure.empty()) note = note.empty() ? std::string(failure) : note + "; " + std::string(failure);
  // One line per request; errors (4xx, 5xx, broken transfers) are what a flood produces, so
  // those share a budget (LogLimiter).
  const auto level = failure.empty() ? spdlog::level::info : spdlog::level::warn;
  const bool error = !failure.empty() || plan_.status >= 400;
  if (auto* telemetry = shared_->telemetry) {
    auto& figures = telemetry->http;
    figures.sent_bytes += body_sent_;
    if (plan_.status >= 100 && plan_.status < 600) ++figures.responses_by_class[static_cast<std::size_t>(plan_.status / 100)];
    if (plan_.status >= 200 && plan_.status < 300 && body_sent_ > 0) ++figures.downloads;
    if (plan_.status >= 400) {
      const auto code = fmt::format("{}", plan_.status);
      telemetry->refusals.add("http", code);
      telemetry->activity.on_refusal("http", peer_.to_string(), fmt::format("{} {}", code, http::printable(target_)),
                                     std::chrono::system_clock::now());
    }
  }
  const auto end = error ? admit_line(*shared_->log, shared_->log_limiter, level, failure.empty() ? "error" : "failed")
                   : shared_->log->should_log(level) ? std::optional<std::string>("")
                                                     : std::nullopt;
  if (end)
    shared_->log->log(level, "{}{}",
                      http::format_download_line(peer_, method_, target_, plan_.status, body_sent_, seconds, note), *end);
  file_.reset();
  if (!failure.empty()) {
    close();
    return;
  }
  if (!plan_.keep_alive || shared_->stopping) {
    linger();
    return;
  }
  parser_.next();
  // The whole next request head must arrive within the idle timeout, however it trickles in
  // (a client sending a byte every few seconds would otherwise hold a connection forever).
  set_deadline(shared_->limits.idle_timeout);
  if (begin_ < end_)
    process_buffered();  // a pipelined request is already here
  else
    read_more();
}

void HttpConnection::linger() {
  // Half-close, then read what the client still sends until it closes: closing with unread
  // bytes would send a RST that can destroy the answer still in flight (RFC 9112 9.6).
  std::error_code ec;
  socket_.shutdown(asio::socket_base::shutdown_send, ec);
  if (ec) {
    close();
    return;
  }
  // One deadline for the whole linger, never moved by what the client sends: a client
  // trickling a byte now and then would otherwise hold the connection forever.
  set_deadline(shared_->limits.linger_timeout);
  drain();
}

void HttpConnection::drain() {
  begin_ = end_ = 0;
  socket_.async_read_some(asio::buffer(*buffer_), [self = shared_from_this()](const std::error_code& read_ec, std::size_t) {
    if (self->closed_) return;
    if (read_ec) {
      self->close();
      return;
    }
    self->drain();
  });
}

}  // namespace netboot::net
