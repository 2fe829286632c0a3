#include "llmcore/text/sampler.h"

#include <cmath>
#include <limits>
#include <string>

#include "penalty_window.h"

namespace llmcore::text {
namespace {

Status FieldError(std::string_view field, std::string_view rule, double value) {
  return Status(StatusCode::kInvalidArgument, "sampler parameter " + std::string(field) +
                                                  " must be " + std::string(rule) + " (got " +
                                                  std::to_string(value) + ")");
}

bool PenaltiesActive(const SamplerParams& p) {
  return p.repeat_last_n != 0 &&
         (p.repeat_penalty != 1.0f || p.frequency_penalty != 0.0f || p.presence_penalty != 0.0f);
}

}  // namespace

Status SamplerParams::Validate() const {
  // Written so that NaN fails every check.
  if (!(std::isfinite(temperature) && temperature >= 0)) {
    return FieldError("temperature", "finite and >= 0", temperature);
  }
  if (top_k < 0) return FieldError("top_k", ">= 0", top_k);
  if (!(top_p > 0 && top_p <= 1)) return FieldError("top_p", "in (0, 1]", top_p);
  if (!(min_p >= 0 && min_p <= 1)) return FieldError("min_p", "in [0, 1]", min_p);
  if (!(std::isfinite(repeat_penalty) && repeat_penalty > 0)) {
    return FieldError("repeat_penalty", "finite and > 0", repeat_penalty);
  }
  if (repeat_last_n < -1 || repeat_last_n > kMaxRepeatLastN) {
    return FieldError("repeat_last_n", "-1 or in [0, 1048576]", repeat_last_n);
  }
  if (!(frequency_penalty >= -2 && frequency_penalty <= 2)) {
    return FieldError("frequency_penalty", "in [-2, 2]", frequency_penalty);
  }
  if (!(presence_penalty >= -2 && presence_penalty <= 2)) {
    return FieldError("presence_penalty", "in [-2, 2]", presence_penalty);
  }
  return Status::Ok();
}

Result<Sampler> Sampler::Create(const SamplerParams& params) {
  LLMCORE_RETURN_IF_ERROR(params.Validate());
  return Sampler(params);
}

Sampler::Sampler(const SamplerParams& params)
    : params_(params),
      rng_(params.seed),
      window_(std::make_unique<PenaltyWindow>(params.repeat_last_n)) {}

Sampler::Sampler(Sampler&&) noexcept = default;
Sampler& Sampler::operator=(Sampler&&) noexcept = default;
Sampler::~Sampler() = default;

void Sampler::Accept(TokenId id) {
  if (id >= 0) window_->Add(id);
}

void Sampler::Reset() {
  window_->Clear();
  rng_.Seed(params_.seed);
}

Status Sampler::Prepare(std::span<const float> logits) {
  if (logits.empty()) return Status(StatusCode::kInvalidArgument, "sampler: no logits");
  if (logits.size() > static_cast<size_t>(std::numeric_limits<TokenId>::max())) {
    return Status(StatusCode::kInvalidArgument, "sampler: more logits than token ids");
  }
  bool any_possible = false;
  for (size_t i = 0; i < logits.size(); ++i) {
    const float l = logits[i];
    if (std::isnan(l) || l == std::numeric_limits<float>::infinity()) {
      return Status(StatusCode::kInvalidArgument, "sampler: logit of token " + std::to_string(i) +
                                                      " is " + (std::isnan(l) ? "NaN" : "+inf"));
    }
    any_possible = any_possible || !std::isinf(l);
  }
  if (!any_possible) {
    return Status(StatusCode::kInvalidArgument, "sampler: every logit is -inf");
  }

  // 1. Penalties, on a copy of the logits (a plain copy is cheaper than
  // looking each token up among the penalized ones).
  penalized_.assign(logits.begin(), logits.end());
  if (PenaltiesActive(params_)) {
    for (const auto& [id, count] : window_->counts()) {
      if (static_cast<size_t>(id) >= penalized_.size()) continue;
      float& l = penalized_[static_cast<size_t>(id)];
      l = PenalizeLogit(l, count, params_.repeat_penalty, params_.frequency_penalty,
                        params_.presence_penalty);
    }
  }

  // 2. Greedy: the first maximum, so ties go to the lowest id. Penalties
  // keep finite logits finite, so a possible token exists.
  if (params_.temperature == 0) {
    size_t best = 0;
    while (std::isinf(penalized_[best])) ++best;
    for (size_t i = best + 1; i < penalized_.size(); ++i) {
      if (penalized_[i] > penalized_[best]) best = i;
    }
    candidates_.assign(1, {static_cast<TokenId>(best), penalized_[best]});
    probabilities_.assign(1, 1.0);
    return Status::Ok();
  }

  // 3. Top-k, fused with listing the possible tokens; 4-5. filters;
  // 6. temperature.
  CollectCandidates(penalized_, static_cast<size_t>(params_.top_k), &candidates_);
  KeepTopP(candidates_, params_.top_p);
  KeepMinP(candidates_, params_.min_p);
  Softmax(candidates_, params_.temperature, &probabilities_);
  return Status::Ok();
}

Result<TokenId> Sampler::Sample(std::span<const float> logits) {
  LLMCORE_RETURN_IF_ERROR(Prepare(logits));
  if (params_.temperature == 0) return candidates_.front().id;
  // One number per sampled token, however many candidates are left, so that
  // the random sequence stays aligned across slightly different logits (a
  // driver swap) and across runs.
  const double u = rng_.NextDouble();
  return candidates_[DrawIndex(probabilities_, u)].id;
}

Result<std::vector<TokenProbability>> Sampler::Distribution(std::span<const float> logits) {
  LLMCORE_RETURN_IF_ERROR(Prepare(logits));
  std::vector<TokenProbability> out(candidates_.size());
  for (size_t i = 0; i < candidates_.size(); ++i) {
    out[i] = {candidates_[i].id, probabilities_[i]};
  }
  return out;
}

}  // namespace llmcore::text
