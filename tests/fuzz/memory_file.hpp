// Shared by the harnesses whose readers take a path (tar_fuzz, zip_fuzz): the fuzz input becomes a memory file
// named through /proc, and need_message aborts (a finding) when a reader returns an error without a message.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "support/result.hpp"

namespace ferry::fuzz {

inline void need_message(const Error& e) {
  if (e.message.empty()) std::abort();
}

// The input as a file descriptor and its /proc path; ok() is false when it cannot be made (the run is skipped).
class MemoryFile {
 public:
  MemoryFile(const char* name, const uint8_t* data, size_t size) : fd_(memfd_create(name, MFD_CLOEXEC)) {
    if (fd_ >= 0 && write(fd_, data, size) != static_cast<ssize_t>(size)) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~MemoryFile() {
    if (fd_ >= 0) close(fd_);
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

}  // namespace ferry::fuzz
