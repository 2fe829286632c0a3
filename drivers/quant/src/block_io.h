// Helpers shared by the block kernels: unaligned little-endian loads and
// stores, the rounding rules of ggml's reference quantizers made total (no
// undefined float-to-int conversion for NaN or huge inputs), and the
// accumulation order of the reference dot products (see codec.h).
#pragma once

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace llmcore::quant::internal {

// ggml's layouts are little-endian; multi-byte fields are copied with memcpy.
static_assert(std::endian::native == std::endian::little, "llmcore_quant assumes little-endian");

inline uint8_t* Bytes(void* p) {
  return static_cast<uint8_t*>(p);
}
inline const uint8_t* Bytes(const void* p) {
  return static_cast<const uint8_t*>(p);
}

inline uint16_t LoadU16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void StoreU16(uint8_t* p, uint16_t v) {
  std::memcpy(p, &v, sizeof v);
}
inline uint32_t LoadU32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void StoreU32(uint8_t* p, uint32_t v) {
  std::memcpy(p, &v, sizeof v);
}

// Truncation of v to an integer level in [0, max_level], as ggml's legacy
// quantizers do with a cast after adding 0.5 (or 8.5, 16.5); NaN and
// negative values give 0.
inline uint8_t TruncToLevel(float v, int max_level) {
  if (!(v >= 0.0f)) return 0;
  if (v >= static_cast<float>(max_level)) return static_cast<uint8_t>(max_level);
  return static_cast<uint8_t>(v);
}

// Round to nearest, ties to even, as ggml's nearest_int: adding 1.5 * 2^23
// leaves the rounded integer in the low mantissa bits. Exact for
// |v| <= 2^22 - 1; larger magnitudes saturate and NaN gives 0, where ggml's
// version is undefined. Every caller clamps the result to a few bits.
inline int NearestInt(float v) {
  constexpr float kLimit = 4194303.0f;  // 2^22 - 1
  if (!(std::fabs(v) <= kLimit)) {
    if (v > 0.0f) return 4194303;
    if (v < 0.0f) return -4194303;
    return 0;  // NaN
  }
  const float shifted = v + 12582912.0f;  // 1.5 * 2^23
  return static_cast<int>(std::bit_cast<uint32_t>(shifted) & 0x007FFFFF) - 0x00400000;
}

// The reference dot product's accumulation (codec.h): block sums are f32,
// the row total a double.
class DotAccumulator {
 public:
  void AddBlock(float block_sum) { total_ += static_cast<double>(block_sum); }
  float Result() const { return static_cast<float>(total_); }

 private:
  double total_ = 0.0;
};

// A type's kernels are built from two per-block functions: DecodeBlock
// writes the kElements floats of the block at `block`, EncodeBlock writes
// the kBytes of one block. Decoding and the dot product share DecodeBlock,
// so both see the same floats.
using DecodeBlockFn = void (*)(const uint8_t* block, float* out);
using EncodeBlockFn = void (*)(const float* in, uint8_t* block);

template <int64_t kElements, int64_t kBytes, DecodeBlockFn DecodeBlock>
void DecodeBlocks(const void* src, float* dst, int64_t n) {
  const uint8_t* block = Bytes(src);
  for (int64_t b = 0; b < n / kElements; ++b, block += kBytes, dst += kElements) {
    DecodeBlock(block, dst);
  }
}

template <int64_t kElements, int64_t kBytes, EncodeBlockFn EncodeBlock>
void EncodeBlocks(const float* src, void* dst, int64_t n) {
  uint8_t* block = Bytes(dst);
  for (int64_t b = 0; b < n / kElements; ++b, block += kBytes, src += kElements) {
    EncodeBlock(src, block);
  }
}

// Decodes one block at a time into a buffer on the stack (never the row),
// then sums its products in element order.
template <int64_t kElements, int64_t kBytes, DecodeBlockFn DecodeBlock>
float DotBlocks(const void* row, const float* x, int64_t n) {
  const uint8_t* block = Bytes(row);
  float w[kElements];
  DotAccumulator total;
  for (int64_t b = 0; b < n / kElements; ++b, block += kBytes, x += kElements) {
    DecodeBlock(block, w);
    float sum = 0.0f;
    for (int64_t i = 0; i < kElements; ++i) sum += w[i] * x[i];
    total.AddBlock(sum);
  }
  return total.Result();
}

}  // namespace llmcore::quant::internal
