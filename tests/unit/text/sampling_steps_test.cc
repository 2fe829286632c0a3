// The sampling steps one at a time, on hand-made candidate lists whose
// surviving sets and probabilities are worked out in the comments.
#include "llmcore/text/sampling_steps.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "llmcore/text/rng.h"

namespace llmcore::text {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kFloatMax = std::numeric_limits<float>::max();

std::vector<TokenId> Ids(const std::vector<Candidate>& candidates) {
  std::vector<TokenId> ids;
  for (const Candidate& c : candidates) ids.push_back(c.id);
  return ids;
}

// Candidates with these logits, id = index.
std::vector<Candidate> FromLogits(const std::vector<float>& logits) {
  std::vector<Candidate> out;
  for (size_t i = 0; i < logits.size(); ++i) out.push_back({static_cast<TokenId>(i), logits[i]});
  return out;
}

// Probabilities 0.15, 0.5, 0.1, 0.25 for ids 0..3 (logits ln p; softmax gives
// back p up to float rounding of the logits, ~1e-7).
std::vector<Candidate> FourTokens() {
  return FromLogits({std::log(0.15f), std::log(0.5f), std::log(0.1f), std::log(0.25f)});
}

// --- Penalties ----------------------------------------------------------------

TEST(PenalizeLogitTest, RepetitionPenaltyDividesPositiveAndMultipliesNegative) {
  EXPECT_EQ(PenalizeLogit(2.0f, 1, 2.0f, 0, 0), 1.0f);
  EXPECT_EQ(PenalizeLogit(-1.0f, 1, 2.0f, 0, 0), -2.0f);
  EXPECT_EQ(PenalizeLogit(0.0f, 1, 2.0f, 0, 0), 0.0f);
  // Below 1 the same rule favours the token.
  EXPECT_EQ(PenalizeLogit(2.0f, 1, 0.5f, 0, 0), 4.0f);
  EXPECT_EQ(PenalizeLogit(-2.0f, 1, 0.5f, 0, 0), -1.0f);
}

TEST(PenalizeLogitTest, RepetitionPenaltyIgnoresTheCount) {
  EXPECT_EQ(PenalizeLogit(2.0f, 5, 2.0f, 0, 0), 1.0f);
}

TEST(PenalizeLogitTest, FrequencyAndPresenceSubtract) {
  // 2 - 3 * 0.5 - 0.25
  EXPECT_EQ(PenalizeLogit(2.0f, 3, 1.0f, 0.5f, 0.25f), 0.25f);
  // 2 / 2 - 2 * 0.5 - 0.25
  EXPECT_EQ(PenalizeLogit(2.0f, 2, 2.0f, 0.5f, 0.25f), -0.25f);
  // Negative penalties encourage: 1 + 2 * 0.5 + 0.25
  EXPECT_EQ(PenalizeLogit(1.0f, 2, 1.0f, -0.5f, -0.25f), 2.25f);
}

TEST(PenalizeLogitTest, UnseenAndImpossibleTokensAreUnchanged) {
  EXPECT_EQ(PenalizeLogit(2.0f, 0, 2.0f, 1.0f, 1.0f), 2.0f);
  EXPECT_EQ(PenalizeLogit(-kInf, 3, 2.0f, 1.0f, 1.0f), -kInf);
}

TEST(PenalizeLogitTest, ClampsToFiniteFloats) {
  EXPECT_EQ(PenalizeLogit(3e38f, 1, 1e-3f, 0, 0), kFloatMax);
  EXPECT_EQ(PenalizeLogit(-3e38f, 1, 1e3f, 0, 0), -kFloatMax);
}

// --- Top-k ----------------------------------------------------------------------

TEST(KeepTopKTest, KeepsKBestSortedWithTiesToLowerId) {
  std::vector<Candidate> c = FromLogits({1, 5, 3, 5, 2});
  KeepTopK(c, 2);
  EXPECT_THAT(Ids(c), ElementsAre(1, 3));
  c = FromLogits({1, 5, 3, 5, 2});
  KeepTopK(c, 3);
  EXPECT_THAT(Ids(c), ElementsAre(1, 3, 2));
}

TEST(KeepTopKTest, ZeroIsOffAndLargeKSortsAll) {
  std::vector<Candidate> c = FromLogits({1, 5, 3, 5, 2});
  KeepTopK(c, 0);
  EXPECT_THAT(Ids(c), ElementsAre(0, 1, 2, 3, 4));
  KeepTopK(c, 10);
  EXPECT_THAT(Ids(c), ElementsAre(1, 3, 2, 4, 0));
}

// --- Top-p ----------------------------------------------------------------------

TEST(KeepTopPTest, KeepsShortestPrefixReachingP) {
  // Sorted: id 1 (0.5), 3 (0.25), 0 (0.15), 2 (0.1); running sums 0.5, 0.75,
  // 0.9, 1.0.
  const struct {
    double p;
    std::vector<TokenId> kept;
  } cases[] = {{0.3, {1}}, {0.7, {1, 3}}, {0.8, {1, 3, 0}}, {0.95, {1, 3, 0, 2}}};
  for (const auto& tc : cases) {
    std::vector<Candidate> c = FourTokens();
    KeepTopP(c, tc.p);
    EXPECT_THAT(Ids(c), ElementsAreArray(tc.kept)) << tc.p;
  }
}

TEST(KeepTopPTest, OneIsOff) {
  std::vector<Candidate> c = FourTokens();
  KeepTopP(c, 1.0);
  EXPECT_THAT(Ids(c), ElementsAre(0, 1, 2, 3));
}

TEST(KeepTopPTest, KeepsAtLeastOne) {
  std::vector<Candidate> c = FromLogits({10, 0, 0});
  KeepTopP(c, 1e-9);
  EXPECT_THAT(Ids(c), ElementsAre(0));
}

TEST(KeepTopPTest, CutsALargeNucleusOfTies) {
  // 1000 equal tokens, listed in reverse id order: each has 0.001; 500 sum to
  // 0.5 < 0.5005, 501 to 0.501. Ties keep the lowest ids.
  std::vector<Candidate> c;
  for (int id = 999; id >= 0; --id) c.push_back({id, 0.0f});
  KeepTopP(c, 0.5005);
  ASSERT_EQ(c.size(), 501u);
  for (size_t i = 0; i < c.size(); ++i) ASSERT_EQ(c[i].id, static_cast<TokenId>(i));
}

TEST(KeepTopPTest, ImpossibleCandidatesAddNoMass) {
  std::vector<Candidate> c = FromLogits({0, -kInf, 0});
  KeepTopP(c, 0.9);
  EXPECT_THAT(Ids(c), ElementsAre(0, 2));
}

// Random logits for the reference comparisons: `distinct` different values
// (so there are ties when it is small) spread over `spread` nats, some -inf.
std::vector<float> RandomLogits(SamplerRng& rng, size_t n, int distinct, double spread) {
  std::vector<float> logits(n);
  for (float& l : logits) {
    const auto level = static_cast<int>(rng.Next() % static_cast<uint64_t>(distinct));
    l = rng.Next() % 50 == 0 ? -kInf : static_cast<float>(spread * level / distinct);
  }
  return logits;
}

std::vector<Candidate> Possible(const std::vector<float>& logits) {
  std::vector<Candidate> out;
  for (const Candidate& c : FromLogits(logits)) {
    if (!std::isinf(c.logit)) out.push_back(c);
  }
  return out;
}

// The definition, with a full sort; k == 0 is off.
std::vector<TokenId> ReferenceTopK(std::vector<Candidate> c, size_t k) {
  if (k == 0) return Ids(c);
  std::sort(c.begin(), c.end(), Better);
  if (k < c.size()) c.resize(k);
  return Ids(c);
}

TEST(KeepTopKTest, HeapAndSelectionMatchAFullSort) {
  SamplerRng rng(3);
  for (size_t n : {1u, 50u, 3000u}) {
    for (int distinct : {3, 1000}) {
      const std::vector<float> logits = RandomLogits(rng, n, distinct, 10.0);
      for (size_t k :
           {size_t{0}, size_t{1}, size_t{40}, size_t{512}, size_t{513}, n - 1, n, n + 5}) {
        std::vector<Candidate> c = Possible(logits);
        KeepTopK(c, k);
        EXPECT_EQ(Ids(c), ReferenceTopK(Possible(logits), k)) << n << " " << k;
        // Listing straight from the logits gives the same.
        std::vector<Candidate> collected;
        CollectCandidates(logits, k, &collected);
        EXPECT_EQ(Ids(collected), Ids(c)) << n << " " << k;
      }
    }
  }
}

// The definition: full sort, running sums in that order against the total
// summed in the input order.
std::vector<TokenId> ReferenceTopP(std::vector<Candidate> c, double p) {
  double max_logit = -INFINITY, total = 0;
  for (const Candidate& x : c) max_logit = std::max(max_logit, double{x.logit});
  const auto weight = [&](float l) { return std::isinf(l) ? 0.0 : std::exp(l - max_logit); };
  for (const Candidate& x : c) total += weight(x.logit);
  std::sort(c.begin(), c.end(), Better);
  double cumulative = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    cumulative += weight(c[i].logit) / total;
    if (cumulative >= p) {
      c.resize(i + 1);
      break;
    }
  }
  return Ids(c);
}

TEST(KeepTopPTest, MatchesTheDefinitionOnRandomLogits) {
  SamplerRng rng(5);
  for (double spread : {0.0, 2.0, 15.0, 100.0}) {
    for (int distinct : {2, 50, 100000}) {
      const std::vector<float> logits = RandomLogits(rng, 5000, distinct, spread);
      for (double p : {0.05, 0.5, 0.9, 0.95, 0.999999}) {
        std::vector<Candidate> c = FromLogits(logits);
        KeepTopP(c, p);
        EXPECT_EQ(Ids(c), ReferenceTopP(FromLogits(logits), p))
            << "spread " << spread << " distinct " << distinct << " p " << p;
      }
    }
  }
}

// --- Min-p ----------------------------------------------------------------------

TEST(KeepMinPTest, KeepsTokensAboveFractionOfBestInOrder) {
  // min_p 0.25 of 0.5 is 0.125: 0.15, 0.5 and 0.25 stay, 0.1 goes.
  std::vector<Candidate> c = FourTokens();
  KeepMinP(c, 0.25);
  EXPECT_THAT(Ids(c), ElementsAre(0, 1, 3));
  // min_p 0.6 of 0.5 is 0.3: only the best.
  c = FourTokens();
  KeepMinP(c, 0.6);
  EXPECT_THAT(Ids(c), ElementsAre(1));
}

TEST(KeepMinPTest, ZeroIsOffAndOneKeepsTheBestAndItsTies) {
  std::vector<Candidate> c = FourTokens();
  KeepMinP(c, 0.0);
  EXPECT_THAT(Ids(c), ElementsAre(0, 1, 2, 3));
  c = FromLogits({1, 3, 3, 2});
  KeepMinP(c, 1.0);
  EXPECT_THAT(Ids(c), ElementsAre(1, 2));
}

TEST(KeepMinPTest, DropsImpossibleCandidates) {
  std::vector<Candidate> c = FromLogits({0, -kInf, -1});
  KeepMinP(c, 0.01);
  EXPECT_THAT(Ids(c), ElementsAre(0, 2));
}

// --- Softmax and draw -------------------------------------------------------------

TEST(SoftmaxTest, AppliesTemperature) {
  // Logits 0 and 1 at T = 0.5: weights e^-2 and 1 (relative to the maximum).
  std::vector<double> p;
  Softmax(FromLogits({0, 1}), 0.5, &p);
  const double w = std::exp(-2.0);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_DOUBLE_EQ(p[0], w / (1 + w));
  EXPECT_DOUBLE_EQ(p[1], 1 / (1 + w));
  // T = 2: weights e^-0.5 and 1.
  Softmax(FromLogits({0, 1}), 2.0, &p);
  const double v = std::exp(-0.5);
  EXPECT_DOUBLE_EQ(p[0], v / (1 + v));
  EXPECT_DOUBLE_EQ(p[1], 1 / (1 + v));
}

TEST(SoftmaxTest, ImpossibleCandidatesGetZero) {
  std::vector<double> p;
  Softmax(FromLogits({0, -kInf, 0}), 1.0, &p);
  EXPECT_THAT(p, ElementsAre(0.5, 0.0, 0.5));
}

TEST(DrawIndexTest, PicksWhereUFallsAmongRunningSums) {
  const std::vector<double> w = {0.2, 0, 0.5, 0.3};
  EXPECT_EQ(DrawIndex(w, 0.0), 0u);
  EXPECT_EQ(DrawIndex(w, 0.1), 0u);
  EXPECT_EQ(DrawIndex(w, 0.25), 2u);
  EXPECT_EQ(DrawIndex(w, 0.69), 2u);
  EXPECT_EQ(DrawIndex(w, 0.75), 3u);
  EXPECT_EQ(DrawIndex(w, std::nextafter(1.0, 0.0)), 3u);
}

TEST(DrawIndexTest, BoundaryBelongsToTheNextToken) {
  const std::vector<double> w = {1, 1};
  EXPECT_EQ(DrawIndex(w, std::nextafter(0.5, 0.0)), 0u);
  EXPECT_EQ(DrawIndex(w, 0.5), 1u);
}

TEST(DrawIndexTest, NeverPicksAZeroWeight) {
  const std::vector<double> w = {0, 1, 0};
  EXPECT_EQ(DrawIndex(w, 0.0), 1u);
  EXPECT_EQ(DrawIndex(w, std::nextafter(1.0, 0.0)), 1u);
}

}  // namespace
}  // namespace llmcore::text
