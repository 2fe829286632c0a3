#include "stats.h"

#include <cstring>

namespace llmcore::lib {
namespace {

llmcore_stop_reason StopReasonOf(const std::string& text) {
  if (text == "eos") return LLMCORE_STOP_EOS;
  if (text == "length") return LLMCORE_STOP_LENGTH;
  if (text == "stop") return LLMCORE_STOP_STRING;
  if (text == "context") return LLMCORE_STOP_CONTEXT;
  if (text == "cancelled") return LLMCORE_STOP_CANCELLED;
  if (text == "error") return LLMCORE_STOP_ERROR;
  if (text == "shutdown") return LLMCORE_STOP_SHUTDOWN;
  return LLMCORE_STOP_UNKNOWN;
}

uint32_t Clamp32(uint64_t value) {
  return value > UINT32_MAX ? UINT32_MAX : uint32_t(value);
}

}  // namespace

Stats StatsFromDict(const Dict& dict) {
  Stats stats;
  llmcore_stats_init(&stats.values);
  stats.values.prompt_tokens = Clamp32(DictUnsigned(dict, "prompt_tokens"));
  stats.values.cached_tokens = Clamp32(DictUnsigned(dict, "cached_tokens"));
  stats.values.generated_tokens = Clamp32(DictUnsigned(dict, "generated_tokens"));
  stats.values.queue_ms = DictDouble(dict, "queue_ms");
  stats.values.prefill_ms = DictDouble(dict, "prefill_ms");
  stats.values.decode_ms = DictDouble(dict, "decode_ms");
  stats.values.tokens_per_second = DictDouble(dict, "tokens_per_second");
  stats.error = DictString(dict, "error");
  stats.values.stop_reason = StopReasonOf(DictString(dict, "stop_reason"));
  return stats;
}

Error OutcomeOf(const Stats& stats) {
  if (stats.values.stop_reason == LLMCORE_STOP_ERROR) {
    if (stats.error_code != 0) return Error{stats.error_code, stats.error};
    return Error{
        LLMCORE_ERROR_FAILED,
        "Failed: " + (stats.error.empty() ? std::string("the request failed") : stats.error)};
  }
  if (stats.values.stop_reason == LLMCORE_STOP_SHUTDOWN) {
    return Error{LLMCORE_ERROR_INTERRUPTED,
                 "interrupted: the service stopped the request (it is stopping, or unloaded "
                 "the model)"};
  }
  return Error::Ok();
}

void CopyStatsOut(const Stats& stats, llmcore_stats* out) {
  if (out == nullptr || out->struct_size < sizeof(size_t)) return;
  const size_t n =
      out->struct_size < sizeof(llmcore_stats) ? out->struct_size : sizeof(llmcore_stats);
  const size_t caller_size = out->struct_size;
  std::memcpy(static_cast<void*>(out), static_cast<const void*>(&stats.values), n);
  out->struct_size = caller_size;
}

}  // namespace llmcore::lib
