// BuildModelDesc turns a loaded segment into the driver's model description:
// hyperparameters from llama.cpp's keys (with their defaults), the RoPE
// ordering by architecture, Llama 3 scaling, n_vocab from token_embd, every
// tensor pointing into the segment; and refuses what it cannot describe,
// naming the key.
#include "llmcore/driver_host/model_desc.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "driver_test_util.h"
#include "llmcore/gguf/writer.h"
#include "llmcore/store/model_store.h"
#include "llmcore/testing/testing.h"

namespace llmcore {
namespace {

using ::testing::HasSubstr;

TEST(ModelDescTest, Stories260K) {
  auto model = testing::LoadModel(testing::BundledModelPath());
  const llmcore_model_desc& d = model->desc->desc();
  EXPECT_EQ(d.struct_size, sizeof(llmcore_model_desc));
  EXPECT_STREQ(d.architecture, "llama");
  EXPECT_EQ(d.n_vocab, 512u);
  EXPECT_EQ(d.n_ctx_train, 128u);
  EXPECT_EQ(d.n_embd, 64u);
  EXPECT_EQ(d.n_layer, 5u);
  EXPECT_EQ(d.n_head, 8u);
  EXPECT_EQ(d.n_head_kv, 4u);
  EXPECT_EQ(d.head_dim, 8u);
  EXPECT_EQ(d.n_ff, 172u);
  EXPECT_FLOAT_EQ(d.rms_norm_eps, 1e-5f);
  EXPECT_FLOAT_EQ(d.rope_freq_base, 10000.0f);
  EXPECT_EQ(d.rope_kind, uint32_t{LLMCORE_ROPE_NORMAL});
  EXPECT_EQ(d.rope_dim, 8u);
  EXPECT_EQ(d.rope_scaling_factor, 0.0f);
  ASSERT_EQ(d.n_tensors, 48u);
  const store::TensorEntry* entry = model->segment->FindTensor("blk.4.ffn_down.weight");
  ASSERT_NE(entry, nullptr);
  bool found = false;
  for (uint32_t i = 0; i < d.n_tensors; ++i) {
    if (std::strcmp(d.tensors[i].name, "blk.4.ffn_down.weight") != 0) continue;
    found = true;
    EXPECT_EQ(d.tensors[i].ne[0], 172u);
    EXPECT_EQ(d.tensors[i].ne[1], 64u);
    EXPECT_EQ(d.tensors[i].type, uint32_t{LLMCORE_TYPE_F32});
    EXPECT_EQ(d.tensors[i].data, model->segment->TensorData(*entry).data());
    EXPECT_EQ(d.tensors[i].n_bytes, 172u * 64 * 4);
  }
  EXPECT_TRUE(found);
}

TEST(ModelDescTest, QwenArchitecturesUseNeoxRopeAndKeyLength) {
  auto qwen3 =
      testing::GeneratedModel("--arch qwen3 --dim 64 --heads 4 --kv-heads 2 --head-dim 32");
  EXPECT_STREQ(qwen3->desc->desc().architecture, "qwen3");
  EXPECT_EQ(qwen3->desc->desc().head_dim, 32u);
  EXPECT_EQ(qwen3->desc->desc().rope_dim, 32u);
  EXPECT_EQ(qwen3->desc->desc().rope_kind, uint32_t{LLMCORE_ROPE_NEOX});
  auto qwen2 = testing::GeneratedModel("--arch qwen2");
  EXPECT_EQ(qwen2->desc->desc().rope_kind, uint32_t{LLMCORE_ROPE_NEOX});
  EXPECT_EQ(qwen2->desc->desc().head_dim, 16u);
}

TEST(ModelDescTest, Llama3RopeScaling) {
  auto model = testing::GeneratedModel(
      "--rope-scaling-factor 8 --rope-low-freq-factor 2 --rope-high-freq-factor 5 "
      "--rope-original-ctx 100");
  const llmcore_model_desc& d = model->desc->desc();
  EXPECT_EQ(d.rope_scaling_factor, 8.0f);
  EXPECT_EQ(d.rope_low_freq_factor, 2.0f);
  EXPECT_EQ(d.rope_high_freq_factor, 5.0f);
  EXPECT_EQ(d.rope_original_ctx, 100u);
}

// A minimal llama file with `extra` keys, written by hand.
std::string WriteModel(const testing::TempDir& dir, const std::string& name,
                       const std::vector<std::pair<std::string, std::string>>& strings,
                       bool with_eps = true) {
  gguf::GgufWriter w;
  EXPECT_TRUE(w.AddString("general.architecture", "llama").ok());
  EXPECT_TRUE(w.AddUint32("llama.embedding_length", 32).ok());
  EXPECT_TRUE(w.AddUint32("llama.block_count", 1).ok());
  EXPECT_TRUE(w.AddUint32("llama.attention.head_count", 4).ok());
  EXPECT_TRUE(w.AddUint32("llama.feed_forward_length", 64).ok());
  if (with_eps) {
    EXPECT_TRUE(w.AddFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f).ok());
  }
  for (const auto& [key, value] : strings) EXPECT_TRUE(w.AddString(key, value).ok());
  std::vector<std::byte> embd(32 * 10 * 4);
  EXPECT_TRUE(w.AddTensor("token_embd.weight", TensorType::kF32, {32, 10}, embd).ok());
  const std::string path = dir.File(name);
  EXPECT_TRUE(w.WriteFile(path).ok());
  return path;
}

TEST(ModelDescTest, DefaultsFillOptionalKeys) {
  testing::TempDir dir;
  auto model = testing::LoadModel(WriteModel(dir, "minimal.gguf", {}));
  const llmcore_model_desc& d = model->desc->desc();
  EXPECT_EQ(d.n_vocab, 10u);
  EXPECT_EQ(d.n_head_kv, 4u);
  EXPECT_EQ(d.head_dim, 8u);
  EXPECT_EQ(d.rope_dim, 8u);
  EXPECT_EQ(d.n_ctx_train, 0u);
  EXPECT_FLOAT_EQ(d.rope_freq_base, 10000.0f);
}

TEST(ModelDescTest, RefusesWhatItCannotDescribe) {
  testing::TempDir dir;
  store::ModelStore store;
  auto build = [&](const std::string& path) {
    auto segment = store.Load(path);
    EXPECT_TRUE(segment.ok()) << segment.status().ToString();
    return driver_host::BuildModelDesc(**segment).status();
  };
  Status yarn = build(WriteModel(dir, "yarn.gguf", {{"llama.rope.scaling.type", "yarn"}}));
  EXPECT_EQ(yarn.code(), StatusCode::kUnsupported);
  EXPECT_THAT(yarn.message(), HasSubstr("llama.rope.scaling.type 'yarn' is not supported"));
  Status no_eps = build(WriteModel(dir, "no-eps.gguf", {}, /*with_eps=*/false));
  EXPECT_EQ(no_eps.code(), StatusCode::kCorrupt);
  EXPECT_THAT(no_eps.message(), HasSubstr("missing key llama.attention.layer_norm_rms_epsilon"));
  Status wrong_type =
      build(WriteModel(dir, "string-ffn.gguf", {{"llama.rope.freq_base", "ten thousand"}}));
  EXPECT_EQ(wrong_type.code(), StatusCode::kCorrupt);
  EXPECT_THAT(wrong_type.message(), HasSubstr("llama.rope.freq_base is not a floating-point"));
}

}  // namespace
}  // namespace llmcore
