// Result and error types shared by every ferry module.
// Library functions never throw across module boundaries: they return Result<T>, whose error names the file,
// the structure and the offset (LLVM Object's style: "DT_NEEDED #2: string offset 0x1f4 is past the end ...").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace ferry {

enum class ErrorCode {
  io,          // the file could not be opened, read or written
  format,      // the bytes are not what the format requires (truncated, out of bounds, looping)
  unsupported, // a valid file ferry cannot handle (unknown format, feature not implemented)
  usage,       // the caller asked for something inconsistent
  not_found,   // something looked up does not exist
  verify,      // an output failed ferry's own verification
  policy,      // a requested target cannot be met
};

const char* to_string(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::format;
  std::string message;  // lower case, names the structure and the bad value
  std::string path;     // file the error is about, empty when not file-related
  std::optional<uint64_t> offset;  // file offset of the bad structure, when known

  // "path: message (at offset 0x1f4)" — one line, as the CLI prints it.
  std::string describe() const;
  Error with_path(std::string p) const {
    Error e = *this;
    if (e.path.empty()) e.path = std::move(p);
    return e;
  }
};

Error make_error(ErrorCode code, std::string message, std::optional<uint64_t> offset = std::nullopt);

template <class T>
class [[nodiscard]] Result {
public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
  Result() = default;
  Result(Error error) : e_(std::move(error)) {}
  bool ok() const { return !e_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *e_; }

private:
  std::optional<Error> e_;
};

using Status = Result<void>;

// Propagate an error from an expression returning Result<...>.
#define FERRY_TRY(var, expr)                          \
  auto var##_result__ = (expr);                        \
  if (!var##_result__) return var##_result__.error(); \
  auto& var = var##_result__.value()

#define FERRY_CHECK(expr)                 \
  do {                                    \
    auto r__ = (expr);                    \
    if (!r__) return r__.error();         \
  } while (0)

}  // namespace ferry
