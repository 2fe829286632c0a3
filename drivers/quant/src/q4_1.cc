// q4_1: { f16 d; f16 m; u8 qs[16]; }: nibbles as q4_0; x = q * d + m.
//
// Encoder (ggml's quantize_row_q4_1_ref): m = the block's minimum,
// d = (max - min) / 15, q = min(15, trunc((x - min) / d + 0.5)): the nearest
// of 16 levels spanning [min, max]. NaN inputs give quant 0.
#include "block_io.h"
#include "kernels.h"
#include "legacy_quant.h"
#include "llmcore/quant/half.h"

namespace llmcore::quant::internal {
namespace {

constexpr int64_t kElements = kLegacyElements;
constexpr int64_t kHalf = kElements / 2;
constexpr int64_t kBytes = 4 + kHalf;

void EncodeBlock(const float* x, uint8_t* block) {
  uint8_t levels[kElements];
  float min;
  StoreU16(block, FloatToF16(QuantizeMinMax(x, 15, &min, levels)));
  StoreU16(block + 2, FloatToF16(min));
  PackNibbles(levels, block + 4);
}

void DecodeBlock(const uint8_t* block, float* out) {
  const float d = F16ToFloat(LoadU16(block));
  const float m = F16ToFloat(LoadU16(block + 2));
  for (int64_t j = 0; j < kHalf; ++j) {
    const uint8_t q = block[4 + j];
    out[j] = static_cast<float>(q & 0x0F) * d + m;
    out[kHalf + j] = static_cast<float>(q >> 4) * d + m;
  }
}

}  // namespace

void DecodeQ4_1(const void* src, float* dst, int64_t n) {
  DecodeBlocks<kElements, kBytes, DecodeBlock>(src, dst, n);
}
void EncodeQ4_1(const float* src, void* dst, int64_t n) {
  EncodeBlocks<kElements, kBytes, EncodeBlock>(src, dst, n);
}
float DotQ4_1(const void* row, const float* x, int64_t n) {
  return DotBlocks<kElements, kBytes, DecodeBlock>(row, x, n);
}

}  // namespace llmcore::quant::internal
