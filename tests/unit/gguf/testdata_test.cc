// Every real GGUF file we have parses, and a few known values come out right.
#include <gtest/gtest.h>

#include <string>

#include "llmcore/gguf/reader.h"
#include "llmcore/testing/testing.h"

namespace llmcore::gguf {
namespace {

using ::llmcore::testing::BundledModelPath;
using ::llmcore::testing::TestdataDir;
using ::llmcore::testing::TestdataGgufFiles;

TEST(TestdataTest, TestdataHoldsTheExpectedFiles) {
  // Guards the loop below against silently testing nothing.
  EXPECT_GE(TestdataGgufFiles().size(), 15u) << "in " << TestdataDir();
}

TEST(TestdataTest, EveryTestdataFileParses) {
  for (const std::string& path : TestdataGgufFiles()) {
    SCOPED_TRACE(path);
    FormatError error;
    auto file = ReadGgufFile(path, {}, &error);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_EQ(file->version(), 3u);
    EXPECT_FALSE(file->architecture().empty());
    // Every vocabulary has its tokens, and each token list is complete.
    auto tokens = file->GetArray("tokenizer.ggml.tokens");
    ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
    EXPECT_GT((*tokens)->size(), 0u);
    if (auto types = file->GetArray("tokenizer.ggml.token_type"); types.ok()) {
      EXPECT_EQ((*types)->size(), (*tokens)->size());
    }
  }
}

TEST(TestdataTest, VocabularyFilesHaveNoTensorsAndNoDataSection) {
  for (const std::string& path : TestdataGgufFiles()) {
    if (path.find("/vocab/") == std::string::npos) continue;
    SCOPED_TRACE(path);
    auto file = ReadGgufFile(path);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_TRUE(file->tensors().empty());
    EXPECT_EQ(file->data_size(), 0u);
    // These files end right after the metadata, without padding: the data
    // section would start at the next multiple of 32.
    EXPECT_EQ(file->data_offset() % 32, 0u);
    EXPECT_LT(file->data_offset() - file->file_size(), 32u);
  }
}

TEST(TestdataTest, LlamaBpeVocabularyHasAllMerges) {
  auto file = ReadGgufFile(TestdataDir() + "/vocab/ggml-vocab-llama-bpe.gguf");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(*file->GetString("tokenizer.ggml.model"), "gpt2");
  EXPECT_EQ(*file->GetString("tokenizer.ggml.pre"), "llama-bpe");
  EXPECT_EQ((*file->GetArray("tokenizer.ggml.tokens"))->size(), 128256u);
  auto merges = (*file->GetArray("tokenizer.ggml.merges"))->As<std::string>();
  ASSERT_TRUE(merges.has_value());
  ASSERT_EQ(merges->size(), 280147u);
  EXPECT_EQ((*merges)[0], "\xc4\xa0 \xc4\xa0");
  EXPECT_EQ(*file->GetUint("tokenizer.ggml.bos_token_id"), 128000u);
  EXPECT_EQ(*file->GetUint("tokenizer.ggml.eos_token_id"), 128001u);
  EXPECT_EQ(*file->GetBool("tokenizer.ggml.add_bos_token"), true);
}

TEST(TestdataTest, QwenVocabularyHasItsSpecialTokens) {
  auto file = ReadGgufFile(TestdataDir() + "/vocab/ggml-vocab-qwen2.gguf");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->architecture(), "qwen2");
  auto tokens = (*file->GetArray("tokenizer.ggml.tokens"))->As<std::string>();
  ASSERT_TRUE(tokens.has_value());
  ASSERT_EQ(tokens->size(), 151669u);
  EXPECT_EQ((*tokens)[151643], "<|endoftext|>");
  EXPECT_EQ(*file->GetUint("tokenizer.ggml.bos_token_id"), 151643u);
  EXPECT_EQ(*file->GetUint("tokenizer.ggml.padding_token_id"), 151643u);
}

class Stories260KTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto file = ReadGgufFile(BundledModelPath());
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    file_ = std::move(*file);
  }
  GgufFile file_;
};

TEST_F(Stories260KTest, HeaderAndLayout) {
  EXPECT_EQ(file_.version(), 3u);
  EXPECT_EQ(file_.alignment(), 32u);
  EXPECT_EQ(file_.file_size(), 1185376u);
  EXPECT_EQ(file_.metadata().size(), 19u);
  EXPECT_EQ(file_.tensors().size(), 48u);  // 3 + 5 layers * 9
  EXPECT_EQ(file_.data_offset(), 14176u);  // end of tensor infos (14152) aligned up to 32
  EXPECT_EQ(file_.data_offset() + file_.data_size(), file_.file_size());
}

TEST_F(Stories260KTest, Hyperparameters) {
  EXPECT_EQ(file_.architecture(), "llama");
  EXPECT_EQ(*file_.GetString("general.name"), "llama");
  EXPECT_EQ(*file_.GetUint("llama.context_length"), 128u);
  EXPECT_EQ(*file_.GetUint("llama.embedding_length"), 64u);
  EXPECT_EQ(*file_.GetUint("llama.feed_forward_length"), 172u);
  EXPECT_EQ(*file_.GetUint("llama.block_count"), 5u);
  EXPECT_EQ(*file_.GetUint("llama.attention.head_count"), 8u);
  EXPECT_EQ(*file_.GetUint("llama.attention.head_count_kv"), 4u);
  EXPECT_EQ(*file_.GetUint("llama.rope.dimension_count"), 8u);
  EXPECT_EQ(file_.Find("llama.attention.layer_norm_rms_epsilon")->type, ValueType::kFloat32);
  EXPECT_FLOAT_EQ(static_cast<float>(*file_.GetDouble("llama.attention.layer_norm_rms_epsilon")),
                  1e-5f);
}

TEST_F(Stories260KTest, Tokenizer) {
  EXPECT_EQ(*file_.GetString("tokenizer.ggml.model"), "llama");
  auto tokens = (*file_.GetArray("tokenizer.ggml.tokens"))->As<std::string>();
  ASSERT_TRUE(tokens.has_value());
  ASSERT_EQ(tokens->size(), 512u);
  EXPECT_EQ((*tokens)[0], "<unk>");
  EXPECT_EQ((*tokens)[1], "<s>");
  EXPECT_EQ((*tokens)[2], "</s>");
  EXPECT_EQ((*tokens)[3], "<0x00>");
  EXPECT_EQ((*tokens)[403], "\xe2\x96\x81Once");  // "▁Once", the prompt's first token
  auto scores = (*file_.GetArray("tokenizer.ggml.scores"))->As<float>();
  ASSERT_TRUE(scores.has_value());
  EXPECT_EQ(scores->size(), 512u);
  auto types = (*file_.GetArray("tokenizer.ggml.token_type"))->As<int32_t>();
  ASSERT_TRUE(types.has_value());
  EXPECT_EQ((*types)[0], 2);  // unknown
  EXPECT_EQ((*types)[1], 3);  // control
  EXPECT_EQ((*types)[3], 6);  // byte
  EXPECT_EQ(*file_.GetUint("tokenizer.ggml.unknown_token_id"), 0u);
  EXPECT_EQ(*file_.GetUint("tokenizer.ggml.bos_token_id"), 1u);
  EXPECT_EQ(*file_.GetUint("tokenizer.ggml.eos_token_id"), 2u);
  EXPECT_EQ(*file_.GetUint("tokenizer.ggml.padding_token_id"), 0xFFFFFFFFu);
}

TEST_F(Stories260KTest, TensorDirectory) {
  const TensorInfo* embd = file_.FindTensor("token_embd.weight");
  ASSERT_NE(embd, nullptr);
  EXPECT_EQ(embd->type, TensorType::kF32);
  EXPECT_EQ(embd->n_dims, 2u);
  EXPECT_EQ(embd->ne[0], 64u);
  EXPECT_EQ(embd->ne[1], 512u);
  EXPECT_EQ(embd->ne[2], 1u);
  EXPECT_EQ(embd->offset, 0u);
  EXPECT_EQ(embd->n_elements, 64u * 512u);
  EXPECT_EQ(embd->n_bytes, 64u * 512u * 4u);
  EXPECT_EQ(embd->row_bytes, 64u * 4u);

  const TensorInfo* norm = file_.FindTensor("output_norm.weight");
  ASSERT_NE(norm, nullptr);
  EXPECT_EQ(norm->n_dims, 1u);
  EXPECT_EQ(norm->ne[0], 64u);
  EXPECT_EQ(norm->offset, 131072u);

  const TensorInfo* ffn = file_.FindTensor("blk.4.ffn_down.weight");
  ASSERT_NE(ffn, nullptr);
  EXPECT_EQ(ffn->ne[0], 172u);
  EXPECT_EQ(ffn->ne[1], 64u);

  EXPECT_EQ(file_.FindTensor("blk.5.ffn_down.weight"), nullptr);
  for (int layer = 0; layer < 5; ++layer) {
    for (const char* part : {"attn_q", "attn_k", "attn_v", "attn_output", "attn_norm", "ffn_gate",
                             "ffn_up", "ffn_down", "ffn_norm"}) {
      const std::string name = "blk." + std::to_string(layer) + "." + part + ".weight";
      EXPECT_NE(file_.FindTensor(name), nullptr) << name;
    }
  }
}

}  // namespace
}  // namespace llmcore::gguf
