// q5_K: { f16 d; f16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]; }: q4_K's
// layout plus a fifth bit per element (bit s of qh[l] for element l of
// sub-block s); x = (d * sc) * q - dmin * m with q in 0..31.
//
// Encoder (ggml's quantize_row_q5_K_ref): as q4_K with 5-bit levels and a
// narrower grid search (rmin -0.5, 16 steps of 0.1).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "block_io.h"
#include "k_quant_search.h"
#include "kernels.h"
#include "llmcore/quant/half.h"

namespace llmcore::quant::internal {
namespace {

constexpr int64_t kElements = 256;
constexpr int64_t kBytes = 176;
constexpr int kSub = 32;
constexpr int kSubBlocks = 8;
constexpr int kScales = 4;  // offset of scales[12]
constexpr int kQh = 16;     // offset of qh[32]
constexpr int kQs = 48;     // offset of qs[128]

void EncodeBlock(const float* x, uint8_t* block) {
  uint8_t levels[kElements];
  float scales[kSubBlocks];
  float mins[kSubBlocks];
  float max_scale = 0.0f;
  float max_min = 0.0f;
  for (int s = 0; s < kSubBlocks; ++s) {
    const float* xs = x + kSub * s;
    float sum_x2 = 0.0f;
    for (int l = 0; l < kSub; ++l) sum_x2 += xs[l] * xs[l];
    const float av_x = std::sqrt(sum_x2 / static_cast<float>(kSub));
    float weights[kSub];
    for (int l = 0; l < kSub; ++l) weights[l] = av_x + std::fabs(xs[l]);
    const ScaleMin fit = SearchScaleMin(kSub, 31, xs, weights, levels + kSub * s, -0.5f, 0.1f, 15);
    scales[s] = fit.scale;
    mins[s] = fit.min;
    if (fit.scale > max_scale) max_scale = fit.scale;
    if (fit.min > max_min) max_min = fit.min;
  }

  uint8_t* packed = block + kScales;
  std::memset(packed, 0, 12);
  const float inv_scale = max_scale > 0.0f ? 63.0f / max_scale : 0.0f;
  const float inv_min = max_min > 0.0f ? 63.0f / max_min : 0.0f;
  for (int s = 0; s < kSubBlocks; ++s) {
    const auto sc = static_cast<uint8_t>(std::min(63, NearestInt(inv_scale * scales[s]) & 0xFF));
    const auto m = static_cast<uint8_t>(std::min(63, NearestInt(inv_min * mins[s]) & 0xFF));
    PackScaleMin(s, sc, m, packed);
  }
  StoreU16(block, FloatToF16(max_scale / 63.0f));
  StoreU16(block + 2, FloatToF16(max_min / 63.0f));

  // Re-round against the scales as stored (see q4_k.cc).
  const float d_all = F16ToFloat(LoadU16(block));
  const float dmin_all = F16ToFloat(LoadU16(block + 2));
  for (int s = 0; s < kSubBlocks; ++s) {
    uint8_t sc;
    uint8_t m;
    UnpackScaleMin(s, packed, &sc, &m);
    const float d = d_all * static_cast<float>(sc);
    if (d == 0.0f) continue;
    const float dm = dmin_all * static_cast<float>(m);
    for (int l = 0; l < kSub; ++l) {
      levels[kSub * s + l] =
          static_cast<uint8_t>(std::clamp(NearestInt((x[kSub * s + l] + dm) / d), 0, 31));
    }
  }

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
  const float d_all = F16ToFloat(LoadU16(block));
  const float dmin_all = F16ToFloat(LoadU16(block + 2));
  const uint8_t* packed = block + kScales;
  const uint8_t* qh = block + kQh;
  const uint8_t* qs = block + kQs;
  for (int s = 0; s < kSubBlocks; ++s) {
    uint8_t sc;
    uint8_t m;
    UnpackScaleMin(s, packed, &sc, &m);
    const float d = d_all * static_cast<float>(sc);
    const float dm = dmin_all * static_cast<float>(m);
    const uint8_t* q = qs + kSub * (s / 2);
    const int shift = 4 * (s % 2);
    for (int l = 0; l < kSub; ++l) {
      const int level = ((q[l] >> shift) & 0x0F) | (((qh[l] >> s) & 1) << 4);
      out[kSub * s + l] = d * static_cast<float>(level) - dm;
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
