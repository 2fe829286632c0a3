// Reading a whole file of bounded size into memory.
#pragma once

#include <cstddef>
#include <string>

#include "llmcore/status.h"

namespace llmcore::hal::internal {

// The contents of `path`. Reads until EOF rather than trusting st_size, which
// is 0 for /proc and /sys files. Errors: the errno of open/read naming the
// path; kResourceExhausted when the file holds more than `max_bytes`.
Result<std::string> ReadWholeFile(const std::string& path, size_t max_bytes);

}  // namespace llmcore::hal::internal
