// Runs independent work items on all cores; results are stored by index (parallel_for) or handed over in order
// as they complete (parallel_for_ordered), so output order stays stable.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <cstdint>
#include <vector>

namespace ferry {

inline unsigned default_jobs() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

// Calls fn(i) for i in [0, n) on up to `jobs` threads (0 = all cores). fn must not throw.
template <class Fn>
void parallel_for(size_t n, Fn&& fn, unsigned jobs = 0) {
  if (jobs == 0) jobs = default_jobs();
  jobs = static_cast<unsigned>(std::min<size_t>(jobs, n));
  if (jobs <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  threads.reserve(jobs);
  for (unsigned t = 0; t < jobs; ++t)
    threads.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) fn(i);
    });
  for (auto& t : threads) t.join();
}

// Computes item k into a T with work(k, T&) on up to `jobs` threads (0 = all cores; the calling one included)
// and hands each T to emit(T&) on the calling thread, in order, as soon as it and all before it are done. At
// most kAhead results exist at a time, so memory stays bounded and is reused, and emitting overlaps working;
// a waiting caller works instead of blocking. work and emit must not throw.
template <class T, class Work, class Emit>
void parallel_for_ordered(size_t n, Work&& work, Emit&& emit, unsigned jobs = 0) {
  constexpr size_t kAhead = 128;
  if (jobs == 0) jobs = default_jobs();
  struct Slot {
    T result;
    std::atomic<uint32_t> ready{0};
  };
  std::vector<Slot> slots(std::min(n, kAhead));
  std::atomic<size_t> next{0}, done{0};  // next item to claim; items emitted
  // Claims the next item into k if its slot is free; false when none is left or the window is full.
  auto claim = [&](size_t& k) {
    k = next.load();
    while (k < n && k < done.load() + kAhead)
      if (next.compare_exchange_weak(k, k + 1)) return true;
    return false;
  };
  auto run = [&](size_t k) {
    Slot& s = slots[k % kAhead];
    work(k, s.result);
    s.ready.store(1, std::memory_order_release);
    s.ready.notify_one();
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < std::min<size_t>(jobs, n); ++t)
    threads.emplace_back([&] {
      size_t k;
      while (next.load() < n) {
        size_t d = done.load();
        if (claim(k)) run(k);
        else if (next.load() < n) done.wait(d);  // the window is full: wait for the caller to emit
      }
    });
  for (size_t i = 0; i < n; ++i) {
    Slot& s = slots[i % kAhead];
    size_t k;
    while (!s.ready.load(std::memory_order_acquire)) {
      if (claim(k)) run(k);  // help instead of waiting
      else s.ready.wait(0, std::memory_order_acquire);
    }
    emit(s.result);
    s.result = T{};
    s.ready.store(0, std::memory_order_relaxed);
    done.store(i + 1);
    done.notify_all();
  }
  for (auto& t : threads) t.join();
}

}  // namespace ferry
