#include "llmcore/quant/half.h"

namespace llmcore::quant {

uint16_t FloatToF16(float value) {
  const auto x = std::bit_cast<uint32_t>(value);
  const auto sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  const uint32_t abs = x & 0x7FFFFFFF;
  if (abs > 0x7F800000) {
    // NaN: keep the top payload bits and force the quiet bit so the result
    // cannot collapse into infinity.
    return sign | 0x7E00 | static_cast<uint16_t>((abs >> 13) & 0x3FF);
  }
  if (abs >= 0x477FF000) return sign | 0x7C00;  // >= 65520 rounds to infinity
  if (abs >= 0x38800000) {
    // Normal in binary16: rebias the exponent (127 -> 15), then round the 13
    // dropped mantissa bits to nearest even without a branch (on random
    // weights one would mispredict half the time): adding 0xFFF plus the
    // lowest kept bit carries into the kept bits exactly when the dropped
    // part is above half, or is half and the kept part is odd. A carry out
    // of the mantissa correctly bumps the exponent.
    const uint32_t rebased = abs - 0x38000000;
    const uint32_t h = (rebased + 0x0FFF + ((rebased >> 13) & 1)) >> 13;
    return sign | static_cast<uint16_t>(h);
  }
  if (abs <= 0x33000000) return sign;  // <= 2^-25: the tie goes to even, zero
  // Subnormal in binary16: the value in units of 2^-24, rounded to nearest
  // even; 2^-24 * 0x400 rounds up into the smallest normal, which is also
  // the right encoding.
  const uint32_t exponent = abs >> 23;
  const uint32_t mantissa = (abs & 0x7FFFFF) | 0x800000;
  const uint32_t shift = 126 - exponent;  // 14..24 here
  uint32_t h = mantissa >> shift;
  const uint32_t rest = mantissa & ((1u << shift) - 1);
  const uint32_t half = 1u << (shift - 1);
  if (rest > half || (rest == half && (h & 1))) ++h;
  return sign | static_cast<uint16_t>(h);
}

uint16_t FloatToBf16(float value) {
  const auto x = std::bit_cast<uint32_t>(value);
  if ((x & 0x7FFFFFFF) > 0x7F800000) return static_cast<uint16_t>((x >> 16) | 0x40);  // quiet NaN
  // Adding 0x7FFF plus the lowest kept bit rounds to nearest even; finite
  // values past the largest bf16 carry into infinity, as they should.
  return static_cast<uint16_t>((x + 0x7FFF + ((x >> 16) & 1)) >> 16);
}

}  // namespace llmcore::quant
