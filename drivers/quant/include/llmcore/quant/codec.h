// The kernels of each tensor element type, for the compute drivers' hot path:
// decode to float, encode from float, and the dot product of an encoded row
// with a float vector. One table entry (a Codec) per type and variant; plain
// function pointers that check nothing, allocate nothing and throw nothing.
// Callers validate shapes once (see quantize.h for the checked API).
//
// Block layouts: exactly ggml's (little-endian; "f16" is an IEEE binary16
// scale; element i of a block is written x[i]):
//   f32, f16, bf16  one element per "block": 4, 2, 2 bytes.
//   q8_0  32 elements, 34 bytes: f16 d; int8 q[32].            x[i] = q[i]*d
//   q4_0  32 elements, 18 bytes: f16 d; u8 qs[16]: low nibble of qs[j] is
//         q[j], high nibble q[j+16].                           x = (q-8)*d
//   q4_1  32 elements, 20 bytes: f16 d; f16 m; u8 qs[16] as q4_0.
//                                                              x = q*d + m
//   q5_0  32 elements, 22 bytes: f16 d; u8 qh[4]; u8 qs[16]. The low 4 bits
//         as q4_0; bit j of the little-endian u32 qh is bit 4 of q[j]
//         (j = 0..31).                                         x = (q-16)*d
//   q5_1  32 elements, 24 bytes: f16 d; f16 m; u8 qh[4]; u8 qs[16] as q5_0.
//                                                              x = q*d + m
//   q4_K  256 elements (8 sub-blocks of 32), 144 bytes: f16 d; f16 dmin;
//         u8 scales[12]; u8 qs[128]. Sub-block s has a 6-bit scale sc[s] and
//         a 6-bit min m[s], packed in scales[] (S) as
//           s < 4:  sc = S[s] & 63,
//                   m  = S[s+4] & 63;
//           s >= 4: sc = (S[s+4] & 15) | ((S[s-4] >> 6) << 4),
//                   m  = (S[s+4] >> 4) | ((S[s] >> 6) << 4).
//         Sub-blocks 2k and 2k+1 share qs[32k .. 32k+31]: low nibbles for
//         2k, high nibbles for 2k+1.             x = (d*sc[s])*q - dmin*m[s]
//   q5_K  256 elements, 176 bytes: f16 d; f16 dmin; u8 scales[12] as q4_K;
//         u8 qh[32]; u8 qs[128] as q4_K. Bit s of qh[l] is bit 4 of element
//         l of sub-block s.                      x = (d*sc[s])*q - dmin*m[s]
//   q6_K  256 elements (16 sub-blocks of 16), 210 bytes: u8 ql[128];
//         u8 qh[64]; int8 scales[16]; f16 d. In half h (elements 128h ..
//         128h+127), for l = 0..31, with L = ql + 64h and H = qh[32h + l],
//         the 6-bit q of
//           element 128h + l      is (L[l] & 15)    | ((H & 3) << 4),
//           element 128h + l + 32 is (L[l+32] & 15) | (((H >> 2) & 3) << 4),
//           element 128h + l + 64 is (L[l] >> 4)    | (((H >> 4) & 3) << 4),
//           element 128h + l + 96 is (L[l+32] >> 4) | ((H >> 6) << 4);
//         element e has scale scales[e / 16].  x = (d*scales[e/16])*(q-32)
// The parenthesised products are the order in which the reference decoders
// round, so every decoder gives the same floats bit for bit.
//
// Variants
// --------
// Every type has a scalar reference codec. Faster variants for particular
// CPUs (SIMD) are added as further entries for the same type; FindCodec picks,
// once per process, the most preferred variant this CPU can run, so callers
// take the speed-up without changing. Contract for every variant:
//  - to_float gives exactly the reference's floats (the arithmetic above).
//  - from_float gives blocks whose decoded values meet the same error bounds
//    as the reference's (tests/unit/quant); the bytes may differ. The
//    reference encoders follow ggml's reference quantizers and give the same
//    bytes on every machine.
//  - dot stays within the tolerance stated below.
//
// The dot product
// ---------------
// dot(row, x, n) approximates S = sum over i of w[i] * x[i], w being the
// values to_float gives. The reference computes it as follows:
//  1. each product w[i] * x[i] in f32, rounded;
//  2. the products of one block summed in f32 in element order (blocks of
//     block_elements elements; for f32, f16 and bf16, runs of 32 elements,
//     the last one possibly shorter);
//  3. the block sums added in block order into a double accumulator;
//  4. that double rounded to f32.
// Why: summing within a block in f32 is what every SIMD kernel does, and the
// double across blocks keeps the error independent of the row length: the
// reference is within about (B + 2) * 2^-24 * T of S, B the block size (at
// most 256) and T = sum of |w[i] * x[i]|. A faster variant may use any
// order, vector lanes and fused multiply-add, and must stay within
//     |dot - S| <= (n + 2) * 2^-24 * T,
// the bound of any f32 summation order; drivers compared against the
// reference use the same bound. NaN or infinity in x or w gives NaN or
// infinity, as the plain sum would.
//
// Threading: the table is immutable; FindCodec is safe from any thread.
#pragma once

#include <cstdint>
#include <span>

#include "llmcore/tensor_types.h"

namespace llmcore::quant {

// n is the number of elements: a multiple of block_elements, >= 0; to_float
// writes n floats, from_float n / block_elements blocks. The encoded bytes
// (to_float's src, from_float's dst, dot's row) need no alignment; the float
// arrays are ordinary float arrays. Nothing is checked: a wrong n reads or
// writes out of bounds.
using ToFloatFn = void (*)(const void* src, float* dst, int64_t n);
using FromFloatFn = void (*)(const float* src, void* dst, int64_t n);
using DotFn = float (*)(const void* row, const float* x, int64_t n);

struct Codec {
  TensorType type;
  uint32_t block_elements;  // elements per block (1 for f32, f16, bf16)
  uint32_t block_bytes;     // encoded bytes per block
  const char* variant;      // "reference"; later e.g. "avx2"
  ToFloatFn to_float;
  FromFloatFn from_float;
  DotFn dot;
};

// The codec to use for `type` on this machine: the most preferred variant the
// CPU supports, chosen once per process. nullptr for a type without a codec.
const Codec* FindCodec(TensorType type);

// The scalar reference codec of `type` (nullptr for a type without one): the
// definition the other variants and the drivers are tested against.
const Codec* FindReferenceCodec(TensorType type);

// Every reference codec, in type-id order (for tests and tools that list
// what is supported).
std::span<const Codec> ReferenceCodecs();

}  // namespace llmcore::quant
