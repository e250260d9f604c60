#pragma once
// One helper thread for calls that may block on a slow disk (an upload's final fdatasync and
// rename), as the lease store's writer thread does for its commits: jobs run in order off the
// event loop and each result is posted back to it. The helper never touches a socket or a
// timer. The thread starts with the first job, so a read-only server has none.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include <asio.hpp>

#include "core/result.hpp"

namespace netboot::net {

class BlockingWorker {
 public:
  using Job = std::function<Result<void>()>;
  using Done = std::function<void(Result<void>)>;

  explicit BlockingWorker(asio::io_context& io) : io_(io) {}
  /// Runs what is still queued (an upload that arrived whole is still put in place), then joins.
  ~BlockingWorker();
  BlockingWorker(const BlockingWorker&) = delete;
  BlockingWorker& operator=(const BlockingWorker&) = delete;

  /// Runs `job` on the helper thread; `done` then runs on the event loop with its result.
  void run(Job job, Done done);

 private:
  void serve();

  asio::io_context& io_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<Job, Done>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace netboot::net
