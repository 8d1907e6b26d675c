// Runs independent work items on all cores; results are stored by index so output order stays stable.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
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

}  // namespace ferry
