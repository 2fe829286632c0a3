// q8_0: { f16 d; int8 q[32]; }, x = q * d.
//
// Encoder (ggml's quantize_row_q8_0_ref): d = max|x| / 127, q = x / d
// rounded half away from zero. NaN inputs give quant 0 (ggml leaves them
// undefined).
#include <algorithm>
#include <cmath>

#include "block_io.h"
#include "kernels.h"
#include "llmcore/quant/half.h"

namespace llmcore::quant::internal {
namespace {

constexpr int64_t kElements = 32;
constexpr int64_t kBytes = 2 + kElements;

// roundf (halves away from zero) of a value in about [-127, 127], without a
// libm call: in double, v + 0.5 is exact, so truncating it rounds exactly as
// roundf does. The clamp only matters for NaN and rounding noise; it keeps
// the conversion to an integer defined.
int RoundToQ8(float v) {
  if (std::isnan(v)) return 0;
  const double clamped = std::clamp(static_cast<double>(v), -127.0, 127.0);
  return static_cast<int>(clamped + std::copysign(0.5, clamped));
}

void EncodeBlock(const float* x, uint8_t* block) {
  float amax = 0.0f;
  for (int64_t j = 0; j < kElements; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  StoreU16(block, FloatToF16(d));
  for (int64_t j = 0; j < kElements; ++j) {
    block[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(RoundToQ8(x[j] * id)));
  }
}

void DecodeBlock(const uint8_t* block, float* out) {
  const float d = F16ToFloat(LoadU16(block));
  for (int64_t j = 0; j < kElements; ++j) {
    out[j] = static_cast<float>(static_cast<int8_t>(block[2 + j])) * d;
  }
}

}  // namespace

void DecodeQ8_0(const void* src, float* dst, int64_t n) {
  DecodeBlocks<kElements, kBytes, DecodeBlock>(src, dst, n);
}
void EncodeQ8_0(const float* src, void* dst, int64_t n) {
  EncodeBlocks<kElements, kBytes, EncodeBlock>(src, dst, n);
}
float DotQ8_0(const void* row, const float* x, int64_t n) {
  return DotBlocks<kElements, kBytes, DecodeBlock>(row, x, n);
}

}  // namespace llmcore::quant::internal
