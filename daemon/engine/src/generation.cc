#include "llmcore/engine/generation.h"

namespace llmcore::engine {

std::string_view StopReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::kEndOfGeneration: return "eos";
    case StopReason::kMaxTokens: return "length";
    case StopReason::kStopString: return "stop";
    case StopReason::kContextFull: return "context";
    case StopReason::kCancelled: return "cancelled";
    case StopReason::kError: return "error";
    case StopReason::kShutdown: return "shutdown";
  }
  return "error";
}

}  // namespace llmcore::engine
