#include "llmcore/checked_math.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace llmcore {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

TEST(CheckedMathTest, AddDetectsOverflow) {
  EXPECT_EQ(CheckedAdd(1, 2), 3u);
  EXPECT_FALSE(CheckedAdd(kMax, 1).has_value());
}

TEST(CheckedMathTest, MulDetectsOverflow) {
  EXPECT_EQ(CheckedMul(1u << 20, 1u << 20), uint64_t{1} << 40);
  EXPECT_FALSE(CheckedMul(uint64_t{1} << 32, uint64_t{1} << 32).has_value());
}

TEST(CheckedMathTest, AlignUp) {
  EXPECT_EQ(CheckedAlignUp(0, 32), 0u);
  EXPECT_EQ(CheckedAlignUp(1, 32), 32u);
  EXPECT_EQ(CheckedAlignUp(64, 32), 64u);
  EXPECT_FALSE(CheckedAlignUp(kMax - 3, 32).has_value());
  EXPECT_TRUE(IsPowerOfTwo(4096));
  EXPECT_FALSE(IsPowerOfTwo(0));
  EXPECT_FALSE(IsPowerOfTwo(48));
}

}  // namespace
}  // namespace llmcore
