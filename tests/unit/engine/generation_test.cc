// Generation through the scheduler: the trained tiny model reproduces its
// expected greedy outputs alone and batched with others, and the text stream
// ends where it should (stop strings, max_tokens, end of generation).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine_test_util.h"
#include "llmcore/testing/testing.h"
#include "llmcore/utf8.h"

namespace llmcore::engine {
namespace {

using testing::Generate;
using testing::Greedy;
using testing::RecordingSink;

struct Case {
  std::string prompt;
  std::vector<text::TokenId> prompt_tokens;
  std::vector<text::TokenId> generated;
  std::string text;
};

std::vector<Case> ExpectedCases() {
  std::ifstream in(testing::TestdataDir() + "/models/stories260K.expected.json");
  if (!in) throw std::runtime_error("missing stories260K.expected.json");
  const auto json = nlohmann::json::parse(in);
  std::vector<Case> cases;
  for (const auto& c : json["cases"]) {
    cases.push_back(
        {c["prompt"].get<std::string>(), c["prompt_tokens"].get<std::vector<text::TokenId>>(),
         c["generated"].get<std::vector<text::TokenId>>(), c["text"].get<std::string>()});
  }
  return cases;
}

TEST(GenerationTest, ReproducesTheExpectedGreedyOutputsAlone) {
  auto scheduler = testing::StartScheduler(testing::Stories());
  const auto cases = ExpectedCases();
  ASSERT_EQ(cases.size(), 5u);
  for (const Case& c : cases) {
    auto seq = scheduler->OpenSequence(1000);
    ASSERT_TRUE(seq.ok());
    const auto g = Generate(*scheduler, *seq, TextPrompt{c.prompt}, Greedy(64));
    EXPECT_EQ(g.tokens, c.generated) << c.prompt;
    EXPECT_EQ(g.text, c.text) << c.prompt;
    EXPECT_EQ(g.stats.stop_reason, StopReason::kMaxTokens);
    EXPECT_EQ(g.stats.prompt_tokens, c.prompt_tokens.size()) << c.prompt;
    EXPECT_EQ(g.stats.cached_tokens, 0u);
    EXPECT_EQ(g.stats.generated_tokens, 64u);
    scheduler->CloseSequence(*seq);
  }
}

TEST(GenerationTest, ReproducesTheExpectedGreedyOutputsFiveAtOnce) {
  auto scheduler = testing::StartScheduler(testing::Stories({.n_seq = 8, .n_batch = 64}));
  const auto cases = ExpectedCases();
  testing::OccupyWorker(*scheduler);
  std::vector<std::shared_ptr<RecordingSink>> sinks;
  for (const Case& c : cases) {
    auto seq = scheduler->OpenSequence(1000 + static_cast<uid_t>(sinks.size()));
    ASSERT_TRUE(seq.ok());
    sinks.push_back(std::make_shared<RecordingSink>());
    ASSERT_TRUE(scheduler->Submit(*seq, TextPrompt{c.prompt}, Greedy(64), sinks.back()).ok());
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    const GenerationStats stats = sinks[i]->Wait();
    EXPECT_EQ(stats.stop_reason, StopReason::kMaxTokens);
    EXPECT_EQ(sinks[i]->tokens(), cases[i].generated) << cases[i].prompt;
    EXPECT_EQ(sinks[i]->text(), cases[i].text) << cases[i].prompt;
  }
}

TEST(GenerationTest, SeededSamplingIsTheSameAloneAndBatched) {
  auto scheduler = testing::StartScheduler(testing::Stories({.n_seq = 4, .n_batch = 16}));
  GenerationOptions options;
  options.sampling.temperature = 0.9f;
  options.sampling.seed = 42;
  options.max_tokens = 24;
  auto a = scheduler->OpenSequence(1);
  ASSERT_TRUE(a.ok());
  const auto alone = Generate(*scheduler, *a, TextPrompt{"Lily and Tom"}, options);
  scheduler->CloseSequence(*a);

  testing::OccupyWorker(*scheduler);
  std::vector<std::shared_ptr<RecordingSink>> sinks;
  for (const char* prompt : {"The sun was hot", "Lily and Tom", "A big dog"}) {
    auto seq = scheduler->OpenSequence(2);
    ASSERT_TRUE(seq.ok());
    sinks.push_back(std::make_shared<RecordingSink>());
    ASSERT_TRUE(scheduler->Submit(*seq, TextPrompt{prompt}, options, sinks.back()).ok());
  }
  for (auto& sink : sinks) sink->Wait();
  EXPECT_EQ(sinks[1]->tokens(), alone.tokens);
  EXPECT_EQ(sinks[1]->text(), alone.text);
  EXPECT_NE(sinks[0]->tokens(), alone.tokens);
}

TEST(GenerationTest, PiecesAreWholeUtf8AndConcatenateToTheText) {
  // Random weights over a vocabulary of <0xXX> byte tokens: plenty of
  // incomplete and invalid UTF-8 to hold back and replace.
  auto model = testing::LoadModel(testing::GeneratedModelPath("--preset tiny --seed 21"),
                                  {.n_ctx = 256, .n_seq = 2, .n_batch = 32});
  auto scheduler = testing::StartScheduler(model);
  auto seq = scheduler->OpenSequence(1);
  ASSERT_TRUE(seq.ok());
  GenerationOptions options;
  options.sampling.temperature = 1.5f;
  options.sampling.top_k = 0;
  options.sampling.top_p = 1;
  options.sampling.min_p = 0;
  options.sampling.seed = 7;
  options.max_tokens = 200;
  options.ignore_eos = true;
  auto sink = std::make_shared<RecordingSink>();
  ASSERT_TRUE(scheduler->Submit(*seq, TextPrompt{"x"}, options, sink).ok());
  const GenerationStats stats = sink->Wait();
  EXPECT_EQ(stats.stop_reason, StopReason::kMaxTokens);
  for (const std::string& piece : sink->pieces()) EXPECT_TRUE(IsValidUtf8(piece));
  text::DecodeOptions decode;
  decode.strip_space_prefix = false;
  auto decoded = model->tokenizer().Decode(sink->tokens(), decode);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(sink->text(), SanitizeUtf8(*decoded));
  size_t byte_tokens = 0;
  for (text::TokenId id : sink->tokens()) {
    byte_tokens += model->tokenizer().token_type(id) == text::TokenType::kByte ? 1 : 0;
  }
  EXPECT_GT(byte_tokens, 0u) << "the test needs byte tokens to mean anything";
}

class StoriesGenerationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scheduler_ = testing::StartScheduler(testing::Stories());
    auto seq = scheduler_->OpenSequence(1);
    ASSERT_TRUE(seq.ok());
    seq_ = *seq;
  }

  testing::Generation Run(const GenerationOptions& options,
                          const std::string& prompt = "Once upon a time") {
    return Generate(*scheduler_, seq_, TextPrompt{prompt}, options);
  }

  std::unique_ptr<Scheduler> scheduler_;
  SequenceId seq_ = 0;
  // Greedy from "Once upon a time" (stories260K.expected.json).
  const std::string expected_ =
      ", there was a little girl named Lily. She loved to play outside in the park. One day, "
      "she saw a big, red ball. She wanted to play with it, but it was too high.\nLily's mom said";
};

TEST_F(StoriesGenerationTest, MaxTokensEndsTheText) {
  const auto g = Run(Greedy(10));
  EXPECT_EQ(g.stats.stop_reason, StopReason::kMaxTokens);
  EXPECT_EQ(g.stats.generated_tokens, 10u);
  EXPECT_EQ(g.tokens.size(), 10u);
  EXPECT_EQ(g.text, ", there was a little girl named Lily");
}

TEST_F(StoriesGenerationTest, StopStringEndsTheTextBeforeIt) {
  auto options = Greedy(64);
  options.stop = {"named Li"};  // across two tokens: " named" " Lily"
  const auto g = Run(options);
  EXPECT_EQ(g.stats.stop_reason, StopReason::kStopString);
  EXPECT_EQ(g.text, ", there was a little girl ");
  EXPECT_EQ(g.stats.generated_tokens, 10u);  // through " Lily"
}

TEST_F(StoriesGenerationTest, TextHeldForAStopStringThatDoesNotMatchIsReleased) {
  auto options = Greedy(64);
  options.stop = {"girl named Bob", "park!"};
  auto sink = std::make_shared<RecordingSink>();
  ASSERT_TRUE(scheduler_->Submit(seq_, TextPrompt{"Once upon a time"}, options, sink).ok());
  EXPECT_EQ(sink->Wait().stop_reason, StopReason::kMaxTokens);
  EXPECT_EQ(sink->text(), expected_);
  // "girl named " was held back while it could still become the stop.
  const auto pieces = sink->pieces();
  ASSERT_GT(pieces.size(), 10u);
  EXPECT_EQ(pieces[6], "");  // "ir"
  EXPECT_EQ(pieces[8], "");  // " named"
  EXPECT_EQ(pieces[9], "girl named Lily");
}

TEST_F(StoriesGenerationTest, TheLastPieceCarriesWhatWasHeldBack) {
  // max_tokens ends the text while "named Lily" could still become the stop.
  auto options = Greedy(10);
  options.stop = {"named Lily."};
  auto sink = std::make_shared<RecordingSink>();
  ASSERT_TRUE(scheduler_->Submit(seq_, TextPrompt{"Once upon a time"}, options, sink).ok());
  EXPECT_EQ(sink->Wait().stop_reason, StopReason::kMaxTokens);
  EXPECT_EQ(sink->text(), ", there was a little girl named Lily");
  EXPECT_EQ(sink->pieces().back(), "named Lily");
}

// The tiny model with "." as its end-of-sequence token: greedy decoding from
// "Once upon a time" then ends at the first full stop.
class EndOfGenerationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = testing::TempFile("stories-eos-period.gguf");
    testing::GgufEdits edits;
    edits.set.emplace_back("tokenizer.ggml.eos_token_id",
                           gguf::Value{gguf::ValueType::kUint32, uint64_t{kPeriod}});
    testing::CopyGguf(testing::BundledModelPath(), path, edits);
    scheduler_ = testing::StartScheduler(testing::LoadModel(path, {}, "stories-eos"));
    auto seq = scheduler_->OpenSequence(1);
    ASSERT_TRUE(seq.ok());
    seq_ = *seq;
  }

  static constexpr text::TokenId kPeriod = 426;
  std::unique_ptr<Scheduler> scheduler_;
  SequenceId seq_ = 0;
};

TEST_F(EndOfGenerationTest, EndsWithoutTheTokensText) {
  auto sink = std::make_shared<RecordingSink>();
  ASSERT_TRUE(scheduler_->Submit(seq_, TextPrompt{"Once upon a time"}, Greedy(64), sink).ok());
  const GenerationStats stats = sink->Wait();
  EXPECT_EQ(stats.stop_reason, StopReason::kEndOfGeneration);
  EXPECT_EQ(stats.generated_tokens, 11u);
  EXPECT_EQ(sink->tokens().back(), kPeriod);
  EXPECT_EQ(sink->pieces().back(), "");
  EXPECT_EQ(sink->text(), ", there was a little girl named Lily");
}

TEST_F(EndOfGenerationTest, ItsPieceFlushesTextHeldForAStopString) {
  auto options = Greedy(64);
  options.stop = {"Lily!"};
  auto sink = std::make_shared<RecordingSink>();
  ASSERT_TRUE(scheduler_->Submit(seq_, TextPrompt{"Once upon a time"}, options, sink).ok());
  EXPECT_EQ(sink->Wait().stop_reason, StopReason::kEndOfGeneration);
  EXPECT_EQ(sink->pieces().back(), "Lily");
  EXPECT_EQ(sink->text(), ", there was a little girl named Lily");
}

TEST_F(EndOfGenerationTest, IgnoreEosGoesOn) {
  auto options = Greedy(64);
  options.ignore_eos = true;
  const auto g = Generate(*scheduler_, seq_, TextPrompt{"Once upon a time"}, options);
  EXPECT_EQ(g.stats.stop_reason, StopReason::kMaxTokens);
  EXPECT_EQ(g.tokens.size(), 64u);
  EXPECT_EQ(g.tokens[10], kPeriod);
}

TEST(GenerationOptionsTest, SubmitRefusesBadOptions) {
  auto scheduler = testing::StartScheduler(testing::Stories({.n_seq = 1}));
  auto seq = scheduler->OpenSequence(1);
  ASSERT_TRUE(seq.ok());
  auto sink = std::make_shared<RecordingSink>();
  auto submit = [&](const GenerationOptions& o, Prompt p = TextPrompt{"Hi"}) {
    return scheduler->Submit(*seq, std::move(p), o, sink).status();
  };
  auto options = Greedy(0);
  EXPECT_EQ(submit(options).code(), StatusCode::kInvalidArgument);
  options = Greedy(5000);  // above SchedulerLimits::max_tokens
  EXPECT_NE(submit(options).message().find("max_tokens"), std::string::npos);
  options = Greedy(5);
  options.sampling.temperature = -1;
  EXPECT_NE(submit(options).message().find("temperature"), std::string::npos);
  options = Greedy(5);
  options.stop = {""};
  EXPECT_EQ(submit(options).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(submit(Greedy(5), TextPrompt{"\xff"}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(submit(Greedy(5), TextPrompt{std::string(300 * 1024, 'a')}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(submit(Greedy(5), ChatPrompt{{{"user", "Hi"}}}).code(), StatusCode::kUnsupported);
  EXPECT_EQ(scheduler->Submit(*seq, TextPrompt{"Hi"}, Greedy(5), nullptr).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(scheduler->Submit(*seq + 1, TextPrompt{"Hi"}, Greedy(5), sink).status().code(),
            StatusCode::kNotFound);
  EXPECT_FALSE(sink->finished()) << "refused requests get no events";
}

}  // namespace
}  // namespace llmcore::engine
