#include "net/blocking_worker.hpp"

namespace netboot::net {

BlockingWorker::~BlockingWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void BlockingWorker::run(Job job, Done done) {
  {
    std::lock_guard lock(mutex_);
    jobs_.emplace_back(std::move(job), std::move(done));
    if (!thread_.joinable()) thread_ = std::thread([this] { serve(); });
  }
  wake_.notify_one();
}

void BlockingWorker::serve() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, nothing left
    auto [job, done] = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    auto result = job();
    job = nullptr;  // what the job holds (an upload's file) is released here, off the loop
    asio::post(io_, [done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
    lock.lock();
  }
}

}  // namespace netboot::net
