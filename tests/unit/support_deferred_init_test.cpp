// The runner of constructors moved out of start-up (support/deferred_init.hpp): every function placed in the
// section ferry_deferred_init runs once per process, however many callers and threads ask for it.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "support/deferred_init.hpp"

namespace {
std::atomic<int> runs{0};
void deferred_constructor() { runs.fetch_add(1); }
// What tools/static/defer_lief_init.sh makes of LIEF's .init_array entry: a pointer in the section.
[[gnu::used, gnu::section("ferry_deferred_init")]] void (*const entry)() = deferred_constructor;
}  // namespace

TEST_CASE("deferred constructors run once, on the first call, whatever the number of callers and threads") {
  ferry::run_deferred_constructors();
  CHECK(runs.load() == 1);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([] { ferry::run_deferred_constructors(); });
  for (auto& t : threads) t.join();
  ferry::run_deferred_constructors();
  CHECK(runs.load() == 1);
}
