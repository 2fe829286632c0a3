// How one step's prompt budget is shared: evenly between uids, then between
// a uid's sequences, with unused shares passed on.
#include "batch_planner.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace llmcore::engine {
namespace {

uint32_t Sum(const std::vector<uint32_t>& v) {
  return std::accumulate(v.begin(), v.end(), 0u);
}

TEST(SharePromptBudgetTest, SplitsEvenlyBetweenUidsNotSequences) {
  // uid 1 has three long prompts, uid 2 one: uid 2 still gets half.
  const std::vector<PromptDemand> demands = {{1, 1000}, {1, 1000}, {1, 1000}, {2, 1000}};
  const auto grants = SharePromptBudget(demands, 60, 0);
  EXPECT_EQ(grants[3], 30u);
  EXPECT_EQ(grants[0] + grants[1] + grants[2], 30u);
  EXPECT_EQ(grants[0], 10u);
  EXPECT_EQ(grants[1], 10u);
  EXPECT_EQ(grants[2], 10u);
}

TEST(SharePromptBudgetTest, PassesUnusedSharesOn) {
  const std::vector<PromptDemand> demands = {{1, 3}, {2, 100}, {3, 5}};
  const auto grants = SharePromptBudget(demands, 64, 0);
  EXPECT_EQ(grants[0], 3u);
  EXPECT_EQ(grants[2], 5u);
  EXPECT_EQ(grants[1], 56u);
}

TEST(SharePromptBudgetTest, NeverExceedsBudgetOrDemand) {
  const std::vector<PromptDemand> demands = {{1, 7}, {1, 2}, {2, 9}, {3, 1}, {2, 4}};
  for (uint32_t budget = 0; budget < 30; ++budget) {
    for (uint64_t rotation = 0; rotation < 5; ++rotation) {
      const auto grants = SharePromptBudget(demands, budget, rotation);
      ASSERT_EQ(grants.size(), demands.size());
      EXPECT_EQ(Sum(grants), std::min(budget, 23u)) << budget;
      for (size_t i = 0; i < demands.size(); ++i) EXPECT_LE(grants[i], demands[i].tokens);
    }
  }
}

TEST(SharePromptBudgetTest, RotationMovesTheRemainder) {
  // Three uids, budget 2: two of them get a token; which ones rotates.
  const std::vector<PromptDemand> demands = {{1, 10}, {2, 10}, {3, 10}};
  std::vector<uint32_t> served(3, 0);
  for (uint64_t rotation = 0; rotation < 3; ++rotation) {
    const auto grants = SharePromptBudget(demands, 2, rotation);
    EXPECT_EQ(Sum(grants), 2u);
    for (size_t i = 0; i < 3; ++i) served[i] += grants[i];
  }
  EXPECT_EQ(served, (std::vector<uint32_t>{2, 2, 2}));
}

TEST(SharePromptBudgetTest, EmptyDemandsGetNothing) {
  EXPECT_TRUE(SharePromptBudget({}, 100, 3).empty());
  const std::vector<PromptDemand> demands = {{1, 0}, {2, 4}};
  EXPECT_EQ(SharePromptBudget(demands, 10, 0), (std::vector<uint32_t>{0, 4}));
}

}  // namespace
}  // namespace llmcore::engine
