// The encoders give ggml's bytes: FNV-1a digests of the blocks ggml's
// reference quantizers (quantize_row_*_ref of ggml-quants.c, what llama.cpp's
// quantizer runs without an importance matrix) produce from two fixed
// inputs. The hand-computed blocks pin the layouts; these pin the scale
// searches of the K-quants, which no hand-computed block can cover.
#include <gtest/gtest.h>

#include <vector>

#include "llmcore/quant/quantize.h"
#include "quant_test_util.h"

namespace llmcore::quant {
namespace {

uint64_t Fnv1a64(const std::vector<std::byte>& bytes) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (std::byte b : bytes) {
    h ^= static_cast<uint8_t>(b);
    h *= 0x100000001B3ull;
  }
  return h;
}

struct Digests {
  TensorType type;
  uint64_t weight_like;  // of WeightLikeValues(256 * 64, 51)
  uint64_t wide;         // of WideRandomValues(256 * 64, 52)
};

constexpr Digests kGgmlDigests[] = {
    {TensorType::kQ8_0, 0xFDF3D0E03E7DD434ull, 0x5D23E8BABF23D5F6ull},
    {TensorType::kQ4_0, 0x7C8DEC20441FAF4Bull, 0x84DD0D9935F2D99Aull},
    {TensorType::kQ4_1, 0x118A324BB9F1691Aull, 0x5E7DA327B011BF87ull},
    {TensorType::kQ5_0, 0x00A31FDEDD8A79E7ull, 0xB58D343CD53DAA0Aull},
    {TensorType::kQ5_1, 0x25604E9CA5D1309Aull, 0x071C0825787AD753ull},
    {TensorType::kQ4_K, 0xBDDD951523760C2Full, 0x22CB1A10E9FCB32Eull},
    {TensorType::kQ5_K, 0xED2C0B2391C89A21ull, 0xD9DBEB42FFD47616ull},
    {TensorType::kQ6_K, 0xF881E5E9B7DFF0D6ull, 0x9C4678FE1E5CDC43ull},
};

TEST(GgmlBytes, EncodersGiveGgmlsReferenceBytes) {
  const auto weight_like = testing::WeightLikeValues(256 * 64, 51);
  const auto wide = testing::WideRandomValues(256 * 64, 52);
  for (const auto& expected : kGgmlDigests) {
    SCOPED_TRACE(std::string(Traits(expected.type).name));
    EXPECT_EQ(Fnv1a64(testing::Encode(expected.type, weight_like)), expected.weight_like);
    EXPECT_EQ(Fnv1a64(testing::Encode(expected.type, wide)), expected.wide);
  }
}

}  // namespace
}  // namespace llmcore::quant
