// The scale searches of ggml's reference K-quant encoders, and the 6-bit
// scale/min packing of q4_K and q5_K. Internal to llmcore_quant.
//
// Both searches follow ggml's make_qkx2_quants and make_qx_quants (the
// variants its reference quantizers use, without importance weights)
// operation for operation, in f32 and without contraction, so the encoders
// give ggml's bytes.
#pragma once

#include <cstdint>

namespace llmcore::quant::internal {

struct ScaleMin {
  float scale;  // step between levels
  float min;    // level 0 stands for -min (min >= 0: the range includes 0)
};

// Asymmetric search for one sub-block of n <= 32 values: levels
// L[i] in [0, nmax] with x[i] ~ scale * L[i] - min, min clamped so that the
// range includes 0. Starts from the plain min/max grid, then tries nstep + 1
// candidate grids of nmax + rmin + rdelta * k steps over the range, refits
// scale and min by weighted least squares on each, and keeps the one of
// least weighted squared error. Input whose maximum equals min(minimum, 0)
// (all zero, or all equal and negative) gives scale 0 and levels 0.
ScaleMin SearchScaleMin(int n, int nmax, const float* x, const float* weights, uint8_t* levels,
                        float rmin, float rdelta, int nstep);

// Symmetric search for one sub-block of n values: levels in
// [-nmax, nmax - 1], stored as L[i] = level + nmax, x[i] ~ scale * level.
// Weights x^2; tries the grids -(nmax + 0.1 k) / max for k = -9..9 and keeps
// the best least-squares fit. Returns the signed scale (0 for an all-zero
// sub-block, with every L[i] = 0).
float SearchSymmetricScale(int n, int nmax, const float* x, int8_t* levels);

// q4_K/q5_K: the 6-bit scale and min of sub-block s (0..7) in scales[12].
void PackScaleMin(int s, uint8_t scale, uint8_t min, uint8_t* scales);
void UnpackScaleMin(int s, const uint8_t* scales, uint8_t* scale, uint8_t* min);

// q4_K/q5_K: sub-block s (0..7) decodes as x = d * q - dm, with d = d_all * sc
// and dm = dmin_all * m from the super-block's f16 d_all, dmin_all (bytes
// 0-3) and packed codes (bytes 4-15). One function for the decoders and the
// encoder's re-rounding, so both see the same floats.
struct SubBlockScale {
  float d;
  float dm;
};
SubBlockScale StoredScaleMin(const uint8_t* block, int s);

// The part of ggml's q4_K and q5_K encoders that differs only in the level
// count: fits the 8 sub-blocks of 32 of the 256 values at x with
// SearchScaleMin(nmax, rmin, rdelta, nstep) and weights mean|x| + |x|, stores
// d and dmin (f16, bytes 0-3 of block) and the packed 6-bit codes (bytes
// 4-15), and writes the 256 levels (0..nmax) re-rounded against the scales
// as stored. Packing the levels into bits is left to the caller.
void EncodeScaleMinLevels(const float* x, int nmax, float rmin, float rdelta, int nstep,
                          uint8_t* block, uint8_t* levels);

}  // namespace llmcore::quant::internal
