// Conversions between binary32 floats and the 16-bit float formats of GGUF
// tensors and block scales.
//
//   f16   IEEE binary16: round to nearest even; NaN stays NaN (quiet, sign and
//         top payload bits kept); overflow becomes infinity; tiny values
//         become subnormals or zero.
//   bf16  the high half of binary32: round to nearest even; NaN stays NaN.
// Decoding is exact in both directions' sense: every 16-bit value has one
// binary32 value, and encoding that value gives the same bits back (NaNs
// excepted, which stay NaN).
//
// Threading: pure functions.
#pragma once

#include <bit>
#include <cstdint>

namespace llmcore::quant {

uint16_t FloatToF16(float value);
uint16_t FloatToBf16(float value);

// Inline: the decoders call these once per block (per element for f16/bf16
// tensors), on the drivers' hot path.
inline float F16ToFloat(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1F;
  const uint32_t mantissa = bits & 0x3FF;
  if (exponent == 0x1F) return std::bit_cast<float>(sign | 0x7F800000 | (mantissa << 13));
  if (exponent != 0) {
    return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }
  // Zero or subnormal: mantissa * 2^-24, exact in binary32.
  const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
  return sign != 0 ? -magnitude : magnitude;
}

inline float Bf16ToFloat(uint16_t bits) {
  return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
}

}  // namespace llmcore::quant
