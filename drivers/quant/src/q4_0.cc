// q4_0: { f16 d; u8 qs[16]; }: low nibbles hold elements 0-15, high nibbles
// elements 16-31; x = (q - 8) * d.
//
// Encoder (ggml's quantize_row_q4_0_ref): m is the element of largest
// magnitude with its sign (the first one on a tie), d = m / -8, and
// q = min(15, trunc(x / d + 8.5)), so m itself maps to level 0 (-8) and the
// levels reach from -8d to 7d. NaN inputs give quant 0.
#include "block_io.h"
#include "kernels.h"
#include "legacy_quant.h"
#include "llmcore/quant/half.h"

namespace llmcore::quant::internal {
namespace {

constexpr int64_t kElements = kLegacyElements;
constexpr int64_t kHalf = kElements / 2;
constexpr int64_t kBytes = 2 + kHalf;

void EncodeBlock(const float* x, uint8_t* block) {
  uint8_t levels[kElements];
  StoreU16(block, FloatToF16(QuantizeSignedMax(x, 15, levels)));
  PackNibbles(levels, block + 2);
}

void DecodeBlock(const uint8_t* block, float* out) {
  const float d = F16ToFloat(LoadU16(block));
  for (int64_t j = 0; j < kHalf; ++j) {
    const uint8_t q = block[2 + j];
    out[j] = static_cast<float>((q & 0x0F) - 8) * d;
    out[kHalf + j] = static_cast<float>((q >> 4) - 8) * d;
  }
}

}  // namespace

void DecodeQ4_0(const void* src, float* dst, int64_t n) {
  DecodeBlocks<kElements, kBytes, DecodeBlock>(src, dst, n);
}
void EncodeQ4_0(const float* src, void* dst, int64_t n) {
  EncodeBlocks<kElements, kBytes, EncodeBlock>(src, dst, n);
}
float DotQ4_0(const void* row, const float* x, int64_t n) {
  return DotBlocks<kElements, kBytes, DecodeBlock>(row, x, n);
}

}  // namespace llmcore::quant::internal
