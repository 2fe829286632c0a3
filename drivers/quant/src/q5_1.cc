// q5_1: { f16 d; f16 m; u8 qh[4]; u8 qs[16]; }: quants as q5_0;
// x = q * d + m.
//
// Encoder (ggml's quantize_row_q5_1_ref): m = the block's minimum,
// d = (max - min) / 31, q = trunc((x - min) / d + 0.5), at most 31. NaN
// inputs give quant 0.
#include "block_io.h"
#include "kernels.h"
#include "legacy_quant.h"
#include "llmcore/quant/half.h"

namespace llmcore::quant::internal {
namespace {

constexpr int64_t kElements = kLegacyElements;
constexpr int64_t kHalf = kElements / 2;
constexpr int64_t kBytes = 4 + 4 + kHalf;

void EncodeBlock(const float* x, uint8_t* block) {
  uint8_t levels[kElements];
  float min;
  StoreU16(block, FloatToF16(QuantizeMinMax(x, 31, &min, levels)));
  StoreU16(block + 2, FloatToF16(min));
  PackFiveBit(levels, block + 4, block + 8);
}

void DecodeBlock(const uint8_t* block, float* out) {
  const float d = F16ToFloat(LoadU16(block));
  const float m = F16ToFloat(LoadU16(block + 2));
  int levels[kElements];
  UnpackFiveBit(block + 4, block + 8, levels);
  for (int64_t j = 0; j < kElements; ++j) out[j] = static_cast<float>(levels[j]) * d + m;
}

}  // namespace

void DecodeQ5_1(const void* src, float* dst, int64_t n) {
  DecodeBlocks<kElements, kBytes, DecodeBlock>(src, dst, n);
}
void EncodeQ5_1(const float* src, void* dst, int64_t n) {
  EncodeBlocks<kElements, kBytes, EncodeBlock>(src, dst, n);
}
float DotQ5_1(const void* row, const float* x, int64_t n) {
  return DotBlocks<kElements, kBytes, DecodeBlock>(row, x, n);
}

}  // namespace llmcore::quant::internal
