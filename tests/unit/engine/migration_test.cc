// Driver hot swap at the engine level: Scheduler::Migrate moves every
// sequence onto another instance of the model between two forward passes,
// by KV export/import or by re-processing token histories, while requests
// keep generating; a failed move leaves the old instance serving.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <future>
#include <thread>

#include "engine_test_util.h"
#include "instance_prefill.h"
#include "llmcore/driver_host/driver_instance.h"
#include "llmcore/engine/cross_check.h"
#include "llmcore/testing/testing.h"

namespace llmcore::engine {
namespace {

using testing::Greedy;
using testing::RecordingSink;

std::shared_ptr<driver_host::DriverContext> ReferenceDriver() {
  static auto driver = testing::OpenDriver(LLMCORE_TEST_REFERENCE_DRIVER);
  return driver;
}

// Migrates and waits for the outcome.
Result<MigrationReport> MigrateNow(Scheduler& scheduler, LoadedModel& model,
                                   std::shared_ptr<driver_host::DriverContext> driver,
                                   MigrationOptions options = {}, uint32_t n_threads = 1) {
  auto next = model.BuildInstance({std::move(driver), 0, n_threads});
  if (!next.ok()) return next.status();
  auto outcome = std::make_shared<std::promise<Result<MigrationReport>>>();
  auto future = outcome->get_future();
  const Status queued =
      scheduler.Migrate(std::move(next).value(), options,
                        [outcome](Result<MigrationReport> r) { outcome->set_value(std::move(r)); });
  if (!queued.ok()) return queued;
  if (future.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    return Status(StatusCode::kInternal, "the migration did not finish");
  }
  return future.get();
}

void WaitForTokens(const RecordingSink& sink, size_t n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (sink.token_count() < n && !sink.finished()) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no tokens";
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

const std::vector<std::string> kPrompts = {"Once upon a time", "The cat", "Lily went to the park",
                                           "One day"};
constexpr uint32_t kTokens = 40;

// The greedy tokens of each prompt, each on its own sequence, without swaps.
std::vector<std::vector<text::TokenId>> Baseline() {
  auto scheduler = testing::StartScheduler(testing::Stories({.n_seq = 4}));
  std::vector<std::vector<text::TokenId>> out;
  for (const std::string& prompt : kPrompts) {
    auto seq = scheduler->OpenSequence(1);
    EXPECT_TRUE(seq.ok());
    out.push_back(testing::Generate(*scheduler, *seq, TextPrompt{prompt}, Greedy(kTokens)).tokens);
  }
  return out;
}

TEST(MigrationTest, SwapsBackAndForthMidGenerationLoseAndRepeatNoToken) {
  const auto expected = Baseline();
  auto model = testing::Stories({.n_seq = 4});
  auto scheduler = testing::StartScheduler(model);
  std::vector<std::shared_ptr<RecordingSink>> sinks;
  for (const std::string& prompt : kPrompts) {
    auto seq = scheduler->OpenSequence(1);
    ASSERT_TRUE(seq.ok());
    sinks.push_back(testing::SlowSink());
    ASSERT_TRUE(scheduler->Submit(*seq, TextPrompt{prompt}, Greedy(kTokens), sinks.back()).ok());
  }
  WaitForTokens(*sinks[0], 4);

  // CPU -> reference: different KV formats, so the histories are re-processed.
  auto to_reference = MigrateNow(*scheduler, *model, ReferenceDriver());
  ASSERT_TRUE(to_reference.ok()) << to_reference.status().ToString();
  EXPECT_EQ(to_reference->method, MigrationReport::Method::kReprocess);
  EXPECT_GT(to_reference->tokens_reprocessed, 0u);
  EXPECT_EQ(to_reference->previous.driver, "cpu");
  EXPECT_EQ(model->driver_name(), "reference");

  WaitForTokens(*sinks[0], 12);
  auto to_cpu = MigrateNow(*scheduler, *model, testing::CpuDriver());
  ASSERT_TRUE(to_cpu.ok()) << to_cpu.status().ToString();
  EXPECT_EQ(to_cpu->method, MigrationReport::Method::kReprocess);
  EXPECT_EQ(to_cpu->previous.driver, "reference");

  // CPU -> CPU with another thread count: the same KV format, exported.
  WaitForTokens(*sinks[0], 20);
  auto exported = MigrateNow(*scheduler, *model, testing::CpuDriver(), {}, 2);
  ASSERT_TRUE(exported.ok()) << exported.status().ToString();
  EXPECT_EQ(exported->method, MigrationReport::Method::kKvExport);
  EXPECT_EQ(exported->tokens_reprocessed, 0u);
  EXPECT_EQ(model->placement().n_threads, 2u);

  auto forced = MigrateNow(*scheduler, *model, testing::CpuDriver(), {.force_reprocess = true});
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  EXPECT_EQ(forced->method, MigrationReport::Method::kReprocess);

  for (size_t i = 0; i < sinks.size(); ++i) {
    const GenerationStats stats = sinks[i]->Wait();
    EXPECT_NE(stats.stop_reason, StopReason::kError) << stats.error.ToString();
    EXPECT_FALSE(sinks[i]->out_of_order());
    EXPECT_EQ(sinks[i]->tokens(), expected[i]) << "prompt " << kPrompts[i];
  }
}

TEST(MigrationTest, ContinuationAfterASwapReusesTheMovedState) {
  auto model = testing::Stories({.n_seq = 2});
  auto scheduler = testing::StartScheduler(model);
  auto seq = scheduler->OpenSequence(1);
  ASSERT_TRUE(seq.ok());
  const auto first = testing::Generate(*scheduler, *seq, TextPrompt{"Once upon a time"}, Greedy(8));
  auto moved = MigrateNow(*scheduler, *model, ReferenceDriver());
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(moved->sequences, 1u);
  EXPECT_EQ(moved->tokens_reprocessed, 12u);  // 5 prompt tokens and 7 fed ones
  const auto second = testing::Generate(*scheduler, *seq, TextPrompt{""}, Greedy(8));
  EXPECT_EQ(second.stats.cached_tokens, 12u);

  auto fresh = testing::StartScheduler(testing::Stories({.n_seq = 1}));
  auto fresh_seq = fresh->OpenSequence(1);
  ASSERT_TRUE(fresh_seq.ok());
  const auto whole =
      testing::Generate(*fresh, *fresh_seq, TextPrompt{"Once upon a time"}, Greedy(16));
  std::vector<text::TokenId> both = first.tokens;
  both.insert(both.end(), second.tokens.begin(), second.tokens.end());
  EXPECT_EQ(both, whole.tokens);
}

TEST(MigrationTest, IdleModelMovesWithoutReadingTheFileAgain) {
  // A private copy of the model, deleted once loaded: the new instance is
  // built from the segment in memory.
  const std::string copy = testing::TempFile("migrate-copy.gguf");
  std::filesystem::copy_file(testing::BundledModelPath(), copy,
                             std::filesystem::copy_options::overwrite_existing);
  auto model = testing::LoadModel(copy, {.n_seq = 1}, "copy");
  std::filesystem::remove(copy);
  auto scheduler = testing::StartScheduler(model);
  auto moved = MigrateNow(*scheduler, *model, ReferenceDriver());
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(moved->method, MigrationReport::Method::kNone);
  EXPECT_EQ(moved->sequences, 0u);
  EXPECT_EQ(model->placement().driver, "reference");
  auto seq = scheduler->OpenSequence(1);
  ASSERT_TRUE(seq.ok());
  const auto generated =
      testing::Generate(*scheduler, *seq, TextPrompt{kPrompts[0]}, Greedy(kTokens));
  EXPECT_EQ(generated.tokens, Baseline()[0]);
}

TEST(MigrationTest, AFailedMoveLeavesTheOldInstanceServing) {
  const auto expected = Baseline();
  auto model = testing::Stories({.n_seq = 1});
  auto scheduler = testing::StartScheduler(model);
  auto seq = scheduler->OpenSequence(1);
  ASSERT_TRUE(seq.ok());
  auto sink = testing::SlowSink();
  ASSERT_TRUE(scheduler->Submit(*seq, TextPrompt{kPrompts[0]}, Greedy(kTokens), sink).ok());
  WaitForTokens(*sink, 4);

  // An instance of another model: its KV format has other dimensions, so
  // the import fails half-way through the move.
  auto other = testing::LoadModel(testing::GeneratedModelPath("--preset tiny --seed 31"),
                                  {.n_seq = 1}, "other");
  auto wrong = other->BuildInstance({testing::CpuDriver(), 0, 1});
  ASSERT_TRUE(wrong.ok()) << wrong.status().ToString();
  auto outcome = std::make_shared<std::promise<Result<MigrationReport>>>();
  auto future = outcome->get_future();
  ASSERT_TRUE(scheduler
                  ->Migrate(std::move(wrong).value(), {},
                            [outcome](Result<MigrationReport> r) { outcome->set_value(r); })
                  .ok());
  ASSERT_EQ(future.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  const Result<MigrationReport> failed = future.get();
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("KV import"), std::string::npos)
      << failed.status().ToString();
  EXPECT_EQ(model->driver_name(), "cpu");

  const GenerationStats stats = sink->Wait();
  EXPECT_NE(stats.stop_reason, StopReason::kError) << stats.error.ToString();
  EXPECT_EQ(sink->tokens(), expected[0]);
}

TEST(MigrationTest, ASecondWaitingMigrationAndBadArgumentsAreRefused) {
  auto model = testing::Stories({.n_seq = 1});
  auto scheduler = testing::StartScheduler(model);
  EXPECT_EQ(scheduler->Migrate(nullptr, {}, [](Result<MigrationReport>) {}).code(),
            StatusCode::kInvalidArgument);
  scheduler->Stop();
  auto next = model->BuildInstance({ReferenceDriver(), 0, 0});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(scheduler->Migrate(std::move(next).value(), {}, [](Result<MigrationReport>) {}).code(),
            StatusCode::kUnavailable);
}

TEST(MigrationTest, AnInstanceOnAMissingDeviceIsRefusedByItsDriver) {
  auto model = testing::Stories({.n_seq = 1});
  auto next = model->BuildInstance({testing::CpuDriver(), 7, 0});
  ASSERT_FALSE(next.ok());
  EXPECT_NE(next.status().message().find("stories260K"), std::string::npos);
}

// The logits a next token gets on `seq` of `instance`.
std::vector<float> NextLogits(driver_host::DriverInstance& instance, SequenceId seq, int32_t pos,
                              text::TokenId token, uint32_t n_vocab) {
  std::vector<float> logits(n_vocab);
  const llmcore_batch_entry entry{seq, pos, token, 1};
  EXPECT_TRUE(instance.Forward(std::span(&entry, 1), logits).ok());
  return logits;
}

TEST(MigrationTest, CatchUpFeedsOnlyWhatChangedSinceTheSnapshot) {
  auto model = testing::Stories({.n_seq = 2});
  const auto text = CrossCheckTokens(model->tokenizer(), 40);
  auto target = model->BuildInstance({testing::CpuDriver(), 0, 1});
  ASSERT_TRUE(target.ok());
  driver_host::DriverInstance& to = *(*target)->instance;
  // The snapshot fed in the background ...
  const std::vector<SequenceHistory> snapshot = {{0, {text.begin(), text.begin() + 20}},
                                                 {1, {text.begin(), text.begin() + 10}}};
  std::vector<FeedRange> ranges;
  for (const SequenceHistory& h : snapshot) ranges.push_back({h.seq, 0, h.tokens});
  uint64_t fed = 0;
  ASSERT_TRUE(FeedRanges(to, ranges, 7, &fed).ok());
  EXPECT_EQ(fed, 30u);
  // ... while sequence 0 was cut back to 15 tokens and continued otherwise,
  // and sequence 1 grew.
  std::vector<text::TokenId> diverged(text.begin(), text.begin() + 15);
  diverged.insert(diverged.end(), text.begin() + 30, text.begin() + 35);
  const std::vector<SequenceHistory> current = {{0, diverged},
                                                {1, {text.begin(), text.begin() + 25}}};
  uint64_t caught_up = 0;
  ASSERT_TRUE(CatchUp(to, snapshot, current, 7, &caught_up).ok());
  EXPECT_EQ(caught_up, 5u + 15u);
  EXPECT_EQ(*to.SeqLength(0), 20);
  EXPECT_EQ(*to.SeqLength(1), 25);

  // The state is exactly what feeding the current histories from scratch gives.
  auto fresh = model->BuildInstance({testing::CpuDriver(), 0, 1});
  ASSERT_TRUE(fresh.ok());
  std::vector<FeedRange> whole;
  for (const SequenceHistory& h : current) whole.push_back({h.seq, 0, h.tokens});
  uint64_t all = 0;
  ASSERT_TRUE(FeedRanges(*(*fresh)->instance, whole, 7, &all).ok());
  for (SequenceId seq : {0, 1}) {
    const auto pos = static_cast<int32_t>(current[static_cast<size_t>(seq)].tokens.size());
    EXPECT_EQ(NextLogits(to, seq, pos, text[36], model->n_vocab()),
              NextLogits(*(*fresh)->instance, seq, pos, text[36], model->n_vocab()))
        << "sequence " << seq;
  }
}

TEST(CrossCheckTest, TheCpuDriverAgreesWithTheReferenceDriver) {
  auto model = testing::Stories({.n_seq = 1});
  auto cpu = model->BuildInstance({testing::CpuDriver(), 0, 1, 64, 1});
  auto reference = model->BuildInstance({ReferenceDriver(), 0, 0, 64, 1});
  ASSERT_TRUE(cpu.ok() && reference.ok());
  const auto tokens = CrossCheckTokens(model->tokenizer(), 40);
  ASSERT_EQ(tokens.size(), 40u);
  auto report =
      CrossCheck(*(*cpu)->instance, *(*reference)->instance, tokens, model->n_vocab(), 16);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->passed);
  EXPECT_EQ(report->positions, 40u);
  EXPECT_LT(report->max_abs_diff, 1e-3);
  EXPECT_EQ(report->top1_agreement, 1.0);
}

TEST(CrossCheckTest, AnInstanceComputingSomethingElseFails) {
  // The same shape with other weights: every logit differs.
  auto model = testing::Stories({.n_seq = 1});
  const std::string path = testing::TempFile("cross-check-edited.gguf");
  testing::GgufEdits edits;
  edits.tensor = [](const gguf::TensorInfo& info, std::vector<std::byte>& bytes) {
    if (info.name == "output_norm.weight") {
      for (size_t i = 0; i + 4 <= bytes.size(); i += 4) {
        const float two = 2.0f;
        std::memcpy(bytes.data() + i, &two, 4);
      }
    }
  };
  testing::CopyGguf(testing::BundledModelPath(), path, edits);
  auto edited = testing::LoadModel(path, {.n_seq = 1}, "edited");
  auto wrong = edited->BuildInstance({testing::CpuDriver(), 0, 1, 64, 1});
  auto reference = model->BuildInstance({ReferenceDriver(), 0, 0, 64, 1});
  ASSERT_TRUE(wrong.ok() && reference.ok());
  const auto tokens = CrossCheckTokens(model->tokenizer(), 16);
  auto report =
      CrossCheck(*(*wrong)->instance, *(*reference)->instance, tokens, model->n_vocab(), 16);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->passed);
  EXPECT_GT(report->max_abs_diff, report->tolerance);
}

}  // namespace
}  // namespace llmcore::engine
