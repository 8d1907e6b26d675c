// appendf (appendf.hpp): vsnprintf twice, once to size and once to write.
#include "report/appendf.hpp"

#include <cstdarg>
#include <cstdio>

namespace ferry::report {

void appendf(std::string& out, const char* format, ...) {
  va_list args, copy;
  va_start(args, format);
  va_copy(copy, args);
  int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (n > 0) {
    size_t at = out.size();
    out.resize(at + static_cast<size_t>(n) + 1);
    std::vsnprintf(out.data() + at, static_cast<size_t>(n) + 1, format, args);
    out.resize(at + static_cast<size_t>(n));
  }
  va_end(args);
}

}  // namespace ferry::report
