// Progress rendering for long commands (progress_line.hpp).
#include "progress_line.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace ferry::cli {

namespace {

std::string human_bytes(double b) {
  const char* unit[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) b /= 1000, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, unit[u]);
  return buf;
}

}  // namespace

ProgressLine::ProgressLine(bool forced, bool on_tty, std::chrono::milliseconds after)
    : forced_(forced), tty_(on_tty), after_(after), start_(Clock::now()), phase_start_(start_) {}

bool ProgressLine::due(Clock::time_point now, bool finished) const {
  if (!forced_ && now - start_ < after_) return false;  // short work shows nothing
  auto every = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(1000);
  return finished || !drawn_ || now - last_draw_ >= every;
}

void ProgressLine::draw(const std::string& text, bool erase) {
  if (tty_) {
    // One line, rewritten in place; erased when the phase ends so the command's own output starts clean.
    if (erase) std::fprintf(stderr, "\r\033[K");
    else std::fprintf(stderr, "\r%s\033[K", text.c_str());
  } else {
    std::fprintf(stderr, "%s\n", text.c_str());
  }
  std::fflush(stderr);
  drawn_ = !erase;
}

void ProgressLine::begin_item(size_t index, size_t count, const std::string& name) {
  item_ = "[" + std::to_string(index + 1) + "/" + std::to_string(count) + "] " + name + ": ";
  phase_ended_ = true;
  auto now = Clock::now();
  // On a terminal the line names the wheel at once, whatever the last draw (one draw per wheel); a pipe gets the
  // wheel with its phases' own lines.
  if (!tty_ || !due(now, true)) return;
  last_draw_ = now;
  draw(item_ + "starting", false);
}

void ProgressLine::report(const Progress& p) {
  auto now = Clock::now();
  // A new phase, or the same one again for the next wheel: its rate and ETA count from its own start.
  if (phase_ended_ || phase_ == nullptr || std::strcmp(phase_, p.phase) != 0) phase_ = p.phase, phase_start_ = now;
  phase_ended_ = p.finished;
  if (!due(now, p.finished)) return;
  last_draw_ = now;
  double secs = std::chrono::duration<double>(now - phase_start_).count();
  double rate = secs > 0.005 ? p.bytes_done / secs : 0;  // within 5 ms of its start a phase has no rate to show
  std::string line = item_ + p.phase + ": " + std::to_string(p.files_done) + "/" + std::to_string(p.files_total) +
                     " files, " + human_bytes(p.bytes_done) + "/" + human_bytes(p.bytes_total);
  if (rate > 0) line += ", " + human_bytes(rate) + "/s";
  if (!p.finished && rate > 0 && p.bytes_total > p.bytes_done)
    line += ", ETA " + std::to_string(static_cast<long>((p.bytes_total - p.bytes_done) / rate + 0.5)) + " s";
  draw(line, tty_ && p.finished);
}

std::shared_ptr<ProgressLine> progress_line(bool forced) {
  bool tty = isatty(STDERR_FILENO) == 1;
  if (!forced && !tty) return nullptr;
  std::chrono::milliseconds after = std::chrono::seconds(2);
  if (const char* ms = std::getenv("FERRY_PROGRESS_AFTER_MS"); ms && *ms) after = std::chrono::milliseconds(std::atol(ms));
  return std::make_shared<ProgressLine>(forced, tty, after);
}

ProgressFn progress_callback(const std::shared_ptr<ProgressLine>& line) {
  if (!line) return {};
  return [line](const Progress& p) { line->report(p); };
}

}  // namespace ferry::cli
