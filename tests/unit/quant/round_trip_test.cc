// Round-trip error bounds of every type on random data, each bound derived
// from the type's grid:
//  - f16, bf16: half an ulp, relative 2^-11 and 2^-8.
//  - q8_0, q4_0, q5_0 (symmetric, d from the largest magnitude): half a step
//    d, a whole step for values of the opposite sign beyond the top level,
//    plus what rounding d to f16 moves the outermost level.
//  - q4_1, q5_1 (levels spanning [min, max]): half a step, plus what rounding
//    d and min to f16 moves the levels.
//  - q4_K, q5_K, q6_K: every element decodes to the nearest level of its
//    sub-block's stored grid (the encoder's last step), and the RMS error over
//    the data is no larger than that of a plain grid of the same bit width per
//    sub-block with exact (unrounded) parameters: the least-squares scale
//    search gains more than rounding the sub-block scales to 6 or 8 bits
//    loses (measured ratios 0.60 to 0.96 on these inputs).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "llmcore/quant/quantize.h"
#include "quant_test_util.h"

namespace llmcore::quant {
namespace {

using testing::Decode;
using testing::Encode;
using testing::WeightLikeValues;
using testing::WideRandomValues;

// f16 rounding of a scale, as stored.
double Stored(double scale) {
  return F16ToFloat(FloatToF16(static_cast<float>(scale)));
}

// --- half-precision types ------------------------------------------------------------

TEST(HalfTypes, KeepTheirRelativeError) {
  const auto x = WideRandomValues(4096, 6);
  const auto f16 = Decode(TensorType::kF16, Encode(TensorType::kF16, x));
  const auto bf16 = Decode(TensorType::kBF16, Encode(TensorType::kBF16, x));
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::fabs(x[i]) >= std::ldexp(1.0f, -14)) {  // normal f16 range
      ASSERT_LE(std::fabs(f16[i] - x[i]), std::fabs(x[i]) * std::ldexp(1.0, -11)) << x[i];
    }
    ASSERT_LE(std::fabs(bf16[i] - x[i]), std::fabs(x[i]) * std::ldexp(1.0, -8)) << x[i];
  }
}

// --- q8_0, q4_0 ------------------------------------------------------------------------

TEST(Q8_0, RoundTripErrorIsAtMostHalfAStepPerBlock) {
  const auto x = WideRandomValues(32 * 512, 3);
  const auto y = Decode(TensorType::kQ8_0, Encode(TensorType::kQ8_0, x));
  for (size_t b = 0; b < x.size() / 32; ++b) {
    float amax = 0.0f;
    for (size_t j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b * 32 + j]));
    const double d = amax / 127.0;
    const double d16 = F16ToFloat(FloatToF16(static_cast<float>(d)));
    // Half a step, plus what storing d as f16 moves the largest quant.
    const double bound = d / 2 + 127 * std::fabs(d - d16) + 1e-6 * amax;
    for (size_t j = 0; j < 32; ++j) {
      ASSERT_LE(std::fabs(y[b * 32 + j] - x[b * 32 + j]), bound) << "block " << b;
    }
  }
}

TEST(Q4_0, RoundTripErrorIsBoundedPerBlock) {
  const auto x = WideRandomValues(32 * 512, 4);
  const auto y = Decode(TensorType::kQ4_0, Encode(TensorType::kQ4_0, x));
  for (size_t b = 0; b < x.size() / 32; ++b) {
    float max = 0.0f;
    for (size_t j = 0; j < 32; ++j) {
      if (std::fabs(x[b * 32 + j]) > std::fabs(max)) max = x[b * 32 + j];
    }
    const double d = std::fabs(max / 8.0);
    const double d16 = std::fabs(F16ToFloat(FloatToF16(max / -8.0f)));
    const double scale_error = 8 * std::fabs(d - d16) + 1e-6 * std::fabs(max);
    for (size_t j = 0; j < 32; ++j) {
      const float xv = x[b * 32 + j];
      // Levels run from -8d to 7d: half a step inside, up to a whole step for
      // values of the opposite sign beyond 7.5d.
      const bool clamped = std::fabs(xv) > 7.5 * d && std::signbit(xv) != std::signbit(max);
      const double bound = (clamped ? d : d / 2) + scale_error;
      ASSERT_LE(std::fabs(y[b * 32 + j] - xv), bound) << "block " << b << " element " << j;
    }
  }
}

// --- q4_1, q5_0, q5_1 ----------------------------------------------------------------

// Levels q * d + m spanning [min, max] in `steps` steps.
void ExpectMinMaxGridBound(TensorType type, int steps, uint32_t seed) {
  for (const auto& x : {WideRandomValues(32 * 512, seed), WeightLikeValues(32 * 512, seed)}) {
    const auto y = Decode(type, Encode(type, x));
    for (size_t b = 0; b < x.size() / 32; ++b) {
      const auto first = x.begin() + static_cast<ptrdiff_t>(32 * b);
      const double min = *std::min_element(first, first + 32);
      const double max = *std::max_element(first, first + 32);
      const double d = (max - min) / steps;
      const double bound = d / 2 + steps * std::fabs(Stored(d) - d) + std::fabs(Stored(min) - min) +
                           1e-6 * (std::fabs(max) + std::fabs(min));
      for (size_t j = 0; j < 32; ++j) {
        ASSERT_LE(std::fabs(y[32 * b + j] - x[32 * b + j]), bound)
            << "block " << b << " element " << j;
      }
    }
  }
}

TEST(Q4_1, RoundTripErrorIsHalfAStepPlusScaleRounding) {
  ExpectMinMaxGridBound(TensorType::kQ4_1, 15, 21);
}

TEST(Q5_1, RoundTripErrorIsHalfAStepPlusScaleRounding) {
  ExpectMinMaxGridBound(TensorType::kQ5_1, 31, 22);
}

TEST(Q5_0, RoundTripErrorIsBoundedPerBlock) {
  for (const auto& x : {WideRandomValues(32 * 512, 23), WeightLikeValues(32 * 512, 23)}) {
    const auto y = Decode(TensorType::kQ5_0, Encode(TensorType::kQ5_0, x));
    for (size_t b = 0; b < x.size() / 32; ++b) {
      float max = 0.0f;
      for (size_t j = 0; j < 32; ++j) {
        if (std::fabs(x[32 * b + j]) > std::fabs(max)) max = x[32 * b + j];
      }
      const double d = std::fabs(max / 16.0);
      const double scale_error =
          16 * std::fabs(d - std::fabs(Stored(max / -16.0))) + 1e-6 * std::fabs(max);
      for (size_t j = 0; j < 32; ++j) {
        const float xv = x[32 * b + j];
        // Levels run from -16d to 15d (signed against m): half a step inside,
        // up to a whole step for values of the opposite sign beyond 15.5d.
        const bool clamped = std::fabs(xv) > 15.5 * d && std::signbit(xv) != std::signbit(max);
        const double bound = (clamped ? d : d / 2) + scale_error;
        ASSERT_LE(std::fabs(y[32 * b + j] - xv), bound) << "block " << b << " element " << j;
      }
    }
  }
}

// --- q4_K, q5_K, q6_K ----------------------------------------------------------------

// The stored grid of one sub-block: value of level q is step * q - offset,
// q in [q_min, q_max].
struct Grid {
  float step;
  float offset;
  int q_min;
  int q_max;
};

// Parses the sub-block grids of one super-block (layouts in codec.h),
// independently of the library's decoder.
std::vector<Grid> Grids(TensorType type, const std::byte* block) {
  auto u8 = [block](size_t i) { return static_cast<int>(block[i]); };
  auto f16 = [&](size_t i) { return F16ToFloat(static_cast<uint16_t>(u8(i) | (u8(i + 1) << 8))); };
  std::vector<Grid> grids;
  if (type == TensorType::kQ6_K) {
    const float d = f16(208);
    for (int s = 0; s < 16; ++s) {
      const auto sc = static_cast<int8_t>(u8(192 + s));
      grids.push_back({d * static_cast<float>(sc), 0.0f, -32, 31});
    }
    return grids;
  }
  const float d = f16(0);
  const float dmin = f16(2);
  for (int s = 0; s < 8; ++s) {
    int sc;
    int m;
    if (s < 4) {
      sc = u8(4 + s) & 63;
      m = u8(8 + s) & 63;
    } else {
      sc = (u8(8 + s) & 15) | ((u8(s) >> 6) << 4);
      m = (u8(8 + s) >> 4) | ((u8(4 + s) >> 6) << 4);
    }
    grids.push_back({d * static_cast<float>(sc), dmin * static_cast<float>(m), 0,
                     type == TensorType::kQ4_K ? 15 : 31});
  }
  return grids;
}

// Sum of squared errors of the plain grid per sub-block with exact
// parameters: `steps` steps over [min, max] (asymmetric), or the symmetric
// grid of step amax / steps (q6_K).
double PlainGridSquaredError(TensorType type, const std::vector<float>& x) {
  const bool symmetric = type == TensorType::kQ6_K;
  const size_t sub = symmetric ? 16 : 32;
  const int steps = type == TensorType::kQ4_K ? 15 : 31;
  double total = 0.0;
  for (size_t b = 0; b < x.size(); b += sub) {
    const auto first = x.begin() + static_cast<ptrdiff_t>(b);
    const double lo = *std::min_element(first, first + static_cast<ptrdiff_t>(sub));
    const double hi = *std::max_element(first, first + static_cast<ptrdiff_t>(sub));
    const double amax = std::max(std::fabs(lo), std::fabs(hi));
    const double step = symmetric ? amax / steps : (hi - lo) / steps;
    const double base = symmetric ? 0.0 : lo;
    for (size_t i = 0; i < sub; ++i) {
      const double q = step > 0 ? std::round((x[b + i] - base) / step) : 0.0;
      const double e = q * step + base - x[b + i];
      total += e * e;
    }
  }
  return total;
}

class KQuantRoundTrip : public ::testing::TestWithParam<TensorType> {};

TEST_P(KQuantRoundTrip, EveryElementDecodesToTheNearestStoredLevel) {
  const TensorType type = GetParam();
  const size_t block_bytes = Traits(type).block_bytes;
  const int sub = type == TensorType::kQ6_K ? 16 : 32;
  for (const auto& x : {WideRandomValues(256 * 128, 31), WeightLikeValues(256 * 128, 32)}) {
    const auto bytes = Encode(type, x);
    const auto y = Decode(type, bytes);
    for (size_t b = 0; b < x.size() / 256; ++b) {
      const auto grids = Grids(type, bytes.data() + b * block_bytes);
      for (size_t i = 0; i < 256; ++i) {
        const Grid& g = grids[i / sub];
        // A sub-block whose scale code rounds to 0 keeps its search's levels
        // (ggml does the same); its values are all -offset.
        if (g.step == 0.0f) continue;
        const double xv = x[256 * b + i];
        const double lo =
            std::min<double>(g.step * g.q_min - g.offset, g.step * g.q_max - g.offset);
        const double hi =
            std::max<double>(g.step * g.q_min - g.offset, g.step * g.q_max - g.offset);
        const double slack = 1e-6 * (std::fabs(xv) + std::fabs(g.offset) + std::fabs(hi - lo));
        const double err = std::fabs(y[256 * b + i] - std::clamp(xv, lo, hi));
        ASSERT_LE(err, std::fabs(g.step) / 2 + slack)
            << Traits(type).name << " block " << b << " element " << i << " x " << xv;
      }
    }
  }
}

TEST_P(KQuantRoundTrip, RmsErrorIsAtMostThatOfAPlainGrid) {
  const TensorType type = GetParam();
  std::vector<float> gaussian(256 * 256);
  std::mt19937 rng(33);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (auto& v : gaussian) v = normal(rng);
  for (const auto& x :
       {WideRandomValues(256 * 256, 34), WeightLikeValues(256 * 256, 35), gaussian}) {
    const auto y = Decode(type, Encode(type, x));
    double squared = 0.0;
    for (size_t i = 0; i < x.size(); ++i) squared += (double{y[i]} - x[i]) * (double{y[i]} - x[i]);
    EXPECT_LE(squared, PlainGridSquaredError(type, x)) << Traits(type).name;
  }
}

INSTANTIATE_TEST_SUITE_P(Types, KQuantRoundTrip,
                         ::testing::Values(TensorType::kQ4_K, TensorType::kQ5_K, TensorType::kQ6_K),
                         [](const auto& param_info) {
                           return std::string(Traits(param_info.param).name);
                         });

}  // namespace
}  // namespace llmcore::quant
