// q4_K: { f16 d; f16 dmin; u8 scales[12]; u8 qs[128]; }: 8 sub-blocks of 32
// with 6-bit scale sc and min m each (layout in codec.h);
// x = (d * sc) * q - dmin * m.
//
// Encoder (ggml's quantize_row_q4_K_ref): EncodeScaleMinLevels with 16
// levels (grid search rmin -1, 21 steps of 0.1) fits and stores the scales,
// mins and levels; this file only packs the levels into nibbles.
#include "block_io.h"
#include "k_quant_search.h"
#include "kernels.h"

namespace llmcore::quant::internal {
namespace {

constexpr int64_t kElements = 256;
constexpr int64_t kBytes = 144;
constexpr int kSub = 32;
constexpr int kSubBlocks = 8;
constexpr int kQs = 16;  // offset of qs[128]

void EncodeBlock(const float* x, uint8_t* block) {
  uint8_t levels[kElements];
  EncodeScaleMinLevels(x, 15, -1.0f, 0.1f, 20, block, levels);

  // Sub-blocks 2k and 2k+1 share 32 bytes: low and high nibbles.
  uint8_t* qs = block + kQs;
  for (int pair = 0; pair < kSubBlocks / 2; ++pair) {
    const uint8_t* lo = levels + 2 * kSub * pair;
    for (int l = 0; l < kSub; ++l) {
      qs[kSub * pair + l] = static_cast<uint8_t>(lo[l] | (lo[kSub + l] << 4));
    }
  }
}

void DecodeBlock(const uint8_t* block, float* out) {
  const uint8_t* qs = block + kQs;
  for (int s = 0; s < kSubBlocks; ++s) {
    const SubBlockScale stored = StoredScaleMin(block, s);
    const uint8_t* q = qs + kSub * (s / 2);
    const int shift = 4 * (s % 2);
    for (int l = 0; l < kSub; ++l) {
      out[kSub * s + l] = stored.d * static_cast<float>((q[l] >> shift) & 0x0F) - stored.dm;
    }
  }
}

}  // namespace

void DecodeQ4_K(const void* src, float* dst, int64_t n) {
  DecodeBlocks<kElements, kBytes, DecodeBlock>(src, dst, n);
}
void EncodeQ4_K(const float* src, void* dst, int64_t n) {
  EncodeBlocks<kElements, kBytes, EncodeBlock>(src, dst, n);
}
float DotQ4_K(const void* row, const float* x, int64_t n) {
  return DotBlocks<kElements, kBytes, DecodeBlock>(row, x, n);
}

}  // namespace llmcore::quant::internal
