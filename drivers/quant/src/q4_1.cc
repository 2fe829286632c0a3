// q4_1: { f16 d; f16 m; u8 qs[16]; }: nibbles as q4_0; x = q * d + m.
//
// Encoder (ggml's quantize_row_q4_1_ref): m = the block's minimum,
// d = (max - min) / 15, q = min(15, trunc((x - min) / d + 0.5)): the nearest
// of 16 levels spanning [min, max]. NaN inputs give quant 0.
#include <cfloat>

#include "block_io.h"
#include "kernels.h"
#include "llmcore/quant/half.h"

namespace llmcore::quant::internal {
namespace {

constexpr int64_t kElements = 32;
constexpr int64_t kHalf = kElements / 2;
constexpr int64_t kBytes = 4 + kHalf;

void EncodeBlock(const float* x, uint8_t* block) {
  float min = FLT_MAX;
  float max = -FLT_MAX;
  for (int64_t j = 0; j < kElements; ++j) {
    if (x[j] < min) min = x[j];
    if (x[j] > max) max = x[j];
  }
  const float d = (max - min) / 15.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  StoreU16(block, FloatToF16(d));
  StoreU16(block + 2, FloatToF16(min));
  for (int64_t j = 0; j < kHalf; ++j) {
    const uint8_t lo = TruncToLevel((x[j] - min) * id + 0.5f, 15);
    const uint8_t hi = TruncToLevel((x[kHalf + j] - min) * id + 0.5f, 15);
    block[4 + j] = static_cast<uint8_t>(lo | (hi << 4));
  }
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
