// q5_0: { f16 d; u8 qh[4]; u8 qs[16]; }: the low four bits of each quant as
// q4_0's nibbles, bit 4 of quant j in bit j of the little-endian u32 qh;
// x = (q - 16) * d.
//
// Encoder (ggml's quantize_row_q5_0_ref): as q4_0 with 32 levels: m the
// element of largest magnitude (with its sign), d = m / -16,
// q = min(31, trunc(x / d + 16.5)). NaN inputs give quant 0.
#include <cmath>

#include "block_io.h"
#include "kernels.h"
#include "llmcore/quant/half.h"

namespace llmcore::quant::internal {
namespace {

constexpr int64_t kElements = 32;
constexpr int64_t kHalf = kElements / 2;
constexpr int64_t kBytes = 2 + 4 + kHalf;

void EncodeBlock(const float* x, uint8_t* block) {
  float amax = 0.0f;
  float max = 0.0f;
  for (int64_t j = 0; j < kElements; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  const float d = max / -16.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  StoreU16(block, FloatToF16(d));
  uint32_t qh = 0;
  for (int64_t j = 0; j < kHalf; ++j) {
    const uint8_t lo = TruncToLevel(x[j] * id + 16.5f, 31);
    const uint8_t hi = TruncToLevel(x[kHalf + j] * id + 16.5f, 31);
    block[6 + j] = static_cast<uint8_t>((lo & 0x0F) | ((hi & 0x0F) << 4));
    qh |= static_cast<uint32_t>(lo >> 4) << j;
    qh |= static_cast<uint32_t>(hi >> 4) << (j + kHalf);
  }
  StoreU32(block + 2, qh);
}

void DecodeBlock(const uint8_t* block, float* out) {
  const float d = F16ToFloat(LoadU16(block));
  const uint32_t qh = LoadU32(block + 2);
  for (int64_t j = 0; j < kHalf; ++j) {
    const uint8_t q = block[6 + j];
    const int lo = (q & 0x0F) | static_cast<int>(((qh >> j) & 1) << 4);
    const int hi = (q >> 4) | static_cast<int>(((qh >> (j + kHalf)) & 1) << 4);
    out[j] = static_cast<float>(lo - 16) * d;
    out[kHalf + j] = static_cast<float>(hi - 16) * d;
  }
}

}  // namespace

void DecodeQ5_0(const void* src, float* dst, int64_t n) {
  DecodeBlocks<kElements, kBytes, DecodeBlock>(src, dst, n);
}
void EncodeQ5_0(const float* src, void* dst, int64_t n) {
  EncodeBlocks<kElements, kBytes, EncodeBlock>(src, dst, n);
}
float DotQ5_0(const void* row, const float* x, int64_t n) {
  return DotBlocks<kElements, kBytes, DecodeBlock>(row, x, n);
}

}  // namespace llmcore::quant::internal
