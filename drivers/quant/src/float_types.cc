// f32, f16 and bf16: one element per block; the dot product sums runs of 32
// products in f32 (codec.h).
#include <algorithm>
#include <cstring>

#include "block_io.h"
#include "kernels.h"
#include "llmcore/quant/half.h"

namespace llmcore::quant::internal {
namespace {

constexpr int64_t kDotRun = 32;

// Sums w(i) * x[i] with the reference order; `weight` decodes element i.
template <typename Weight>
float RunDot(Weight weight, const float* x, int64_t n) {
  DotAccumulator total;
  for (int64_t begin = 0; begin < n; begin += kDotRun) {
    const int64_t end = std::min(n, begin + kDotRun);
    float sum = 0.0f;
    for (int64_t i = begin; i < end; ++i) sum += weight(i) * x[i];
    total.AddBlock(sum);
  }
  return total.Result();
}

}  // namespace

void DecodeF32(const void* src, float* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}
void EncodeF32(const float* src, void* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}
float DotF32(const void* row, const float* x, int64_t n) {
  const uint8_t* bytes = Bytes(row);
  return RunDot(
      [bytes](int64_t i) {
        float w;
        std::memcpy(&w, bytes + 4 * i, sizeof w);
        return w;
      },
      x, n);
}

void DecodeF16(const void* src, float* dst, int64_t n) {
  const uint8_t* bytes = Bytes(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = F16ToFloat(LoadU16(bytes + 2 * i));
}
void EncodeF16(const float* src, void* dst, int64_t n) {
  uint8_t* bytes = Bytes(dst);
  for (int64_t i = 0; i < n; ++i) StoreU16(bytes + 2 * i, FloatToF16(src[i]));
}
float DotF16(const void* row, const float* x, int64_t n) {
  const uint8_t* bytes = Bytes(row);
  return RunDot([bytes](int64_t i) { return F16ToFloat(LoadU16(bytes + 2 * i)); }, x, n);
}

void DecodeBf16(const void* src, float* dst, int64_t n) {
  const uint8_t* bytes = Bytes(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = Bf16ToFloat(LoadU16(bytes + 2 * i));
}
void EncodeBf16(const float* src, void* dst, int64_t n) {
  uint8_t* bytes = Bytes(dst);
  for (int64_t i = 0; i < n; ++i) StoreU16(bytes + 2 * i, FloatToBf16(src[i]));
}
float DotBf16(const void* row, const float* x, int64_t n) {
  const uint8_t* bytes = Bytes(row);
  return RunDot([bytes](int64_t i) { return Bf16ToFloat(LoadU16(bytes + 2 * i)); }, x, n);
}

}  // namespace llmcore::quant::internal
