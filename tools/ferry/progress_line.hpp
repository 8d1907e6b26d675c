// Draws the library's progress reports on stderr: on a terminal, one line rewritten in place (files, bytes, rate,
// ETA) once work has lasted about two seconds; on a pipe or in a CI log nothing, unless --progress asks for it
// (then a plain line at most once a second and one when each phase ends).
#pragma once

#include <chrono>
#include <memory>

#include "support/progress.hpp"

namespace ferry::cli {

class ProgressLine {
public:
  // `forced`: --progress (draw whatever stderr is, from the start). `on_tty`: stderr is a terminal. `after`: how
  // long work runs before a terminal gets the line unasked.
  ProgressLine(bool forced, bool on_tty, std::chrono::milliseconds after = std::chrono::seconds(2));
  void report(const Progress& p);

private:
  using Clock = std::chrono::steady_clock;
  bool forced_, tty_;
  std::chrono::milliseconds after_;
  Clock::time_point start_, phase_start_, last_draw_{};
  const char* phase_ = nullptr;
  bool drawn_ = false;
};

// The callback for a command's options, or an empty one when nothing would ever be drawn. FERRY_PROGRESS_AFTER_MS
// (milliseconds) replaces the ~2 s a terminal waits before drawing unasked (the tests draw at once with 0).
ProgressFn progress_callback(bool forced);

}  // namespace ferry::cli
