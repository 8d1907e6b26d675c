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

void ProgressLine::report(const Progress& p) {
  auto now = Clock::now();
  if (phase_ == nullptr || std::strcmp(phase_, p.phase) != 0) phase_ = p.phase, phase_start_ = now;
  if (!forced_ && now - start_ < after_) return;  // short work shows nothing
  auto every = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(1000);
  if (!p.finished && drawn_ && now - last_draw_ < every) return;
  last_draw_ = now;
  double secs = std::chrono::duration<double>(now - phase_start_).count();
  double rate = secs > 0.05 ? p.bytes_done / secs : 0;
  std::string line = std::string(p.phase) + ": " + std::to_string(p.files_done) + "/" +
                     std::to_string(p.files_total) + " files, " + human_bytes(p.bytes_done) + "/" +
                     human_bytes(p.bytes_total) + ", " + human_bytes(rate) + "/s";
  if (!p.finished && rate > 0 && p.bytes_total > p.bytes_done)
    line += ", ETA " + std::to_string(static_cast<long>((p.bytes_total - p.bytes_done) / rate + 0.5)) + " s";
  if (tty_) {
    // One line, rewritten in place; erased when the phase ends so the command's own output starts clean.
    if (p.finished) std::fprintf(stderr, "\r\033[K");
    else std::fprintf(stderr, "\r%s\033[K", line.c_str());
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
  drawn_ = !p.finished;
}

ProgressFn progress_callback(bool forced) {
  bool tty = isatty(STDERR_FILENO) == 1;
  if (!forced && !tty) return {};
  std::chrono::milliseconds after = std::chrono::seconds(2);
  if (const char* ms = std::getenv("FERRY_PROGRESS_AFTER_MS"); ms && *ms) after = std::chrono::milliseconds(std::atol(ms));
  auto line = std::make_shared<ProgressLine>(forced, tty, after);
  return [line](const Progress& p) { line->report(p); };
}

}  // namespace ferry::cli
