// Sampler: picks the next token from a forward pass's logits.
//
// Steps, in the order llama.cpp runs them by default (see sampling_steps.h for
// each definition):
//   1. penalties: repetition, frequency, presence, over the last repeat_last_n
//      accepted tokens;
//   2. temperature == 0: greedy - the highest logit after step 1, ties to the
//      lowest id (with the default penalties, the argmax of the raw logits);
//      no further steps and no random number drawn;
//   3. top-k, 4. top-p, 5. min-p - filters on the temperature-1 distribution;
//   6. temperature: softmax(logit / T) over the survivors;
//   7. draw: the token where a uniform double u from SamplerRng (rng.h) falls
//      among the running sums of the probabilities, taken best first when a
//      top-k or top-p step ran and by id otherwise. Exactly one u per sampled
//      token, even when one candidate is left, so that the random sequence
//      stays aligned whatever the logits (and across a driver swap).
// Filtering before the temperature, as llama.cpp does, means a high
// temperature flattens the choice among plausible tokens without readmitting
// the implausible ones.
//
// Determinism: the same seed, parameters, accepted tokens and logits give the
// same tokens on every platform: the generator and the uniform conversion are
// specified exactly, ties are broken by id, sums run in a fixed order in
// double precision. The one platform dependency is std::exp, which glibc and
// other libms compute to within an ulp; a difference there can change a draw
// only when u falls within about 1e-16 of a boundary.
//
// Logits: one per token id; NaN or +inf is an error (a broken forward pass
// must not pass for a choice), -inf marks a token as impossible (masking).
//
// Thread safety: one Sampler per sequence; not safe to use from two threads at
// once. It owns its random state and penalty window; Sample() reuses buffers,
// so after the first call it allocates nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "llmcore/status.h"
#include "llmcore/text/rng.h"
#include "llmcore/text/sampling_steps.h"
#include "llmcore/text/tokenizer.h"

namespace llmcore::text {

class PenaltyWindow;

struct SamplerParams {
  // 0: greedy. Otherwise finite and > 0.
  float temperature = 0.8f;
  // Candidates kept by top-k; 0: off.
  int32_t top_k = 40;
  // Nucleus mass, in (0, 1]; 1: off.
  float top_p = 0.95f;
  // Relative probability floor, in [0, 1]; 0: off.
  float min_p = 0.05f;
  // CTRL repetition penalty, finite and > 0; 1: off.
  float repeat_penalty = 1.0f;
  // How many of the latest accepted tokens the penalties look at: 0 disables
  // the penalties, -1 counts every token since Reset(); at most 1 << 20.
  int32_t repeat_last_n = 64;
  // OpenAI's penalties, each in [-2, 2] as OpenAI allows; 0: off. Counted
  // over the same window as the repetition penalty (llama.cpp's choice), not
  // over the whole text as OpenAI does; repeat_last_n = -1 gives the latter.
  float frequency_penalty = 0.0f;
  float presence_penalty = 0.0f;
  // Seed of the random draws. The daemon picks one when a client gives none.
  uint64_t seed = 0;

  // kInvalidArgument naming the first field out of range.
  Status Validate() const;
};

inline constexpr int32_t kMaxRepeatLastN = 1 << 20;

struct TokenProbability {
  TokenId id = 0;
  double probability = 0;
};

class Sampler {
 public:
  // kInvalidArgument when params.Validate() fails.
  static Result<Sampler> Create(const SamplerParams& params);

  Sampler(Sampler&&) noexcept;
  Sampler& operator=(Sampler&&) noexcept;
  ~Sampler();

  const SamplerParams& params() const { return params_; }

  // Picks the next token. `logits` holds one value per token id (at most
  // 2^31 - 1). kInvalidArgument, changing nothing, for an empty span, a NaN or
  // +inf logit (naming the token), or every logit -inf. Does not Accept() the
  // token.
  Result<TokenId> Sample(std::span<const float> logits);

  // The distribution Sample() would draw from now, in the order it draws
  // (greedy: the chosen token with probability 1). Consumes no randomness.
  // Same errors as Sample().
  Result<std::vector<TokenProbability>> Distribution(std::span<const float> logits);

  // Records a token for the penalties: generated tokens, and prompt tokens too
  // if those should count. Negative ids are ignored; ids beyond a later logits
  // span have no effect on it.
  void Accept(TokenId id);

  // Forgets the accepted tokens and restarts the random sequence of the seed.
  void Reset();

 private:
  explicit Sampler(const SamplerParams& params);
  // Runs steps 1-6 into candidates_ and probabilities_.
  Status Prepare(std::span<const float> logits);

  SamplerParams params_;
  SamplerRng rng_;
  std::unique_ptr<PenaltyWindow> window_;
  std::vector<float> penalized_;
  std::vector<Candidate> candidates_;
  std::vector<double> probabilities_;
};

}  // namespace llmcore::text
