// q6_K: { u8 ql[128]; u8 qh[64]; int8 scales[16]; f16 d; }: 16 sub-blocks of
// 16 with a signed 8-bit scale each, 6-bit levels split into a low nibble
// (ql) and two high bits (qh), layout in codec.h; x = (d * sc) * (q - 32).
//
// Encoder (ggml's quantize_row_q6_K_ref): each sub-block gets a signed scale
// from SearchSymmetricScale (levels -32..31, weights x^2); the scale of
// largest magnitude sets d = -max_scale / 128, the 8-bit codes are the
// rounded ratios (at most 127), and every element is re-rounded to the
// nearest level of its sub-block's stored scale. A block whose scales are
// all below 1e-15 is all zero bytes.
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
constexpr int64_t kBytes = 210;
constexpr int kSub = 16;
constexpr int kSubBlocks = 16;
constexpr int kQl = 0;        // offset of ql[128]
constexpr int kQh = 128;      // offset of qh[64]
constexpr int kScales = 192;  // offset of scales[16]
constexpr int kD = 208;       // offset of d

constexpr float kGroupMaxEps = 1e-15f;

void EncodeBlock(const float* x, uint8_t* block) {
  int8_t levels[kElements];
  float scales[kSubBlocks];
  float max_scale = 0.0f;
  float max_abs_scale = 0.0f;
  for (int s = 0; s < kSubBlocks; ++s) {
    scales[s] = SearchSymmetricScale(kSub, 32, x + kSub * s, levels + kSub * s);
    const float abs_scale = std::fabs(scales[s]);
    if (abs_scale > max_abs_scale) {
      max_abs_scale = abs_scale;
      max_scale = scales[s];
    }
  }
  if (max_abs_scale < kGroupMaxEps) {
    std::memset(block, 0, kBytes);
    return;
  }

  const float iscale = -128.0f / max_scale;
  StoreU16(block + kD, FloatToF16(1.0f / iscale));
  int8_t codes[kSubBlocks];
  for (int s = 0; s < kSubBlocks; ++s) {
    codes[s] = static_cast<int8_t>(std::clamp(NearestInt(iscale * scales[s]), -128, 127));
    block[kScales + s] = static_cast<uint8_t>(codes[s]);
  }

  // Re-round against the scales as stored; a sub-block whose code is 0 keeps
  // the levels of its search, as ggml does.
  const float d_all = F16ToFloat(LoadU16(block + kD));
  for (int s = 0; s < kSubBlocks; ++s) {
    const float d = d_all * static_cast<float>(codes[s]);
    if (d == 0.0f) continue;
    for (int l = 0; l < kSub; ++l) {
      const int level = std::clamp(NearestInt(x[kSub * s + l] / d), -32, 31);
      levels[kSub * s + l] = static_cast<int8_t>(level + 32);
    }
  }

  // Each half of 128 elements fills 64 bytes of ql and 32 of qh: element
  // l + 32k (k = 0..3) of the half has its low nibble in ql[l + 32 (k % 2)]
  // (low nibble for k < 2, high for k >= 2) and its top two bits in
  // bits 2k, 2k+1 of qh[l].
  for (int half = 0; half < 2; ++half) {
    const int8_t* lv = levels + 128 * half;
    uint8_t* ql = block + kQl + 64 * half;
    uint8_t* qh = block + kQh + 32 * half;
    for (int l = 0; l < 32; ++l) {
      const auto q0 = static_cast<uint8_t>(lv[l]);
      const auto q1 = static_cast<uint8_t>(lv[l + 32]);
      const auto q2 = static_cast<uint8_t>(lv[l + 64]);
      const auto q3 = static_cast<uint8_t>(lv[l + 96]);
      ql[l] = static_cast<uint8_t>((q0 & 0x0F) | ((q2 & 0x0F) << 4));
      ql[l + 32] = static_cast<uint8_t>((q1 & 0x0F) | ((q3 & 0x0F) << 4));
      qh[l] =
          static_cast<uint8_t>((q0 >> 4) | ((q1 >> 4) << 2) | ((q2 >> 4) << 4) | ((q3 >> 4) << 6));
    }
  }
}

void DecodeBlock(const uint8_t* block, float* out) {
  const float d_all = F16ToFloat(LoadU16(block + kD));
  int8_t codes[kSubBlocks];
  for (int s = 0; s < kSubBlocks; ++s) codes[s] = static_cast<int8_t>(block[kScales + s]);
  for (int half = 0; half < 2; ++half) {
    const uint8_t* ql = block + kQl + 64 * half;
    const uint8_t* qh = block + kQh + 32 * half;
    float* y = out + 128 * half;
    const int8_t* sc = codes + 8 * half;
    for (int l = 0; l < 32; ++l) {
      const int q0 = ((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q1 = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q2 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q3 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      const int is = l / 16;
      y[l] = d_all * static_cast<float>(sc[is]) * static_cast<float>(q0);
      y[l + 32] = d_all * static_cast<float>(sc[is + 2]) * static_cast<float>(q1);
      y[l + 64] = d_all * static_cast<float>(sc[is + 4]) * static_cast<float>(q2);
      y[l + 96] = d_all * static_cast<float>(sc[is + 6]) * static_cast<float>(q3);
    }
  }
}

}  // namespace

void DecodeQ6_K(const void* src, float* dst, int64_t n) {
  DecodeBlocks<kElements, kBytes, DecodeBlock>(src, dst, n);
}
void EncodeQ6_K(const float* src, void* dst, int64_t n) {
  EncodeBlocks<kElements, kBytes, EncodeBlock>(src, dst, n);
}
float DotQ6_K(const void* row, const float* x, int64_t n) {
  return DotBlocks<kElements, kBytes, DecodeBlock>(row, x, n);
}

}  // namespace llmcore::quant::internal
