// Rendering of errors as the one-line messages the CLI prints.
#include "support/result.hpp"

#include <cstdio>

namespace ferry {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::io: return "io";
    case ErrorCode::format: return "format";
    case ErrorCode::unsupported: return "unsupported";
    case ErrorCode::usage: return "usage";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::verify: return "verify";
    case ErrorCode::policy: return "policy";
  }
  return "unknown";
}

std::string Error::describe() const {
  std::string out;
  if (!path.empty()) out = path + ": ";
  out += message;
  if (offset) {
    char buf[40];
    std::snprintf(buf, sizeof buf, " (at offset 0x%llx)", static_cast<unsigned long long>(*offset));
    out += buf;
  }
  return out;
}

Error make_error(ErrorCode code, std::string message, std::optional<uint64_t> offset) {
  Error e;
  e.code = code;
  e.message = std::move(message);
  e.offset = offset;
  return e;
}

}  // namespace ferry
