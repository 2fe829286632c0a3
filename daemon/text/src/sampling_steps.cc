#include "llmcore/text/sampling_steps.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace llmcore::text {
namespace {

// Up to this k, top-k keeps a heap of the k best while scanning; above it a
// selection (nth_element) is cheaper than log k per heap update.
constexpr size_t kHeapTopKLimit = 512;

// KeepTopP's logit bands: the range [max - kTopPSpan, max] cut into
// kTopPBands; everything lower falls into the last band. Below max - 40 a
// token's share is under 5e-18 of the best one's.
constexpr size_t kTopPBands = 256;
constexpr double kTopPSpan = 40.0;

double MaxLogit(std::span<const Candidate> candidates) {
  double m = -std::numeric_limits<double>::infinity();
  for (const Candidate& c : candidates) m = std::max(m, static_cast<double>(c.logit));
  return m;
}

// exp((logit - max) / temperature); 0 for -inf, without NaN from -inf - -inf.
double Weight(float logit, double max_logit, double temperature) {
  if (std::isinf(logit)) return 0.0;  // -inf: impossible
  return std::exp((static_cast<double>(logit) - max_logit) / temperature);
}

// Collects the k best of a stream of candidates into `out`, a heap whose
// front is the worst kept one (std heap functions with Better as "less").
class TopKHeap {
 public:
  TopKHeap(size_t k, std::vector<Candidate>* out) : k_(k), out_(out) { out_->clear(); }

  void Offer(const Candidate& c) {
    if (out_->size() < k_) {
      out_->push_back(c);
      if (out_->size() == k_) std::make_heap(out_->begin(), out_->end(), Better);
    } else if (Better(c, out_->front())) {
      std::pop_heap(out_->begin(), out_->end(), Better);
      out_->back() = c;
      std::push_heap(out_->begin(), out_->end(), Better);
    }
  }

  // Leaves `out` sorted best first.
  void Finish() { std::sort(out_->begin(), out_->end(), Better); }

 private:
  size_t k_;
  std::vector<Candidate>* out_;
};

}  // namespace

float PenalizeLogit(float logit, int count, float repeat_penalty, float frequency_penalty,
                    float presence_penalty) {
  if (count <= 0 || std::isinf(logit) || std::isnan(logit)) return logit;
  float l = logit <= 0 ? logit * repeat_penalty : logit / repeat_penalty;
  l -= static_cast<float>(count) * frequency_penalty + presence_penalty;
  constexpr float kMax = std::numeric_limits<float>::max();
  if (std::isnan(l)) return logit;  // not reachable with validated parameters
  return std::clamp(l, -kMax, kMax);
}

void KeepTopK(std::vector<Candidate>& candidates, size_t k) {
  if (k == 0) return;
  if (k < candidates.size()) {
    if (k <= kHeapTopKLimit) {
      // The heap lives in the first k slots.
      std::make_heap(candidates.begin(), candidates.begin() + static_cast<ptrdiff_t>(k), Better);
      for (size_t i = k; i < candidates.size(); ++i) {
        if (!Better(candidates[i], candidates.front())) continue;
        std::pop_heap(candidates.begin(), candidates.begin() + static_cast<ptrdiff_t>(k), Better);
        candidates[k - 1] = candidates[i];
        std::push_heap(candidates.begin(), candidates.begin() + static_cast<ptrdiff_t>(k), Better);
      }
    } else {
      std::nth_element(candidates.begin(), candidates.begin() + static_cast<ptrdiff_t>(k),
                       candidates.end(), Better);
    }
    candidates.resize(k);
  }
  std::sort(candidates.begin(), candidates.end(), Better);
}

void CollectCandidates(std::span<const float> logits, size_t top_k, std::vector<Candidate>* out) {
  if (top_k == 0 || top_k > kHeapTopKLimit || top_k >= logits.size()) {
    out->clear();
    for (size_t i = 0; i < logits.size(); ++i) {
      if (!std::isinf(logits[i])) out->push_back({static_cast<TokenId>(i), logits[i]});
    }
    KeepTopK(*out, top_k);
    return;
  }
  TopKHeap heap(top_k, out);
  for (size_t i = 0; i < logits.size(); ++i) {
    if (!std::isinf(logits[i])) heap.Offer({static_cast<TokenId>(i), logits[i]});
  }
  heap.Finish();
}

void KeepTopP(std::vector<Candidate>& candidates, double p) {
  if (p >= 1.0 || candidates.size() <= 1) return;
  const double max_logit = MaxLogit(candidates);
  double lowest = max_logit;
  for (const Candidate& c : candidates) {
    if (!std::isinf(c.logit)) lowest = std::min(lowest, static_cast<double>(c.logit));
  }
  lowest = std::max(lowest, max_logit - kTopPSpan);
  const double band_scale = max_logit > lowest ? kTopPBands / (max_logit - lowest) : 0.0;
  // Band 0 holds the highest logits; a higher logit never has a higher band.
  const auto band = [&](float logit) {
    const double b = (max_logit - static_cast<double>(logit)) * band_scale;
    return b < kTopPBands - 1 ? static_cast<size_t>(b) : kTopPBands - 1;
  };

  std::array<double, kTopPBands> band_mass{};
  double total = 0;
  for (const Candidate& c : candidates) {
    const double w = Weight(c.logit, max_logit, 1.0);
    total += w;
    if (w > 0) band_mass[band(c.logit)] += w;
  }
  size_t last_band = kTopPBands - 1;
  double cumulative = 0;
  for (size_t b = 0; b < kTopPBands; ++b) {
    cumulative += band_mass[b] / total;
    if (cumulative >= p) {
      last_band = b;
      break;
    }
  }

  // Everything in bands up to last_band comes first in Better order; the
  // exact cut lies among them.
  const auto kept_end = std::partition(
      candidates.begin(), candidates.end(),
      [&](const Candidate& c) { return !std::isinf(c.logit) && band(c.logit) <= last_band; });
  for (bool everything : {false, true}) {
    // The second round only when rounding left the kept bands a hair short.
    const auto end = everything ? candidates.end() : kept_end;
    std::sort(candidates.begin(), end, Better);
    cumulative = 0;
    for (auto it = candidates.begin(); it != end; ++it) {
      cumulative += Weight(it->logit, max_logit, 1.0) / total;
      if (cumulative >= p) {
        candidates.erase(it + 1, candidates.end());
        return;
      }
    }
  }
}

void KeepMinP(std::vector<Candidate>& candidates, double min_p) {
  if (min_p <= 0.0 || candidates.empty()) return;
  const double max_logit = MaxLogit(candidates);
  const double threshold = max_logit + std::log(min_p);
  std::erase_if(candidates,
                [&](const Candidate& c) { return static_cast<double>(c.logit) < threshold; });
}

void Softmax(std::span<const Candidate> candidates, double temperature,
             std::vector<double>* probabilities) {
  probabilities->resize(candidates.size());
  const double max_logit = MaxLogit(candidates);
  double total = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    (*probabilities)[i] = Weight(candidates[i].logit, max_logit, temperature);
    total += (*probabilities)[i];
  }
  if (total > 0) {
    for (double& p : *probabilities) p /= total;
  }
}

size_t DrawIndex(std::span<const double> weights, double u) {
  double total = 0;
  for (const double w : weights) total += w;
  const double target = u * total;
  double cumulative = 0;
  size_t last_possible = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] <= 0) continue;
    cumulative += weights[i];
    last_possible = i;
    if (target < cumulative) return i;
  }
  // u * total rounded up to total: the last token that can be drawn.
  return last_possible;
}

}  // namespace llmcore::text
