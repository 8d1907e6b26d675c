// Draws the library's progress reports on stderr: on a terminal, one line rewritten in place (files, bytes, rate,
// ETA) once work has lasted about two seconds; on a pipe or in a CI log nothing, unless --progress asks for it
// (then a plain line at most once a second and one when each phase ends).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "support/progress.hpp"

namespace ferry::cli {

class ProgressLine {
public:
  // `forced`: --progress (draw whatever stderr is, from the start). `on_tty`: stderr is a terminal. `after`: how
  // long work runs before a terminal gets the line unasked.
  ProgressLine(bool forced, bool on_tty, std::chrono::milliseconds after = std::chrono::seconds(2));
  void report(const Progress& p);
  // A command over several wheels names the one it starts ("[3/224] foo-1.0-....whl"): the line starts with it,
  // so it counts the run, not only the wheel whose phases restart at 0, and a wheel whose reader reports no
  // progress of its own (macOS, Windows) still moves the line.
  void begin_item(size_t index, size_t count, const std::string& name);

private:
  using Clock = std::chrono::steady_clock;
  bool due(Clock::time_point now, bool finished) const;
  void draw(const std::string& text, bool erase);
  bool forced_, tty_;
  std::chrono::milliseconds after_;
  Clock::time_point start_, phase_start_, last_draw_{};
  const char* phase_ = nullptr;
  bool phase_ended_ = true;  // the next report starts a phase: its rate and ETA count from then
  std::string item_;         // "[3/224] name: ", or empty
  bool drawn_ = false;
};

// The line for a command's options, or null when nothing would ever be drawn. FERRY_PROGRESS_AFTER_MS
// (milliseconds) replaces the ~2 s a terminal waits before drawing unasked (the tests draw at once with 0).
std::shared_ptr<ProgressLine> progress_line(bool forced);
// The library's callback drawing on `line` (empty for a null line).
ProgressFn progress_callback(const std::shared_ptr<ProgressLine>& line);
inline ProgressFn progress_callback(bool forced) { return progress_callback(progress_line(forced)); }

}  // namespace ferry::cli
