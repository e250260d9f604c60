#pragma once
// One helper thread driving libcurl's multi interface: what the remote TFTP root
// (url_source), the HTTP access check (access_checker) and the remote boot file size
// (remote_file_size) share, each with its own. The event loop never
// touches a curl handle: it hands work to the helper thread with post(); the helper thread
// starts, pauses and abandons transfers, runs each one's `finished` callback, and reaches
// the loop again only through asio::post in the callers' code.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "net/curl_library.hpp"

namespace netboot::net {

class CurlMulti {
 public:
  /// What to do with a handle whose transfer ended: clean it up, or run it again (the
  /// callback changed its URL: a redirect it chose to follow).
  enum class After : std::uint8_t { Done, Restart };
  /// Helper thread: a transfer ended (CURLE_OK or why not). The handle is still valid (for
  /// curl_easy_getinfo); after Done it is cleaned up, after Restart it runs again with the
  /// same callback (if curl refuses, it is cleaned up and nobody is told).
  using Finished = std::function<After(CURL* easy, CURLcode result)>;
  /// Helper thread: after every round of curl_multi_perform (progress, flow control).
  using AfterRound = std::function<void()>;

  /// Loads libcurl (curl_library()) and starts the helper thread, which waits at most
  /// `poll_interval` for sockets between rounds (wake() and post() cut the wait short).
  static Result<std::unique_ptr<CurlMulti>> create(std::chrono::milliseconds poll_interval, AfterRound after_round = {});
  ~CurlMulti();
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  [[nodiscard]] const CurlLibrary& curl() const noexcept { return curl_; }

  /// Any thread: runs `job` on the helper thread before its next round. False (and `job`
  /// dropped) once stop() began.
  bool post(std::function<void()> job);

  /// Helper thread: adds a configured handle; `finished` runs when the transfer ends. False
  /// when curl refuses it (the handle is cleaned up, `finished` not called).
  bool add(CURL* easy, Finished finished);
  /// Helper thread: abandons a transfer (no callback) and cleans up its handle.
  void remove(CURL* easy);

  /// Stops and joins the helper thread, then abandons every transfer (no callbacks).
  /// Idempotent; not from the helper thread.
  void stop();
  [[nodiscard]] bool stopped() const;

 private:
  CurlMulti(const CurlLibrary& curl, CURLM* multi, std::chrono::milliseconds poll_interval, AfterRound after_round)
      : curl_(curl), multi_(multi), poll_interval_(poll_interval), after_round_(std::move(after_round)) {}
  void run();

  const CurlLibrary& curl_;
  CURLM* multi_;
  const std::chrono::milliseconds poll_interval_;
  const AfterRound after_round_;
  mutable std::mutex mutex_;
  std::vector<std::function<void()>> jobs_;  // guarded by mutex_
  bool stopping_ = false;                    // guarded by mutex_
  std::unordered_map<CURL*, Finished> transfers_;  // helper thread only (then stop())
  std::thread thread_;
};

}  // namespace netboot::net
