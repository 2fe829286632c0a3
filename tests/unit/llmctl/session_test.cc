// The pure parts of run's libllmcore session: statistics as the JSON that
// --json prints (the keys and order of the daemon's Finished signal) and the
// --verbose summary made from it. Sessions against the daemon are tested in
// tests/integration/test_llmctl.py.
#include "session.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "format.h"

namespace llmcore::llmctl {
namespace {

llmcore_stats SampleStats() {
  llmcore_stats stats;
  llmcore_stats_init(&stats);
  stats.prompt_tokens = 5;
  stats.cached_tokens = 2;
  stats.generated_tokens = 40;
  stats.queue_ms = 0.1;
  stats.prefill_ms = 1.2;
  stats.decode_ms = 12.5;
  stats.tokens_per_second = 3200.0;
  stats.stop_reason = LLMCORE_STOP_LENGTH;
  return stats;
}

TEST(LlmctlSessionTest, StatsJsonHasTheFinishedSignalsKeysInItsOrder) {
  const Json stats = StatsJson(SampleStats(), "");
  std::vector<std::string> keys;
  for (const auto& [key, value] : stats.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"prompt_tokens", "cached_tokens", "generated_tokens",
                                            "queue_ms", "prefill_ms", "decode_ms",
                                            "tokens_per_second", "stop_reason", "error"}));
  EXPECT_EQ(stats["generated_tokens"], 40);
  EXPECT_EQ(stats["decode_ms"], 12.5);
  EXPECT_EQ(stats["stop_reason"], "length");
  EXPECT_EQ(stats["error"], "");
  llmcore_stats failed = SampleStats();
  failed.stop_reason = LLMCORE_STOP_ERROR;
  EXPECT_EQ(StatsJson(failed, "out of KV cache")["error"], "out of KV cache");
}

TEST(LlmctlSessionTest, VerboseSummaryOfTheStats) {
  EXPECT_EQ(FormatStats(StatsJson(SampleStats(), "")),
            "5 prompt tokens (2 cached), 40 generated; queue 0.1 ms, prefill 1.2 ms, "
            "decode 12.5 ms (3200.0 tokens/s); stop: length");
}

TEST(LlmctlSessionTest, StopReasonsHaveTheDaemonsNames) {
  EXPECT_STREQ(StopReasonName(LLMCORE_STOP_EOS), "eos");
  EXPECT_STREQ(StopReasonName(LLMCORE_STOP_LENGTH), "length");
  EXPECT_STREQ(StopReasonName(LLMCORE_STOP_STRING), "stop");
  EXPECT_STREQ(StopReasonName(LLMCORE_STOP_CONTEXT), "context");
  EXPECT_STREQ(StopReasonName(LLMCORE_STOP_CANCELLED), "cancelled");
  EXPECT_STREQ(StopReasonName(LLMCORE_STOP_ERROR), "error");
  EXPECT_STREQ(StopReasonName(LLMCORE_STOP_SHUTDOWN), "shutdown");
  EXPECT_STREQ(StopReasonName(LLMCORE_STOP_UNKNOWN), "unknown");
  EXPECT_STREQ(StopReasonName(99), "unknown");
}

}  // namespace
}  // namespace llmcore::llmctl
