// Progress of long work (checking members, writing a wheel), reported by the library through a callback the
// caller passes in its options; the library never writes to the terminal, the CLI draws the line.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>

namespace ferry {

struct Progress {
  const char* phase = "";  // what is being done: "checking", "writing"
  uint64_t files_done = 0, files_total = 0;
  uint64_t bytes_done = 0, bytes_total = 0;  // uncompressed bytes
  bool finished = false;                     // the last call of this phase
};
using ProgressFn = std::function<void(const Progress&)>;

// Counts work done from any thread and tells the callback, one call at a time (under a lock). A null or empty
// callback costs nothing but the counting.
class ProgressMeter {
public:
  ProgressMeter(const ProgressFn* fn, const char* phase, uint64_t files_total, uint64_t bytes_total) : fn_(fn) {
    p_.phase = phase, p_.files_total = files_total, p_.bytes_total = bytes_total;
  }
  ProgressMeter(const ProgressMeter&) = delete;
  ProgressMeter& operator=(const ProgressMeter&) = delete;
  void add(uint64_t files, uint64_t bytes) {
    if (!fn_ || !*fn_) return;
    std::lock_guard<std::mutex> lock(mu_);
    p_.files_done += files, p_.bytes_done += bytes;
    (*fn_)(p_);
  }
  void finish() {
    if (!fn_ || !*fn_) return;
    std::lock_guard<std::mutex> lock(mu_);
    p_.finished = true;
    (*fn_)(p_);
  }

private:
  const ProgressFn* fn_;
  std::mutex mu_;
  Progress p_;
};

// Wall time per named step of a long operation (repair: scan, patch, write...), told to a callback the caller
// passes in its options; the CLI prints the steps when FERRY_TIMINGS is set. A null or empty callback costs a
// clock read per step.
using StepFn = std::function<void(const char* step, double seconds)>;
class StepClock {
public:
  explicit StepClock(const StepFn* fn) : fn_(fn), last_(std::chrono::steady_clock::now()) {}
  // The time since the previous mark (or since construction) is `step`'s.
  void mark(const char* step) {
    auto now = std::chrono::steady_clock::now();
    if (fn_ && *fn_) (*fn_)(step, std::chrono::duration<double>(now - last_).count());
    last_ = now;
  }

private:
  const StepFn* fn_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace ferry
