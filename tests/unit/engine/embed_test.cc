// Scheduler::Embed: mean-pooled, L2-normalized final hidden states, checked
// against the naive reference forward pass.
#include <gtest/gtest.h>

#include <cmath>
#include <future>

#include "engine_test_util.h"
#include "llmcore/reference/reference_model.h"
#include "llmcore/store/model_store.h"
#include "llmcore/testing/testing.h"

namespace llmcore::engine {
namespace {

using Embeddings = Result<std::vector<std::vector<float>>>;

Embeddings EmbedAndWait(Scheduler& scheduler, std::vector<std::string> texts) {
  auto promise = std::make_shared<std::promise<Embeddings>>();
  auto future = promise->get_future();
  const Status status = scheduler.Embed(
      1, std::move(texts), [promise](Embeddings result) { promise->set_value(std::move(result)); });
  if (!status.ok()) return status;
  if (future.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    return Status(StatusCode::kInternal, "no answer");
  }
  return future.get();
}

// What the embedding of `text` must be: the mean of the reference model's
// final hidden states over the text's tokens, scaled to unit length.
std::vector<double> ReferenceEmbedding(const LoadedModel& model, const std::string& text) {
  static store::ModelStore store;
  auto segment = store.Load(testing::BundledModelPath());
  EXPECT_TRUE(segment.ok());
  static auto reference = reference::ReferenceModel::Load(**segment);
  EXPECT_TRUE(reference.ok());
  auto tokens = model.tokenizer().Encode(text, {.add_special = true});
  EXPECT_TRUE(tokens.ok());
  const auto hidden = reference->HiddenStates(*tokens);
  std::vector<double> mean(model.n_embd(), 0.0);
  for (const auto& row : hidden) {
    for (size_t i = 0; i < mean.size(); ++i) mean[i] += row[i] / static_cast<double>(hidden.size());
  }
  double norm = 0;
  for (double v : mean) norm += v * v;
  for (double& v : mean) v /= std::sqrt(norm);
  return mean;
}

double Dot(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += double{a[i]} * b[i];
  return sum;
}

class EmbedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Batches of 4: texts are fed in several chunks.
    model_ = testing::Stories({.n_seq = 2, .n_batch = 4});
    scheduler_ = testing::StartScheduler(model_);
  }
  std::shared_ptr<LoadedModel> model_;
  std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(EmbedTest, IsTheNormalizedMeanOfTheReferenceHiddenStates) {
  const std::vector<std::string> texts = {"Once upon a time", "The cat sat on the mat.", "Hi"};
  const auto result = EmbedAndWait(*scheduler_, texts);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->size(), texts.size());
  for (size_t t = 0; t < texts.size(); ++t) {
    const std::vector<float>& e = (*result)[t];
    ASSERT_EQ(e.size(), 64u);
    EXPECT_NEAR(Dot(e, e), 1.0, 1e-5) << texts[t];
    const std::vector<double> expected = ReferenceEmbedding(*model_, texts[t]);
    for (size_t i = 0; i < e.size(); ++i) EXPECT_NEAR(e[i], expected[i], 1e-4) << texts[t];
  }
  // Different texts point different ways.
  EXPECT_LT(Dot((*result)[0], (*result)[1]), 0.99);
  EXPECT_LT(Dot((*result)[0], (*result)[2]), 0.99);
}

TEST_F(EmbedTest, TheSameTextGivesTheSameVector) {
  const auto a = EmbedAndWait(*scheduler_, {"A big dog", "A big dog"});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)[0], (*a)[1]);
}

TEST_F(EmbedTest, BadInputIsRefused) {
  EXPECT_EQ(scheduler_->Embed(1, {}, [](auto) {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(scheduler_->Embed(1, {"ok", "\xc3"}, [](auto) {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(scheduler_->Embed(1, std::vector<std::string>(300, "x"), [](auto) {}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(scheduler_->Embed(1, {"x"}, {}).code(), StatusCode::kInvalidArgument);
  // Too long for the context: an error naming the text, and the scheduler
  // goes on.
  std::string long_text;
  for (int i = 0; i < 40; ++i) long_text += "The cat sat on the mat. ";
  const auto result = EmbedAndWait(*scheduler_, {"fine", long_text});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("text 1"), std::string::npos)
      << result.status().ToString();
  EXPECT_TRUE(EmbedAndWait(*scheduler_, {"fine"}).ok());
}

TEST_F(EmbedTest, GenerationBesideEmbeddingsIsUndisturbed) {
  auto seq = scheduler_->OpenSequence(1);
  ASSERT_TRUE(seq.ok());
  auto sink = std::make_shared<testing::RecordingSink>();
  ASSERT_TRUE(
      scheduler_->Submit(*seq, TextPrompt{"Once upon a time"}, testing::Greedy(12), sink).ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(EmbedAndWait(*scheduler_, {"Tom and Lily"}).ok());
  sink->Wait();
  EXPECT_EQ(sink->tokens(), (std::vector<text::TokenId>{432, 383, 286, 261, 376, 298, 315, 421, 395,
                                                        317, 426, 338}));
}

}  // namespace
}  // namespace llmcore::engine
