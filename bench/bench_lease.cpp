// Lease layer numbers behind issue 8 scenario 1: allocation must not slow down as the pool
// fills (pybootd: quadratic), the 50,000-lease file loads in well under a second, and group
// commit turns many commits into few fsyncs.
#include <benchmark/benchmark.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <random>

#include "lease/address_allocator.hpp"
#include "lease/memory_lease_store.hpp"
#include "lease/sqlite_lease_store.hpp"

namespace netboot::lease {
namespace {

MacAddress mac(std::uint32_t n) {
  return MacAddress({0x52, 0x54, static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                     static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
}

Lease lease_for(std::uint32_t n, Ipv4Address address) {
  Lease lease;
  lease.mac = mac(n);
  lease.address = address;
  lease.state = LeaseState::Bound;
  lease.expires = std::chrono::system_clock::now() + std::chrono::hours(24);
  lease.updated = std::chrono::system_clock::now();
  lease.boot_file = "pxelinux.0";
  return lease;
}

const Ipv4Address kStart = *Ipv4Address::parse("10.0.0.1");

constexpr std::uint32_t kIterations = 100'000;  // fixed: the pool must not run out, memory stays small

// allocate() + commit() of one new client with `state.range(0)` leases already held.
void BM_AllocateAndCommit(benchmark::State& state) {
  const auto held = static_cast<std::uint32_t>(state.range(0));
  Post run_now = [](std::function<void()> work) { work(); };
  MemoryLeaseStore store(run_now);
  const AddressAllocator allocator({kStart, held + kIterations, {}, std::chrono::seconds(86400), {}, {}}, store);
  for (std::uint32_t i = 0; i < held; ++i) store.commit(lease_for(i, kStart.plus(i)), nullptr);
  std::uint32_t next = held;
  for (auto _ : state) {
    auto got = allocator.allocate(mac(next), std::nullopt, std::chrono::system_clock::now());
    if (!got) {
      state.SkipWithError(got.error().detail.c_str());
      break;
    }
    store.commit(lease_for(next, got->address), nullptr);
    ++next;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AllocateAndCommit)->Arg(0)->Arg(10'000)->Arg(50'000)->Arg(200'000)->Iterations(kIterations);

std::filesystem::path bench_file(std::string_view name) {
  std::random_device seed;
  return std::filesystem::temp_directory_path() / ("netboot-bench-" + std::to_string(seed()) + "-" + std::string(name));
}

// Opening a lease file of `state.range(0)` leases: quick_check + load into the index.
void BM_SqliteOpen(benchmark::State& state) {
  const auto count = static_cast<std::uint32_t>(state.range(0));
  const auto path = bench_file("open.db");
  Post run_now = [](std::function<void()> work) { work(); };
  {
    auto store = SqliteLeaseStore::open(path, run_now);
    if (!store) {
      state.SkipWithError(store.error().detail.c_str());
      return;
    }
    for (std::uint32_t i = 0; i < count; ++i) (*store)->commit(lease_for(i, kStart.plus(i)), nullptr);
  }
  for (auto _ : state) {
    auto store = SqliteLeaseStore::open(path, run_now);
    benchmark::DoNotOptimize((*store)->size());
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
}
BENCHMARK(BM_SqliteOpen)->Arg(50'000)->Unit(benchmark::kMillisecond);

// Durable commits per second when `state.range(0)` clients commit at once (one batch, one fsync).
void BM_SqliteDurableCommits(benchmark::State& state) {
  const auto burst = static_cast<std::uint32_t>(state.range(0));
  const auto path = bench_file("commit.db");
  std::mutex mutex;
  std::condition_variable done;
  std::uint64_t durable = 0;
  Post run_now = [&](std::function<void()> work) {
    work();
    done.notify_all();
  };
  auto store = SqliteLeaseStore::open(path, run_now);
  if (!store) {
    state.SkipWithError(store.error().detail.c_str());
    return;
  }
  std::uint32_t next = 0;
  for (auto _ : state) {
    const std::uint64_t target = std::uint64_t{next} + burst;
    for (std::uint32_t i = 0; i < burst; ++i, ++next) {
      (*store)->commit(lease_for(next, kStart.plus(next % 1'000'000)), [&](Result<void>) {
        std::lock_guard lock(mutex);
        ++durable;
      });
    }
    std::unique_lock lock(mutex);
    done.wait_for(lock, std::chrono::seconds(30), [&] { return durable >= target; });
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * burst);
  state.counters["batches"] = static_cast<double>((*store)->stats().batches);
  (*store)->close();
  std::filesystem::remove(path);
}
BENCHMARK(BM_SqliteDurableCommits)->Arg(1)->Arg(64)->Arg(1024)->UseRealTime();

}  // namespace
}  // namespace netboot::lease
