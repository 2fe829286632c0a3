// The small vector operations of the forward pass (everything that is not a
// weight matmul): RMSNorm, softmax, SwiGLU, and the dot/axpy of attention.
//
// Each operates on one row and depends only on that row, so batching and
// threading never change a result. Plain loops for now; the matmuls
// (kernels.h) dominate the time.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>

namespace llmcore::cpu {

// out[i] = x[i] / sqrt(mean(x^2) + eps) * w[i]. out may alias x.
void RmsNorm(const float* x, const float* w, int64_t n, float eps, float* out);

// In place: x[i] = exp(x[i] - max) / sum.
void Softmax(float* x, int64_t n);

// gate[i] = silu(gate[i]) * up[i], silu(g) = g / (1 + exp(-g)).
void SwiGlu(float* gate, const float* up, int64_t n);

float Dot(const float* a, const float* b, int64_t n);

// y[i] += a * x[i].
void Axpy(float a, const float* x, float* y, int64_t n);

// y[i] += x[i].
void Add(const float* x, float* y, int64_t n);

}  // namespace llmcore::cpu
