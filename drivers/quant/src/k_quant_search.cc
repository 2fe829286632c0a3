#include "k_quant_search.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "block_io.h"
#include "llmcore/quant/half.h"

namespace llmcore::quant::internal {
namespace {

// ggml's GROUP_MAX_EPS: a sub-block whose largest magnitude is below this is
// treated as zero.
constexpr float kGroupMaxEps = 1e-15f;

}  // namespace

ScaleMin SearchScaleMin(int n, int nmax, const float* x, const float* weights, uint8_t* levels,
                        float rmin, float rdelta, int nstep) {
  float min = x[0];
  float max = x[0];
  float sum_w = weights[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    sum_w += weights[i];
    sum_x += weights[i] * x[i];
  }
  if (min > 0.0f) min = 0.0f;
  if (max == min) {
    std::fill(levels, levels + n, uint8_t{0});
    return {0.0f, -min};
  }

  // The plain grid: nmax steps from min to max.
  float iscale = static_cast<float>(nmax) / (max - min);
  float scale = 1.0f / iscale;
  float best_error = 0.0f;
  for (int i = 0; i < n; ++i) {
    const int l = std::clamp(NearestInt(iscale * (x[i] - min)), 0, nmax);
    levels[i] = static_cast<uint8_t>(l);
    float diff = scale * static_cast<float>(l) + min - x[i];
    diff = diff * diff;
    best_error += weights[i] * diff;
  }
  if (nstep < 1) return {scale, -min};

  uint8_t trial[32];
  for (int step = 0; step <= nstep; ++step) {
    iscale = (rmin + rdelta * static_cast<float>(step) + static_cast<float>(nmax)) / (max - min);
    float sum_l = 0.0f;
    float sum_l2 = 0.0f;
    float sum_xl = 0.0f;
    for (int i = 0; i < n; ++i) {
      const int l = std::clamp(NearestInt(iscale * (x[i] - min)), 0, nmax);
      trial[i] = static_cast<uint8_t>(l);
      const float w = weights[i];
      const auto fl = static_cast<float>(l);
      sum_l += w * fl;
      sum_l2 += w * fl * fl;
      sum_xl += w * fl * x[i];
    }
    // Weighted least squares for x ~ this_scale * l + this_min.
    const float det = sum_w * sum_l2 - sum_l * sum_l;
    if (!(det > 0.0f)) continue;
    float this_scale = (sum_w * sum_xl - sum_x * sum_l) / det;
    float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / det;
    if (this_min > 0.0f) {
      this_min = 0.0f;
      this_scale = sum_xl / sum_l2;
    }
    float error = 0.0f;
    for (int i = 0; i < n; ++i) {
      float diff = this_scale * static_cast<float>(trial[i]) + this_min - x[i];
      diff = diff * diff;
      error += weights[i] * diff;
    }
    if (error < best_error) {
      std::copy(trial, trial + n, levels);
      best_error = error;
      scale = this_scale;
      min = this_min;
    }
  }
  return {scale, -min};
}

float SearchSymmetricScale(int n, int nmax, const float* x, int8_t* levels) {
  float max = 0.0f;
  float amax = 0.0f;
  for (int i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < kGroupMaxEps) {
    std::fill(levels, levels + n, int8_t{0});
    return 0.0f;
  }
  const auto level_of = [nmax](float v) { return std::clamp(NearestInt(v), -nmax, nmax - 1); };

  // The grid through the largest magnitude, fitted by least squares with
  // weights x^2 (rmse_type 1 of ggml).
  float iscale = static_cast<float>(-nmax) / max;
  float sum_lx = 0.0f;
  float sum_l2 = 0.0f;
  for (int i = 0; i < n; ++i) {
    const int l = level_of(iscale * x[i]);
    levels[i] = static_cast<int8_t>(l + nmax);
    const float w = x[i] * x[i];
    const auto fl = static_cast<float>(l);
    sum_lx += w * x[i] * fl;
    sum_l2 += w * fl * fl;
  }
  float scale = sum_l2 != 0.0f ? sum_lx / sum_l2 : 0.0f;
  // Maximizing sum_lx^2 / sum_l2 minimizes the fitted squared error.
  float best = scale * sum_lx;
  for (int k = -9; k <= 9; ++k) {
    if (k == 0) continue;
    iscale = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(k)) / max;
    sum_lx = 0.0f;
    sum_l2 = 0.0f;
    for (int i = 0; i < n; ++i) {
      const auto fl = static_cast<float>(level_of(iscale * x[i]));
      const float w = x[i] * x[i];
      sum_lx += w * x[i] * fl;
      sum_l2 += w * fl * fl;
    }
    if (sum_l2 > 0.0f && sum_lx * sum_lx > best * sum_l2) {
      for (int i = 0; i < n; ++i) levels[i] = static_cast<int8_t>(level_of(iscale * x[i]) + nmax);
      scale = sum_lx / sum_l2;
      best = scale * sum_lx;
    }
  }
  return scale;
}

void PackScaleMin(int s, uint8_t scale, uint8_t min, uint8_t* scales) {
  // Sub-blocks 0-3 keep their 6 bits in the low bits of bytes 0-3 (scale)
  // and 4-7 (min); sub-blocks 4-7 keep their low 4 bits in the nibbles of
  // bytes 8-11 and their top 2 bits in the free top bits of bytes 0-7.
  if (s < 4) {
    scales[s] = scale;
    scales[s + 4] = min;
  } else {
    scales[s + 4] = static_cast<uint8_t>((scale & 0x0F) | ((min & 0x0F) << 4));
    scales[s - 4] |= static_cast<uint8_t>((scale >> 4) << 6);
    scales[s] |= static_cast<uint8_t>((min >> 4) << 6);
  }
}

void UnpackScaleMin(int s, const uint8_t* scales, uint8_t* scale, uint8_t* min) {
  if (s < 4) {
    *scale = scales[s] & 63;
    *min = scales[s + 4] & 63;
  } else {
    *scale = static_cast<uint8_t>((scales[s + 4] & 0x0F) | ((scales[s - 4] >> 6) << 4));
    *min = static_cast<uint8_t>((scales[s + 4] >> 4) | ((scales[s] >> 6) << 4));
  }
}

SubBlockScale StoredScaleMin(const uint8_t* block, int s) {
  uint8_t sc;
  uint8_t m;
  UnpackScaleMin(s, block + 4, &sc, &m);
  return {F16ToFloat(LoadU16(block)) * static_cast<float>(sc),
          F16ToFloat(LoadU16(block + 2)) * static_cast<float>(m)};
}

void EncodeScaleMinLevels(const float* x, int nmax, float rmin, float rdelta, int nstep,
                          uint8_t* block, uint8_t* levels) {
  constexpr int kSub = 32;
  constexpr int kSubBlocks = 8;
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
    const ScaleMin fit =
        SearchScaleMin(kSub, nmax, xs, weights, levels + kSub * s, rmin, rdelta, nstep);
    scales[s] = fit.scale;
    mins[s] = fit.min;
    if (fit.scale > max_scale) max_scale = fit.scale;
    if (fit.min > max_min) max_min = fit.min;
  }

  // The largest scale and min set d = max_scale / 63 and dmin = max_min / 63;
  // the 6-bit codes are the rounded ratios.
  uint8_t* packed = block + 4;
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

  // Re-round against the scales as stored, so that the levels fit what the
  // decoder will see; a sub-block whose scale code is 0 keeps the levels of
  // its search, as ggml does.
  for (int s = 0; s < kSubBlocks; ++s) {
    const SubBlockScale stored = StoredScaleMin(block, s);
    if (stored.d == 0.0f) continue;
    for (int l = 0; l < kSub; ++l) {
      levels[kSub * s + l] = static_cast<uint8_t>(
          std::clamp(NearestInt((x[kSub * s + l] + stored.dm) / stored.d), 0, nmax));
    }
  }
}

}  // namespace llmcore::quant::internal
