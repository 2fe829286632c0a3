// The encoders of ggml's legacy 32-element types come in 4- and 5-bit pairs
// (q4_0/q5_0, q4_1/q5_1) whose scale rules differ only in the level count
// nmax (15 or 31); these helpers serve both halves of each pair, and the
// fifth-bit layout shared by q5_0 and q5_1. Internal to llmcore_quant.
//
// The float operations are those of ggml's reference quantizers, in the same
// order, so the encoders keep giving ggml's bytes.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>

#include "block_io.h"

namespace llmcore::quant::internal {

inline constexpr int kLegacyElements = 32;
inline constexpr int kLegacyHalf = kLegacyElements / 2;

// q4_0/q5_0: m is the element of largest magnitude with its sign (the first
// one on a tie), d = m / -((nmax + 1) / 2) and q = min(nmax, trunc(x / d +
// (nmax + 1) / 2 + 0.5)), so m maps to level 0. Writes the 32 levels and
// returns d.
inline float QuantizeSignedMax(const float* x, int nmax, uint8_t* levels) {
  float amax = 0.0f;
  float max = 0.0f;
  for (int j = 0; j < kLegacyElements; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  const auto zero_level = static_cast<float>((nmax + 1) / 2);  // 8 or 16, exact
  const float d = max / -zero_level;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  for (int j = 0; j < kLegacyElements; ++j) {
    levels[j] = TruncToLevel(x[j] * id + (zero_level + 0.5f), nmax);
  }
  return d;
}

// q4_1/q5_1: *min is the block's minimum, d = (max - min) / nmax and
// q = min(nmax, trunc((x - min) / d + 0.5)). Writes the 32 levels and
// returns d.
inline float QuantizeMinMax(const float* x, int nmax, float* min_out, uint8_t* levels) {
  float min = FLT_MAX;
  float max = -FLT_MAX;
  for (int j = 0; j < kLegacyElements; ++j) {
    if (x[j] < min) min = x[j];
    if (x[j] > max) max = x[j];
  }
  const float d = (max - min) / static_cast<float>(nmax);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  for (int j = 0; j < kLegacyElements; ++j) {
    levels[j] = TruncToLevel((x[j] - min) * id + 0.5f, nmax);
  }
  *min_out = min;
  return d;
}

// The low four bits of levels 0-15 in the low nibbles of qs[16], those of
// levels 16-31 in the high nibbles (q4_0, q4_1, and the low bits of q5_*).
inline void PackNibbles(const uint8_t* levels, uint8_t* qs) {
  for (int j = 0; j < kLegacyHalf; ++j) {
    qs[j] = static_cast<uint8_t>((levels[j] & 0x0F) | ((levels[kLegacyHalf + j] & 0x0F) << 4));
  }
}

// q5_0/q5_1: nibbles as PackNibbles, bit 4 of level j in bit j of the
// little-endian u32 at qh.
inline void PackFiveBit(const uint8_t* levels, uint8_t* qh, uint8_t* qs) {
  PackNibbles(levels, qs);
  uint32_t high = 0;
  for (int j = 0; j < kLegacyElements; ++j) high |= static_cast<uint32_t>(levels[j] >> 4) << j;
  StoreU32(qh, high);
}
inline void UnpackFiveBit(const uint8_t* qh, const uint8_t* qs, int* levels) {
  const uint32_t high = LoadU32(qh);
  for (int j = 0; j < kLegacyHalf; ++j) {
    levels[j] = (qs[j] & 0x0F) | static_cast<int>(((high >> j) & 1) << 4);
    levels[kLegacyHalf + j] =
        (qs[j] >> 4) | static_cast<int>(((high >> (j + kLegacyHalf)) & 1) << 4);
  }
}

}  // namespace llmcore::quant::internal
