// The steps a Sampler runs, as functions on a candidate list, so that each
// can be checked on its own.
//
// Definitions (those of llama.cpp's samplers, which OpenAI's API and most
// local runtimes share):
//   - repetition penalty (CTRL, Keskar et al. 2019, with llama.cpp's handling
//     of negative logits): a logit of a token seen in the window is divided by
//     the penalty when positive and multiplied by it otherwise, so a penalty
//     above 1 always makes the token less likely;
//   - frequency and presence penalties (OpenAI): subtract
//     count * frequency_penalty + (count > 0) * presence_penalty;
//   - top-k: keep the k highest logits;
//   - top-p (nucleus, Holtzman et al. 2019): sort by probability, keep the
//     shortest prefix whose cumulative probability reaches p (the token that
//     crosses p included);
//   - min-p: keep the tokens whose probability is at least min_p times the
//     most likely one's, i.e. logit >= max_logit + ln(min_p);
//   - temperature T: probabilities are softmax(logit / T).
// Probabilities inside top-p and min-p are those of the current candidates at
// temperature 1; see sampler.h for the order of the steps.
//
// "Better" orders candidates by logit, highest first, and equal logits by
// lower token id, a total order: every step's result is the same on every
// platform, whatever the standard library's sort does with ties.
//
// Candidates' logits must not be NaN or +inf (Sampler checks); -inf is
// allowed and means the token is impossible. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "llmcore/text/tokenizer.h"

namespace llmcore::text {

struct Candidate {
  TokenId id = 0;
  float logit = 0;
};

inline bool Better(const Candidate& a, const Candidate& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

// The logit of a token seen `count` times in the penalty window. A count of 0
// and a logit of -inf give `logit` unchanged; results are clamped to finite
// floats, so no penalty turns a possible token into an impossible one or
// makes one infinitely likely.
float PenalizeLogit(float logit, int count, float repeat_penalty, float frequency_penalty,
                    float presence_penalty);

// Keeps the k best candidates, sorted best first. k == 0 does nothing. For
// small k one pass with a k-element heap, O(n + k log k log n) on typical
// input; otherwise a selection, O(n + k log k).
void KeepTopK(std::vector<Candidate>& candidates, size_t k);

// The tokens of `logits` (id = index) that are not -inf, as candidates in
// `out`: with top_k == 0 all of them in id order, otherwise the KeepTopK(top_k)
// of them - in one pass over the logits, without listing every token first.
void CollectCandidates(std::span<const float> logits, size_t top_k, std::vector<Candidate>* out);

// Keeps the nucleus of mass p, sorted best first. p >= 1 does nothing; at
// least one candidate is kept. Only the nucleus is sorted: one pass sums the
// probability mass in 256 logit bands, which says how far down the nucleus
// reaches; the candidates down to that band are sorted and cut exactly, as
// a full sort would. O(n + m log m), m being the nucleus plus the rest of its
// last band.
void KeepTopP(std::vector<Candidate>& candidates, double p);

// Keeps the candidates with probability >= min_p * the highest probability,
// in their order. min_p <= 0 does nothing; the best candidate always stays.
void KeepMinP(std::vector<Candidate>& candidates, double min_p);

// softmax(logit / temperature) of `candidates`, in their order, into
// `probabilities` (temperature > 0; -inf logits get 0).
void Softmax(std::span<const Candidate> candidates, double temperature,
             std::vector<double>* probabilities);

// The index i where u * sum(weights) falls among the running sums of
// `weights` (in their order): weights[i] / sum is the chance of i for a
// uniform u in [0, 1). Weights are >= 0 with a positive sum; never returns an
// index whose weight is 0.
size_t DrawIndex(std::span<const double> weights, double u);

}  // namespace llmcore::text
