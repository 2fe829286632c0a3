// q5_1: { f16 d; f16 m; u8 qh[4]; u8 qs[16]; }: quants as q5_0;
// x = q * d + m.
//
// Encoder (ggml's quantize_row_q5_1_ref): m = the block's minimum,
// d = (max - min) / 31, q = trunc((x - min) / d + 0.5), at most 31. NaN
// inputs give quant 0.
#include <cfloat>

#include "block_io.h"
#include "kernels.h"
#include "llmcore/quant/half.h"

namespace llmcore::quant::internal {
namespace {

constexpr int64_t kElements = 32;
constexpr int64_t kHalf = kElements / 2;
constexpr int64_t kBytes = 4 + 4 + kHalf;

void EncodeBlock(const float* x, uint8_t* block) {
  float min = FLT_MAX;
  float max = -FLT_MAX;
  for (int64_t j = 0; j < kElements; ++j) {
    if (x[j] < min) min = x[j];
    if (x[j] > max) max = x[j];
  }
  const float d = (max - min) / 31.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  StoreU16(block, FloatToF16(d));
  StoreU16(block + 2, FloatToF16(min));
  uint32_t qh = 0;
  for (int64_t j = 0; j < kHalf; ++j) {
    const uint8_t lo = TruncToLevel((x[j] - min) * id + 0.5f, 31);
    const uint8_t hi = TruncToLevel((x[kHalf + j] - min) * id + 0.5f, 31);
    block[8 + j] = static_cast<uint8_t>((lo & 0x0F) | ((hi & 0x0F) << 4));
    qh |= static_cast<uint32_t>(lo >> 4) << j;
    qh |= static_cast<uint32_t>(hi >> 4) << (j + kHalf);
  }
  StoreU32(block + 4, qh);
}

void DecodeBlock(const uint8_t* block, float* out) {
  const float d = F16ToFloat(LoadU16(block));
  const float m = F16ToFloat(LoadU16(block + 2));
  const uint32_t qh = LoadU32(block + 4);
  for (int64_t j = 0; j < kHalf; ++j) {
    const uint8_t q = block[8 + j];
    const int lo = (q & 0x0F) | static_cast<int>(((qh >> j) & 1) << 4);
    const int hi = (q >> 4) | static_cast<int>(((qh >> (j + kHalf)) & 1) << 4);
    out[j] = static_cast<float>(lo) * d + m;
    out[kHalf + j] = static_cast<float>(hi) * d + m;
  }
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
