// The CPU driver agrees with the naive float reference forward pass
// (tests/reference) on generated models of every architecture and every
// weight type the quant library runs; and the reference itself agrees with
// llama.cpp on the trained tiny model.
//
// Threshold. Both sides compute the same function of the same numbers: the
// reference decodes each weight with the quant library's reference decoder,
// and the driver's dot products use exactly those decoded values
// (llmcore/quant/codec.h). What differs is only rounding: the reference
// accumulates every sum in double, the driver in f32 (within (n + 2) * 2^-24
// of the sum of |terms| per dot product, n <= 512 here, i.e. about 3e-5 in
// the worst case and ~1e-6 for the random-walk errors of real data), plus f32
// RMSNorm, softmax and SwiGLU. Carried through two layers this gives a
// normalized logit error ||driver - reference|| / ||reference|| of about
// 1e-6 (2e-6 measured at worst over all variants); the threshold 1e-4 leaves
// a factor of 50 for unlucky rounding while real mistakes are far above it:
// dropping only qwen2's q bias (values ~0.02) already moves the logits by
// 4e-3 to 2e-2 here, and a wrong RoPE ordering or frequency, a dropped q/k
// norm, a GQA head mapped to the wrong KV head or an off-by-one in the
// causal mask move them by more.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "driver_test_util.h"
#include "llmcore/quant/quantize.h"
#include "llmcore/reference/reference_model.h"
#include "llmcore/testing/testing.h"

namespace llmcore {
namespace {

constexpr double kMaxNormalizedError = 1e-4;

struct Variant {
  const char* name;
  const char* args;
};

// dim 256 and ffn 512 are multiples of the K-quants' 256-element blocks, so
// every matrix gets the type asked for (no fallback).
constexpr char kShape[] = "--dim 256 --layers 2 --heads 8 --kv-heads 2 --ffn 512 --ctx 128";

const Variant kVariants[] = {
    {"llama", "--arch llama"},
    // Llama 3.x: RoPE frequency scaling, tied output.
    {"llama3", "--arch llama --rope-scaling-factor 8 --rope-original-ctx 32 --tied"},
    {"qwen2", "--arch qwen2"},
    {"qwen2_tied", "--arch qwen2 --tied --rope-theta 1000000"},
    // Qwen3's head dimension is not dim / heads (64 vs 32).
    {"qwen3", "--arch qwen3 --head-dim 64"},
};

const TensorType kTypes[] = {TensorType::kF32,  TensorType::kF16,  TensorType::kBF16,
                             TensorType::kQ8_0, TensorType::kQ4_0, TensorType::kQ4_1,
                             TensorType::kQ5_0, TensorType::kQ5_1, TensorType::kQ4_K,
                             TensorType::kQ5_K, TensorType::kQ6_K};

// For gtest's parameter printing (ctest lists it).
void PrintTo(const Variant& variant, std::ostream* os) {
  *os << variant.name;
}

using Param = std::tuple<Variant, TensorType>;

class ReferenceCrossCheckTest : public ::testing::TestWithParam<Param> {};

TEST_P(ReferenceCrossCheckTest, DriverMatchesReference) {
  const auto& [variant, type] = GetParam();
  if (!quant::IsSupported(type)) GTEST_SKIP() << "the quant library has no " << Traits(type).name;
  const std::string args = std::string(kShape) + " " + variant.args + " --type " +
                           std::string(Traits(type).name) + " --seed 3";
  auto model = testing::GeneratedModel(args);
  const llmcore_model_desc& desc = model->desc->desc();
  // The matrices really have the requested type.
  testing::EditableDesc view(desc);
  EXPECT_EQ(view.Find("blk.0.ffn_down.weight")->type, static_cast<uint32_t>(type));
  EXPECT_EQ(view.Find("blk.1.attn_output.weight")->type, static_cast<uint32_t>(type));

  auto reference = reference::ReferenceModel::Load(*model->segment);
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  const auto tokens = testing::RandomTokens(24, desc.n_vocab, 99);
  const auto expected = reference->Logits(tokens);

  auto instance = testing::NewInstance(desc, testing::Params(64, 2, 32, 2));
  // Prefill of the first 16 in one batch, then one token at a time.
  auto got = testing::Feed(*instance, desc.n_vocab, 1, 0, {tokens.data(), 16}, true);
  for (size_t i = 16; i < tokens.size(); ++i) {
    got.push_back(testing::Feed(*instance, desc.n_vocab, 1, int32_t(i), {&tokens[i], 1}, false)[0]);
  }
  ASSERT_EQ(got.size(), expected.size());
  double worst = 0;
  for (size_t p = 0; p < got.size(); ++p) {
    const double error = testing::NormalizedError(got[p], expected[p]);
    worst = std::max(worst, error);
    EXPECT_LT(error, kMaxNormalizedError) << "position " << p;
  }
  RecordProperty("worst_normalized_error", std::to_string(worst));
}

std::string ParamName(const ::testing::TestParamInfo<Param>& info) {
  return std::string(std::get<0>(info.param).name) + "_" +
         std::string(Traits(std::get<1>(info.param)).name);
}

INSTANTIATE_TEST_SUITE_P(AllArchitecturesAndTypes, ReferenceCrossCheckTest,
                         ::testing::Combine(::testing::ValuesIn(kVariants),
                                            ::testing::ValuesIn(kTypes)),
                         ParamName);

// The reference on the trained tiny model reproduces llama.cpp's logits
// (stories260K.expected.json): the top-5 of the first 8 decoding steps of
// every case within 0.05 (the README's tolerance: llama.cpp's F16 KV cache
// alone moves them by up to 0.016) and its greedy choice at each of them.
TEST(ReferenceModelTest, MatchesLlamaCppOnStories260K) {
  auto model = testing::LoadModel(testing::BundledModelPath());
  auto reference = reference::ReferenceModel::Load(*model->segment);
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  std::ifstream in(testing::TestdataDir() + "/models/stories260K.expected.json");
  ASSERT_TRUE(in) << "missing stories260K.expected.json";
  const auto expected = nlohmann::json::parse(in);
  for (const auto& c : expected["cases"]) {
    std::vector<int32_t> tokens = c["prompt_tokens"].get<std::vector<int32_t>>();
    const auto generated = c["generated"].get<std::vector<int32_t>>();
    const size_t prompt_len = tokens.size();
    tokens.insert(tokens.end(), generated.begin(), generated.begin() + 7);
    const auto logits = reference->Logits(tokens);
    for (size_t step = 0; step < 8; ++step) {
      const auto& row = logits[prompt_len - 1 + step];
      EXPECT_EQ(testing::Argmax(row), generated[step]) << c["prompt"] << " step " << step;
      for (const auto& pair : c["top5_first_steps"][step]) {
        const int id = pair[0].get<int>();
        EXPECT_NEAR(row[id], pair[1].get<double>(), 0.05)
            << c["prompt"] << " step " << step << " token " << id;
      }
    }
  }
}

}  // namespace
}  // namespace llmcore
