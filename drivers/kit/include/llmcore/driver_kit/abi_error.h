// The driver ABI's error convention (driver.h, "Errors"), shared by every
// compute driver: a negative errno value returned, and the same code plus a
// message written to the caller's llmcore_error.
//
// Ownership: nothing is kept; `error` is the caller's and may be NULL.
// Thread safety: pure functions writing only the given llmcore_error.
#pragma once

#include <cstdint>
#include <string_view>

#include "llmcore/driver.h"
#include "llmcore/status.h"

namespace llmcore::driver_kit {

// The errno (positive) the ABI uses for a StatusCode:
//   kInvalidArgument -> EINVAL    kCorrupt -> EPROTO     kUnsupported -> ENOTSUP
//   kOutOfRange -> ERANGE         kResourceExhausted -> ENOSPC
//   kPermissionDenied -> EPERM    kNotFound -> ENOENT
//   kIoError, kInternal and the rest -> EIO (a non-finite logit is kIoError)
int ErrnoOf(StatusCode code);

// Writes `code` (negative) and `message` (truncated to fit, NUL-terminated)
// to `error` when it is not NULL; returns `code`.
int32_t SetError(llmcore_error* error, int32_t code, std::string_view message);

// 0 for an ok status; otherwise SetError(error, -ErrnoOf(code), message).
int32_t ReportStatus(const Status& status, llmcore_error* error);

// Allocation failures are not Statuses: std::bad_alloc propagates to the
// entry points (entry_glue.h), which answer -ENOMEM.

}  // namespace llmcore::driver_kit
