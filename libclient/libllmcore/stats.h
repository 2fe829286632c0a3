// Request statistics: the daemon's statistics dictionary as llmcore_stats,
// and the outcome of a finished request.
#pragma once

#include <string>

#include "dict.h"
#include "llmcore.h"
#include "status.h"

namespace llmcore::lib {

// Statistics of a finished request, as the daemon sent them.
struct Stats {
  llmcore_stats values{};  // struct_size = sizeof(llmcore_stats)
  std::string error;       // the "error" key
  // Set when the daemon named the failure (a ring ERROR event): the
  // llmcore_status to return, with `error` as the whole message.
  int error_code = 0;
};

Stats StatsFromDict(const Dict& dict);

// What a request with these statistics returns: OK, error_code or FAILED for
// stop reason "error" (with the daemon's message), INTERRUPTED for
// "shutdown".
Error OutcomeOf(const Stats& stats);

// Copies into a caller's struct, no byte past its struct_size (NULL: nothing).
void CopyStatsOut(const Stats& stats, llmcore_stats* out);

}  // namespace llmcore::lib
