// q5_K: { f16 d; f16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]; }: q4_K's
// layout plus a fifth bit per element (bit s of qh[l] for element l of
// sub-block s); x = (d * sc) * q - dmin * m with q in 0..31.
//
// Encoder (ggml's quantize_row_q5_K_ref): as q4_K with 5-bit levels and a
// narrower grid search (rmin -0.5, 16 steps of 0.1), through the same
// EncodeScaleMinLevels.
#include <cstring>

#include "block_io.h"
#include "k_quant_search.h"
#include "kernels.h"

namespace llmcore::quant::internal {
namespace {

constexpr int64_t kElements = 256;
constexpr int64_t kBytes = 176;
constexpr int kSub = 32;
constexpr int kSubBlocks = 8;
constexpr int kQh = 16;  // offset of qh[32]
constexpr int kQs = 48;  // offset of qs[128]

void EncodeBlock(const float* x, uint8_t* block) {
  uint8_t levels[kElements];
  EncodeScaleMinLevels(x, 31, -0.5f, 0.1f, 15, block, levels);

  uint8_t* qh = block + kQh;
  uint8_t* qs = block + kQs;
  std::memset(qh, 0, 32);
  for (int pair = 0; pair < kSubBlocks / 2; ++pair) {
    const uint8_t* lo = levels + 2 * kSub * pair;
    for (int l = 0; l < kSub; ++l) {
      const uint8_t a = lo[l];
      const uint8_t b = lo[kSub + l];
      qs[kSub * pair + l] = static_cast<uint8_t>((a & 0x0F) | ((b & 0x0F) << 4));
      qh[l] |= static_cast<uint8_t>(((a >> 4) << (2 * pair)) | ((b >> 4) << (2 * pair + 1)));
    }
  }
}

void DecodeBlock(const uint8_t* block, float* out) {
  const uint8_t* qh = block + kQh;
  const uint8_t* qs = block + kQs;
  for (int s = 0; s < kSubBlocks; ++s) {
    const SubBlockScale stored = StoredScaleMin(block, s);
    const uint8_t* q = qs + kSub * (s / 2);
    const int shift = 4 * (s % 2);
    for (int l = 0; l < kSub; ++l) {
      const int level = ((q[l] >> shift) & 0x0F) | (((qh[l] >> s) & 1) << 4);
      out[kSub * s + l] = stored.d * static_cast<float>(level) - stored.dm;
    }
  }
}

}  // namespace

void DecodeQ5_K(const void* src, float* dst, int64_t n) {
  DecodeBlocks<kElements, kBytes, DecodeBlock>(src, dst, n);
}
void EncodeQ5_K(const float* src, void* dst, int64_t n) {
  EncodeBlocks<kElements, kBytes, EncodeBlock>(src, dst, n);
}
float DotQ5_K(const void* row, const float* x, int64_t n) {
  return DotBlocks<kElements, kBytes, DecodeBlock>(row, x, n);
}

}  // namespace llmcore::quant::internal
