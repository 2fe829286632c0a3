// f16 and bf16 conversions: hand-picked values, rounding to nearest even,
// overflow, subnormals and NaN, and every binary16 value surviving a round
// trip.
#include "llmcore/quant/half.h"

#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <limits>
#include <random>

#include "quant_test_util.h"

namespace llmcore::quant {
namespace {

using testing::FromBits;

// --- f16 ------------------------------------------------------------------------

TEST(F16, EncodesHandPickedValues) {
  EXPECT_EQ(FloatToF16(0.0f), 0x0000);
  EXPECT_EQ(FloatToF16(-0.0f), 0x8000);
  EXPECT_EQ(FloatToF16(1.0f), 0x3C00);
  EXPECT_EQ(FloatToF16(-2.0f), 0xC000);
  EXPECT_EQ(FloatToF16(0.1f), 0x2E66);
  EXPECT_EQ(FloatToF16(65504.0f), 0x7BFF);                  // largest finite
  EXPECT_EQ(FloatToF16(std::ldexp(1.0f, -14)), 0x0400);     // smallest normal
  EXPECT_EQ(FloatToF16(std::ldexp(1.0f, -24)), 0x0001);     // smallest subnormal
  EXPECT_EQ(FloatToF16(std::ldexp(1023.0f, -24)), 0x03FF);  // largest subnormal
}

TEST(F16, RoundsToNearestEven) {
  // 1 + 2^-11 lies halfway between 0x3C00 (even) and 0x3C01.
  EXPECT_EQ(FloatToF16(1.0f + std::ldexp(1.0f, -11)), 0x3C00);
  // 1 + 3 * 2^-11 lies halfway between 0x3C01 (odd) and 0x3C02.
  EXPECT_EQ(FloatToF16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);
  // Just above a tie rounds up.
  EXPECT_EQ(FloatToF16(FromBits(0x3F801001)), 0x3C01);
  // Subnormal ties: 2^-25 (between 0 and 1 unit) goes to 0; 1.5 units to 2.
  EXPECT_EQ(FloatToF16(std::ldexp(1.0f, -25)), 0x0000);
  EXPECT_EQ(FloatToF16(std::ldexp(3.0f, -25)), 0x0002);
  EXPECT_EQ(FloatToF16(std::ldexp(3.0f, -26)), 0x0001);  // 0.75 unit
  // 1023.5 units rounds up into the smallest normal.
  EXPECT_EQ(FloatToF16(std::ldexp(2047.0f, -25)), 0x0400);
  // A carry out of the mantissa bumps the exponent: 2 - 2^-12 -> 2.0.
  EXPECT_EQ(FloatToF16(2.0f - std::ldexp(1.0f, -12)), 0x4000);
}

TEST(F16, OverflowsToInfinityAndKeepsSpecials) {
  EXPECT_EQ(FloatToF16(65519.996f), 0x7BFF);  // below the halfway point
  EXPECT_EQ(FloatToF16(65520.0f), 0x7C00);    // the tie goes to even: infinity
  EXPECT_EQ(FloatToF16(1e10f), 0x7C00);
  EXPECT_EQ(FloatToF16(-1e10f), 0xFC00);
  EXPECT_EQ(FloatToF16(std::numeric_limits<float>::infinity()), 0x7C00);
  EXPECT_EQ(FloatToF16(-std::numeric_limits<float>::infinity()), 0xFC00);
  EXPECT_EQ(FloatToF16(std::ldexp(1.0f, -30)), 0x0000);
  EXPECT_EQ(FloatToF16(-std::ldexp(1.0f, -30)), 0x8000);
  for (uint32_t nan_bits : {0x7FC00000u, 0x7F800001u, 0xFFC00001u, 0x7FFFFFFFu}) {
    const uint16_t h = FloatToF16(FromBits(nan_bits));
    EXPECT_EQ(h & 0x7C00, 0x7C00) << std::hex << nan_bits;
    EXPECT_NE(h & 0x03FF, 0) << "NaN " << std::hex << nan_bits << " became infinity";
    EXPECT_EQ(h & 0x8000, (nan_bits >> 16) & 0x8000);
  }
}

TEST(F16, EveryHalfSurvivesARoundTrip) {
  for (uint32_t h = 0; h <= 0xFFFF; ++h) {
    const float f = F16ToFloat(static_cast<uint16_t>(h));
    if ((h & 0x7C00) == 0x7C00 && (h & 0x03FF) != 0) {
      EXPECT_TRUE(std::isnan(f)) << h;
      continue;
    }
    ASSERT_EQ(FloatToF16(f), h) << std::hex << h;
  }
  EXPECT_EQ(F16ToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(F16ToFloat(0x3C00), 1.0f);
  EXPECT_EQ(F16ToFloat(0xFC00), -std::numeric_limits<float>::infinity());
}

// Checks the rounding against a direct definition: the result is the nearest
// binary16 value, ties to the even encoding.
TEST(F16, RandomFloatsRoundToTheNearestHalf) {
  std::mt19937 rng(11);
  for (int i = 0; i < 200000; ++i) {
    // Magnitudes from far below the subnormals to past the largest finite.
    const float x = std::ldexp(static_cast<float>(rng() >> 8) / 16777216.0f,
                               static_cast<int>(rng() % 44) - 27) *
                    ((rng() & 1) ? -1.0f : 1.0f);
    const uint16_t h = FloatToF16(x);
    const double got = F16ToFloat(h);
    if (std::isinf(got)) {
      ASSERT_GE(std::fabs(x), 65520.0f) << x;
      continue;
    }
    const double err = std::fabs(got - x);
    for (int step : {-1, 1}) {
      const auto neighbour_bits = static_cast<uint16_t>(h + step);
      if (((h & 0x7FFF) == 0 && step == -1)) continue;  // no closer value below zero
      const double neighbour = F16ToFloat(neighbour_bits);
      if (std::isinf(neighbour) || std::signbit(neighbour) != std::signbit(got)) continue;
      const double other = std::fabs(neighbour - x);
      ASSERT_LE(err, other) << "x=" << x << " h=" << h;
      if (err == other) {
        ASSERT_EQ(h & 1, 0) << "tie not to even for x=" << x;
      }
    }
  }
}

// --- bf16 -----------------------------------------------------------------------

TEST(Bf16, EncodesAndRoundsToNearestEven) {
  EXPECT_EQ(FloatToBf16(1.0f), 0x3F80);
  EXPECT_EQ(FloatToBf16(-2.0f), 0xC000);
  EXPECT_EQ(FloatToBf16(FromBits(0x3F808000)), 0x3F80);  // tie, lower is even
  EXPECT_EQ(FloatToBf16(FromBits(0x3F818000)), 0x3F82);  // tie, lower is odd
  EXPECT_EQ(FloatToBf16(FromBits(0x3F808001)), 0x3F81);  // above the tie
  EXPECT_EQ(FloatToBf16(FromBits(0x3F807FFF)), 0x3F80);  // below the tie
  EXPECT_EQ(FloatToBf16(FLT_MAX), 0x7F80);               // rounds up to infinity
  EXPECT_EQ(FloatToBf16(-std::numeric_limits<float>::infinity()), 0xFF80);
  EXPECT_EQ(FloatToBf16(FromBits(0x00000001)), 0x0000);  // float subnormal rounds to 0
  EXPECT_EQ(FloatToBf16(FromBits(0x7F800001)), 0x7FC0);  // signalling NaN made quiet
  EXPECT_EQ(FloatToBf16(FromBits(0xFFC00000)), 0xFFC0);
  EXPECT_EQ(Bf16ToFloat(0x3F80), 1.0f);
  EXPECT_EQ(Bf16ToFloat(0x4049), FromBits(0x40490000));
}

}  // namespace
}  // namespace llmcore::quant
