// Status and Result<T>: the error convention inside llmcore's C++ code.
//
// Policy (see README, "Errors"): functions that can fail on outside input or on
// the operating system return a Status or a Result<T>; they never throw across
// a component boundary and never abort on bad input. The message names what was
// wrong in words a person can act on ("gguf: truncated file: ... at byte 24").
// C ABIs translate a Status to a negative errno-style code plus the message;
// D-Bus maps codes to named errors.
//
// Thread safety: values; copy freely between threads.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace llmcore {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // the caller passed something malformed
  kNotFound,           // a named thing does not exist
  kAlreadyExists,      //
  kPermissionDenied,   //
  kCorrupt,            // outside data (a file, a ring) breaks its format's rules
  kUnsupported,        // well-formed but not something we implement
  kOutOfRange,         //
  kResourceExhausted,  // a limit or the machine's memory was reached
  kUnavailable,        // a facility (io_uring, hugepages, a device) is absent
  kCancelled,          // the caller asked to stop
  kIoError,            // the OS reported an I/O failure
  kInternal,           // a broken invariant of our own
};

// Short stable name of a code ("corrupt", "not-found"), for logs and tools.
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "<code-name>: <message>", or "ok".
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>".
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Builds a Status from an errno value: "<what>: <strerror(err)>". Maps ENOENT to
// kNotFound, EACCES/EPERM to kPermissionDenied, ENOMEM to kResourceExhausted,
// ENOSYS/EOPNOTSUPP/EINVAL-on-unsupported-flags to kUnavailable where given
// explicitly by the caller; everything else to kIoError.
Status ErrnoStatus(int err, std::string_view what);

// Result<T>: either a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  static_assert(!std::is_same_v<T, Status>, "use Status directly");

  Result(T value) : v_(std::move(value)) {}                     // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {               // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result built from an ok Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  // The error; Status::Ok() when the result holds a value.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace llmcore

// Returns early with the Status of `expr` when it is not ok.
#define LLMCORE_RETURN_IF_ERROR(expr)               \
  do {                                              \
    ::llmcore::Status llmcore_status_ = (expr);     \
    if (!llmcore_status_.ok()) return llmcore_status_; \
  } while (0)

#define LLMCORE_CONCAT_INNER_(a, b) a##b
#define LLMCORE_CONCAT_(a, b) LLMCORE_CONCAT_INNER_(a, b)

// `LLMCORE_ASSIGN_OR_RETURN(auto x, F());` declares x from a Result's value, or
// returns its Status.
#define LLMCORE_ASSIGN_OR_RETURN(decl, expr)                                   \
  auto LLMCORE_CONCAT_(llmcore_result_, __LINE__) = (expr);                   \
  if (!LLMCORE_CONCAT_(llmcore_result_, __LINE__).ok())                       \
    return LLMCORE_CONCAT_(llmcore_result_, __LINE__).status();               \
  decl = std::move(LLMCORE_CONCAT_(llmcore_result_, __LINE__)).value()
