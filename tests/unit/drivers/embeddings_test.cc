// The embeddings output of ABI 1.1: the CPU driver writes each wanted
// entry's final hidden state after the output norm, which matches the
// reference forward pass, leaves the logits as they were, refuses buffers
// that are too small without changing any state, and still serves a host
// of ABI 1.0 whose batch ends before the new fields.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "driver_test_util.h"
#include "llmcore/reference/reference_model.h"
#include "llmcore/testing/testing.h"

namespace llmcore {
namespace {

constexpr char kModel[] = "--dim 64 --layers 2 --heads 4 --kv-heads 2 --ffn 128 --ctx 64 --seed 3";

class EmbeddingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = testing::GeneratedModel(kModel);
    n_vocab_ = model_->desc->desc().n_vocab;
    n_embd_ = model_->desc->desc().n_embd;
    instance_ = testing::NewInstance(model_->desc->desc(), testing::Params(64, 2, 16));
    tokens_ = testing::RandomTokens(9, n_vocab_, 5);
    for (size_t i = 0; i < tokens_.size(); ++i) {
      entries_.push_back({0, static_cast<int32_t>(i), tokens_[i], 1});
    }
  }

  std::shared_ptr<testing::LoadedModel> model_;
  uint32_t n_vocab_ = 0, n_embd_ = 0;
  std::unique_ptr<driver_host::DriverInstance> instance_;
  std::vector<int32_t> tokens_;
  std::vector<llmcore_batch_entry> entries_;
};

TEST_F(EmbeddingsTest, AreTheReferenceFinalHiddenStates) {
  EXPECT_TRUE(instance_->supports_embeddings());
  std::vector<float> hidden(tokens_.size() * n_embd_);
  ASSERT_TRUE(instance_->Forward(entries_, {}, hidden).ok());
  auto reference = reference::ReferenceModel::Load(*model_->segment);
  ASSERT_TRUE(reference.ok());
  const auto expected = reference->HiddenStates(tokens_);
  for (size_t p = 0; p < tokens_.size(); ++p) {
    const std::span<const float> row(hidden.data() + p * n_embd_, n_embd_);
    EXPECT_LT(testing::NormalizedError(row, expected[p]), 1e-4) << "position " << p;
  }
}

TEST_F(EmbeddingsTest, LeaveTheLogitsAsTheyWere) {
  std::vector<float> plain(tokens_.size() * n_vocab_);
  ASSERT_TRUE(instance_->Forward(entries_, plain).ok());
  std::vector<float> logits(plain.size());
  std::vector<float> hidden(tokens_.size() * n_embd_);
  auto second = entries_;
  for (auto& e : second) e.seq_id = 1;
  ASSERT_TRUE(instance_->Forward(second, logits, hidden).ok());
  EXPECT_EQ(logits, plain);
}

TEST_F(EmbeddingsTest, OnlyForEntriesThatWantThem) {
  entries_[3].want_logits = 0;
  std::vector<float> hidden((tokens_.size() - 1) * n_embd_);
  ASSERT_TRUE(instance_->Forward(entries_, {}, hidden).ok());
  // One row too few is refused, and nothing is committed.
  auto more = std::vector<llmcore_batch_entry>{{1, 0, tokens_[0], 1}, {1, 1, tokens_[1], 1}};
  std::vector<float> small(n_embd_);
  const Status status = instance_->Forward(more, {}, small);
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted) << status.ToString();
  EXPECT_NE(status.message().find("embeddings_capacity"), std::string::npos);
  EXPECT_EQ(*instance_->SeqLength(1), 0);
}

TEST_F(EmbeddingsTest, AHostOfAbi10IsStillServed) {
  // A 1.0 batch: struct_size ends at logits_capacity; the fields past it
  // hold garbage that the driver must not read.
  std::vector<float> logits(tokens_.size() * n_vocab_);
  llmcore_batch batch{};
  batch.struct_size = offsetof(llmcore_batch, embeddings);
  batch.n_entries = static_cast<uint32_t>(entries_.size());
  batch.entries = entries_.data();
  batch.logits = logits.data();
  batch.logits_capacity = logits.size();
  batch.embeddings = reinterpret_cast<float*>(uintptr_t{0x10});
  batch.embeddings_capacity = 1;
  llmcore_error error{};
  const llmcore_driver& table = testing::CpuDriver()->library().table();
  ASSERT_EQ(table.forward(instance_->handle(), &batch, &error), 0) << error.message;
  EXPECT_EQ(*instance_->SeqLength(0), static_cast<int32_t>(tokens_.size()));
}

}  // namespace
}  // namespace llmcore
