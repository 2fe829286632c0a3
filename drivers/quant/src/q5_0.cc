// q5_0: { f16 d; u8 qh[4]; u8 qs[16]; }: the low four bits of each quant as
// q4_0's nibbles, bit 4 of quant j in bit j of the little-endian u32 qh;
// x = (q - 16) * d.
//
// Encoder (ggml's quantize_row_q5_0_ref): as q4_0 with 32 levels: m the
// element of largest magnitude (with its sign), d = m / -16,
// q = min(31, trunc(x / d + 16.5)). NaN inputs give quant 0.
#include "block_io.h"
#include "kernels.h"
#include "legacy_quant.h"
#include "llmcore/quant/half.h"

namespace llmcore::quant::internal {
namespace {

constexpr int64_t kElements = kLegacyElements;
constexpr int64_t kHalf = kElements / 2;
constexpr int64_t kBytes = 2 + 4 + kHalf;

void EncodeBlock(const float* x, uint8_t* block) {
  uint8_t levels[kElements];
  StoreU16(block, FloatToF16(QuantizeSignedMax(x, 31, levels)));
  PackFiveBit(levels, block + 2, block + 6);
}

void DecodeBlock(const uint8_t* block, float* out) {
  const float d = F16ToFloat(LoadU16(block));
  int levels[kElements];
  UnpackFiveBit(block + 2, block + 6, levels);
  for (int64_t j = 0; j < kElements; ++j) out[j] = static_cast<float>(levels[j] - 16) * d;
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
