// Rotary position embedding: the per-pair frequencies of a model and the
// rotation of one head.
//
// Pair i (0 <= i < rope_dim / 2) turns by angle pos * inv_freq[i], with
// inv_freq[i] = base^(-2i / rope_dim) / factor[i]. factor[i] is 1 without
// scaling; with Llama 3 scaling it comes from the model's rope_freqs.weight
// tensor when present (what llama.cpp's converter writes), or else is
// computed from the scaling parameters the same way the converter does:
//   wavelength w = 2 pi / base^(-2i / rope_dim);
//   w < original_ctx / high_freq_factor -> 1 (high frequencies kept);
//   w > original_ctx / low_freq_factor  -> factor (low frequencies slowed);
//   otherwise, with s = (original_ctx / w - low) / (high - low),
//   1 / ((1 - s) / factor + s) (a smooth blend of the two).
// The pairs are (x[2i], x[2i+1]) for the normal ordering and
// (x[i], x[i + rope_dim/2]) for NeoX; dimensions past rope_dim pass through.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "model_config.h"

namespace llmcore::cpu {

// inv_freq for the model. `freq_factors`, when not null, holds rope_dim / 2
// divisors from rope_freqs.weight and takes precedence over the scaling
// parameters.
std::vector<double> RopeInvFreq(const ModelConfig& config, const float* freq_factors);

// cos and sin of pos * inv_freq[i] for every pair.
void RopeAngles(const std::vector<double>& inv_freq, int32_t pos, float* cos_out, float* sin_out);

// Rotates one head of `rope_dim` (or more) values in place.
void ApplyRope(float* head, const float* cos_v, const float* sin_v, uint32_t rope_dim, bool neox);

}  // namespace llmcore::cpu
