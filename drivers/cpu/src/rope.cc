#include "rope.h"

#include <cmath>
#include <numbers>

namespace llmcore::cpu {

std::vector<double> RopeInvFreq(const ModelConfig& c, const float* freq_factors) {
  const uint32_t pairs = c.rope_dim / 2;
  std::vector<double> inv_freq(pairs);
  for (uint32_t i = 0; i < pairs; ++i) {
    const double freq =
        std::pow(static_cast<double>(c.rope_freq_base), -2.0 * i / static_cast<double>(c.rope_dim));
    double factor = 1.0;
    if (freq_factors != nullptr) {
      factor = freq_factors[i];
    } else if (c.rope_scaling_factor != 0.0f) {
      const double wavelength = 2.0 * std::numbers::pi / freq;
      const double original = c.rope_original_ctx;
      const double low = c.rope_low_freq_factor;
      const double high = c.rope_high_freq_factor;
      if (wavelength < original / high) {
        factor = 1.0;
      } else if (wavelength > original / low) {
        factor = c.rope_scaling_factor;
      } else {
        const double smooth = (original / wavelength - low) / (high - low);
        factor = 1.0 / ((1.0 - smooth) / c.rope_scaling_factor + smooth);
      }
    }
    inv_freq[i] = freq / factor;
  }
  return inv_freq;
}

void RopeAngles(const std::vector<double>& inv_freq, int32_t pos, float* cos_out, float* sin_out) {
  for (size_t i = 0; i < inv_freq.size(); ++i) {
    const double angle = pos * inv_freq[i];
    cos_out[i] = static_cast<float>(std::cos(angle));
    sin_out[i] = static_cast<float>(std::sin(angle));
  }
}

void ApplyRope(float* head, const float* cos_v, const float* sin_v, uint32_t rope_dim, bool neox) {
  const uint32_t pairs = rope_dim / 2;
  for (uint32_t i = 0; i < pairs; ++i) {
    const uint32_t a = neox ? i : 2 * i;
    const uint32_t b = neox ? i + pairs : 2 * i + 1;
    const float x0 = head[a];
    const float x1 = head[b];
    head[a] = x0 * cos_v[i] - x1 * sin_v[i];
    head[b] = x0 * sin_v[i] + x1 * cos_v[i];
  }
}

}  // namespace llmcore::cpu
