#include "net/curl_multi.hpp"

namespace netboot::net {

Result<std::unique_ptr<CurlMulti>> CurlMulti::create(std::chrono::milliseconds poll_interval, AfterRound after_round) {
  auto library = curl_library();
  if (!library) return fail(library.error().code, library.error().detail);
  const CurlLibrary& curl = **library;
  CURLM* multi = curl.multi_init();
  if (multi == nullptr) return fail(Errc::Io, "libcurl multi handle could not be created");
  std::unique_ptr<CurlMulti> worker(new CurlMulti(curl, multi, poll_interval, std::move(after_round)));
  worker->thread_ = std::thread([raw = worker.get()] { raw->run(); });
  return worker;
}

CurlMulti::~CurlMulti() {
  stop();
  curl_.multi_cleanup(multi_);  // curl stays initialised: curl_library() runs curl_global_init once per process
}

bool CurlMulti::post(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    jobs_.push_back(std::move(job));
  }
  curl_.multi_wakeup(multi_);
  return true;
}

bool CurlMulti::add(CURL* easy, Finished finished) {
  if (curl_.multi_add_handle(multi_, easy) != CURLM_OK) {
    curl_.easy_cleanup(easy);
    return false;
  }
  transfers_.emplace(easy, std::move(finished));
  return true;
}

void CurlMulti::remove(CURL* easy) {
  if (transfers_.erase(easy) == 0) return;
  curl_.multi_remove_handle(multi_, easy);
  curl_.easy_cleanup(easy);
}

bool CurlMulti::stopped() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void CurlMulti::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  curl_.multi_wakeup(multi_);
  if (thread_.joinable()) thread_.join();
  for (auto& [easy, finished] : transfers_) {  // abandoned: nobody is told
    curl_.multi_remove_handle(multi_, easy);
    curl_.easy_cleanup(easy);
  }
  transfers_.clear();
  jobs_.clear();
}

void CurlMulti::run() {
  while (true) {
    std::vector<std::function<void()>> jobs;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
      jobs.swap(jobs_);
    }
    for (auto& job : jobs) job();
    int running = 0;
    curl_.multi_perform(multi_, &running);
    int left = 0;
    while (CURLMsg* message = curl_.multi_info_read(multi_, &left)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* easy = message->easy_handle;
      const CURLcode result = message->data.result;
      const auto it = transfers_.find(easy);
      if (it == transfers_.end()) continue;
      const auto after = it->second(easy, result);
      curl_.multi_remove_handle(multi_, easy);
      if (after == After::Restart && curl_.multi_add_handle(multi_, easy) == CURLM_OK) continue;
      transfers_.erase(easy);  // `it` may be stale: the callback may have added or removed others
      curl_.easy_cleanup(easy);
    }
    if (after_round_) after_round_();
    curl_.multi_poll(multi_, nullptr, 0, static_cast<int>(poll_interval_.count()), nullptr);
  }
}

}  // namespace netboot::net
