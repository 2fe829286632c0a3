// SamplerRng: the exact numbers of splitmix64 and xoshiro256** (reference
// values from an independent implementation of the published algorithms),
// the uniform conversion, and seeding.
#include "llmcore/text/rng.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace llmcore::text {
namespace {

TEST(SamplerRngTest, SplitMix64MatchesReference) {
  uint64_t state = 0;
  EXPECT_EQ(SplitMix64(state), 0xE220A8397B1DCDAFu);
  EXPECT_EQ(SplitMix64(state), 0x6E789E6AA1B965F4u);
  EXPECT_EQ(SplitMix64(state), 0x06C45D188009454Fu);
}

TEST(SamplerRngTest, Xoshiro256StarStarMatchesReference) {
  SamplerRng zero(0);
  EXPECT_EQ(zero.Next(), 0x99EC5F36CB75F2B4u);
  EXPECT_EQ(zero.Next(), 0xBF6E1F784956452Au);
  EXPECT_EQ(zero.Next(), 0x1A5F849D4933E6E0u);
  EXPECT_EQ(zero.Next(), 0x6AA594F1262D2D2Cu);
  SamplerRng answer(42);
  EXPECT_EQ(answer.Next(), 0x15780B2E0C2EC716u);
  EXPECT_EQ(answer.Next(), 0x6104D9866D113A7Eu);
  EXPECT_EQ(answer.Next(), 0xAE17533239E499A1u);
}

TEST(SamplerRngTest, NextDoubleIsTopBitsTimesTwoToMinus53) {
  SamplerRng rng(42);
  EXPECT_EQ(rng.NextDouble(), 0x1.5780b2e0c2ec0p-4);
  EXPECT_EQ(rng.NextDouble(), 0x1.84136619b444ep-2);
  EXPECT_EQ(rng.NextDouble(), 0x1.5c2ea66473c93p-1);
}

TEST(SamplerRngTest, NextDoubleStaysInUnitIntervalOnMultiplesOfTwoToMinus53) {
  SamplerRng rng(7);
  for (int i = 0; i < 100000; ++i) {
    const double u = rng.NextDouble();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    const double scaled = u * 0x1.0p53;
    ASSERT_EQ(scaled, std::floor(scaled));
  }
}

TEST(SamplerRngTest, SeedRestartsTheSequence) {
  SamplerRng a(123);
  std::vector<uint64_t> first;
  for (int i = 0; i < 8; ++i) first.push_back(a.Next());
  a.Seed(123);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(a.Next(), first[static_cast<size_t>(i)]);
}

TEST(SamplerRngTest, DifferentSeedsGiveDifferentSequences) {
  SamplerRng a(1), b(2);
  int equal = 0;
  for (int i = 0; i < 64; ++i) equal += a.Next() == b.Next() ? 1 : 0;
  EXPECT_EQ(equal, 0);
}

}  // namespace
}  // namespace llmcore::text
