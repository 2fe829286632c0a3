// Limits and failures: busy answers, fairness between users, a full
// context, Stop() with work in flight, the heartbeat (and the test fault
// that stops it), and a forward pass that fails.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <thread>

#include "engine_test_util.h"
#include "llmcore/testing/testing.h"

namespace llmcore::engine {
namespace {

using testing::Endless;
using testing::Generate;
using testing::Greedy;
using testing::RecordingSink;
using testing::SlowSink;

TEST(LimitsTest, FullQueuesAnswerBusy) {
  SchedulerLimits limits;
  limits.max_queued = 3;
  limits.max_queued_per_uid = 2;
  auto scheduler = testing::StartScheduler(testing::Stories({.n_seq = 6}), limits);
  std::vector<SequenceId> a, b;
  for (int i = 0; i < 3; ++i) a.push_back(*scheduler->OpenSequence(1));
  for (int i = 0; i < 2; ++i) b.push_back(*scheduler->OpenSequence(2));
  std::vector<std::shared_ptr<RecordingSink>> sinks;
  auto submit = [&](SequenceId seq) {
    sinks.push_back(SlowSink());
    return scheduler->Submit(seq, TextPrompt{"Once upon a time"}, Endless(), sinks.back());
  };
  ASSERT_TRUE(submit(a[0]).ok());
  ASSERT_TRUE(submit(a[1]).ok());
  auto per_uid = submit(a[2]);
  EXPECT_EQ(per_uid.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(per_uid.status().message().find("user 1"), std::string::npos);
  ASSERT_TRUE(submit(b[0]).ok());
  auto total = submit(b[1]);
  EXPECT_EQ(total.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(total.status().message().find("busy"), std::string::npos);
  EXPECT_EQ(scheduler->Embed(3, {"hi"}, [](auto) {}).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(scheduler->load().requests_active, 3u);

  // A request that ends makes room.
  scheduler->Cancel(a[0]);
  EXPECT_EQ(sinks[0]->Wait().stop_reason, StopReason::kCancelled);
  EXPECT_TRUE(submit(b[1]).ok());
  scheduler->Stop();
  EXPECT_EQ(scheduler->load().requests_active, 0u);
}

TEST(LimitsTest, UsersShareTheBatchNotSequences) {
  // uid 1 sends three long prompts, uid 2 one, at the same moment: uid 2
  // gets half of every step, so its prompt is done long before uid 1's.
  auto scheduler = testing::StartScheduler(testing::Stories({.n_seq = 4, .n_batch = 8}));
  std::string prompt;
  for (int i = 0; i < 6; ++i) prompt += "The cat sat on the mat. ";
  std::atomic<int> order{0};
  std::vector<int> first_token(4, -1);
  std::vector<std::shared_ptr<RecordingSink>> sinks;
  testing::OccupyWorker(*scheduler);
  for (uid_t uid : {1, 1, 1, 2}) {
    auto seq = scheduler->OpenSequence(uid);
    ASSERT_TRUE(seq.ok());
    auto sink = std::make_shared<RecordingSink>();
    const size_t k = sinks.size();
    sink->set_on_token([&, k](size_t n) {
      if (n == 1) first_token[k] = order++;
    });
    sinks.push_back(sink);
    ASSERT_TRUE(scheduler->Submit(*seq, TextPrompt{prompt}, Greedy(2), sink).ok());
  }
  for (auto& sink : sinks) {
    const GenerationStats stats = sink->Wait();
    EXPECT_EQ(stats.stop_reason, StopReason::kMaxTokens);
    EXPECT_GT(stats.prompt_tokens, 50u);
  }
  EXPECT_EQ(first_token[3], 0) << "uid 2's prompt should finish first";
}

TEST(LimitsTest, ContextFullEndsTheGeneration) {
  auto scheduler = testing::StartScheduler(testing::Stories({.n_seq = 1}));
  auto seq = scheduler->OpenSequence(1);
  ASSERT_TRUE(seq.ok());
  const auto g = Generate(*scheduler, *seq, TextPrompt{"Once upon a time"}, Endless());
  EXPECT_EQ(g.stats.stop_reason, StopReason::kContextFull);
  // Positions 0..127: 5 of prompt, 123 fed back, and the last one sampled
  // from position 127, which has nowhere to go.
  EXPECT_EQ(g.stats.generated_tokens, 124u);
  // Nothing fits any more.
  const auto more = Generate(*scheduler, *seq, TextPrompt{" and"}, Greedy(4));
  EXPECT_EQ(more.stats.stop_reason, StopReason::kContextFull);
  EXPECT_EQ(more.stats.generated_tokens, 0u);
}

TEST(LimitsTest, APromptLongerThanTheContextEndsAtOnce) {
  auto scheduler = testing::StartScheduler(testing::Stories({.n_seq = 1}));
  auto seq = scheduler->OpenSequence(1);
  ASSERT_TRUE(seq.ok());
  std::string prompt;
  for (int i = 0; i < 40; ++i) prompt += "The cat sat on the mat. ";
  const auto g = Generate(*scheduler, *seq, TextPrompt{prompt}, Greedy(4));
  EXPECT_EQ(g.stats.stop_reason, StopReason::kContextFull);
  EXPECT_TRUE(g.tokens.empty());
  // The sequence is untouched and serves the next request.
  const auto next = Generate(*scheduler, *seq, TextPrompt{"Once upon a time"}, Greedy(3));
  EXPECT_EQ(next.stats.stop_reason, StopReason::kMaxTokens);
  EXPECT_EQ(next.stats.cached_tokens, 0u);
  EXPECT_EQ(next.text, ", there was");
}

TEST(LimitsTest, StopEndsEveryRequestExactlyOnce) {
  auto scheduler = testing::StartScheduler(testing::Stories({.n_seq = 8}));
  std::vector<std::shared_ptr<RecordingSink>> sinks;
  for (int i = 0; i < 8; ++i) {
    auto seq = scheduler->OpenSequence(static_cast<uid_t>(i));
    ASSERT_TRUE(seq.ok());
    sinks.push_back(SlowSink());
    ASSERT_TRUE(
        scheduler->Submit(*seq, TextPrompt{"Once upon a time"}, Endless(), sinks.back()).ok());
  }
  std::atomic<int> embeds_done{0};
  ASSERT_TRUE(scheduler->Embed(99, {"a", "b"}, [&](auto) { ++embeds_done; }).ok());
  scheduler->Stop();
  for (auto& sink : sinks) {
    ASSERT_TRUE(sink->finished());
    EXPECT_EQ(sink->finish_count(), 1);
    EXPECT_EQ(sink->Wait().stop_reason, StopReason::kShutdown);
    EXPECT_FALSE(sink->out_of_order());
  }
  EXPECT_EQ(embeds_done, 1);
  EXPECT_EQ(scheduler->load().requests_active, 0u);
  // Stopped: nothing new is taken, and stopping again changes nothing.
  EXPECT_EQ(scheduler->OpenSequence(1).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(scheduler->Submit(0, TextPrompt{"x"}, Greedy(1), std::make_shared<RecordingSink>())
                .status()
                .code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(scheduler->Embed(1, {"x"}, [](auto) {}).code(), StatusCode::kUnavailable);
  scheduler->Stop();
  scheduler.reset();  // the destructor stops too
}

TEST(LimitsTest, HeartbeatWhileIdle) {
  std::atomic<int> beats{0};
  auto scheduler = testing::StartScheduler(testing::Stories({.n_seq = 1}), {}, [&] { ++beats; });
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  EXPECT_GE(beats.load(), 2);
}

TEST(LimitsTest, HangFaultStopsTheHeartbeatUntilStop) {
  std::atomic<int> beats{0};
  ::setenv("LLMCORED_TEST_FAULT", "hang-worker", 1);
  auto scheduler = testing::StartScheduler(testing::Stories({.n_seq = 1}), {}, [&] { ++beats; });
  ::unsetenv("LLMCORED_TEST_FAULT");
  auto seq = scheduler->OpenSequence(1);
  ASSERT_TRUE(seq.ok());
  auto sink = std::make_shared<RecordingSink>();
  ASSERT_TRUE(scheduler->Submit(*seq, TextPrompt{"llmcored-test-hang"}, Greedy(4), sink).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int before = beats.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(beats.load(), before) << "the hung worker still beats";
  EXPECT_FALSE(sink->finished());
  scheduler->Stop();
  EXPECT_EQ(sink->Wait().stop_reason, StopReason::kShutdown);
}

TEST(LimitsTest, TheHangPromptIsPlainTextWithoutTheFault) {
  auto scheduler = testing::StartScheduler(testing::Stories({.n_seq = 1}));
  auto seq = scheduler->OpenSequence(1);
  ASSERT_TRUE(seq.ok());
  const auto g = Generate(*scheduler, *seq, TextPrompt{"llmcored-test-hang"}, Greedy(2));
  EXPECT_EQ(g.stats.stop_reason, StopReason::kMaxTokens);
}

// The tiny model with the embedding row of one token made NaN: any batch
// that asks for logits after it fails in the driver (-EIO).
class FailingForwardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto stories = testing::Stories({.n_seq = 1});
    auto tokens = stories->tokenizer().Encode(kPoisonText);
    ASSERT_TRUE(tokens.ok());
    poison_ = tokens->back();
    const std::string path = testing::TempFile("stories-poisoned.gguf");
    testing::GgufEdits edits;
    edits.tensor = [this](const gguf::TensorInfo& t, std::vector<std::byte>& data) {
      if (t.name != "token_embd.weight") return;
      const float nan = std::nanf("");
      for (uint64_t i = 0; i < t.ne[0]; ++i) {
        std::memcpy(&data[(static_cast<uint64_t>(poison_) * t.ne[0] + i) * sizeof(float)], &nan,
                    sizeof nan);
      }
    };
    testing::CopyGguf(testing::BundledModelPath(), path, edits);
    scheduler_ = testing::StartScheduler(testing::LoadModel(path, {.n_seq = 3}, "poisoned"));
  }

  static constexpr const char* kPoisonText = "The zebra";
  text::TokenId poison_ = 0;
  std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(FailingForwardTest, EndsTheBatchsRequestsAndResetsTheirSequences) {
  auto good = scheduler_->OpenSequence(1);
  auto bad = scheduler_->OpenSequence(2);
  ASSERT_TRUE(good.ok() && bad.ok());
  // The good sequence first holds some text of its own.
  const auto before = Generate(*scheduler_, *good, TextPrompt{"Once upon a time"}, Greedy(3));
  ASSERT_EQ(before.stats.stop_reason, StopReason::kMaxTokens);

  testing::OccupyWorker(*scheduler_);
  auto good_sink = std::make_shared<RecordingSink>();
  auto bad_sink = std::make_shared<RecordingSink>();
  ASSERT_TRUE(scheduler_->Submit(*good, TextPrompt{" there"}, Greedy(3), good_sink).ok());
  ASSERT_TRUE(scheduler_->Submit(*bad, TextPrompt{kPoisonText}, Greedy(3), bad_sink).ok());
  for (auto* sink : {&good_sink, &bad_sink}) {
    const GenerationStats stats = (*sink)->Wait();
    EXPECT_EQ(stats.stop_reason, StopReason::kError);
    EXPECT_EQ(stats.error.code(), StatusCode::kIoError) << stats.error.ToString();
    EXPECT_NE(stats.error.message().find("NaN"), std::string::npos) << stats.error.ToString();
    EXPECT_TRUE((*sink)->tokens().empty());
  }
  // Both start clean; the scheduler keeps serving.
  const auto after = Generate(*scheduler_, *good, TextPrompt{"Once upon a time"}, Greedy(3));
  EXPECT_EQ(after.stats.stop_reason, StopReason::kMaxTokens);
  EXPECT_EQ(after.stats.cached_tokens, 0u);
  EXPECT_EQ(after.text, ", there was");
  const auto again = Generate(*scheduler_, *bad, TextPrompt{kPoisonText}, Greedy(3));
  EXPECT_EQ(again.stats.stop_reason, StopReason::kError);
  EXPECT_EQ(again.stats.cached_tokens, 0u);
}

}  // namespace
}  // namespace llmcore::engine
