// Helpers of the quant tests: hand-built block bytes, encode/decode through
// the checked API, random inputs.
#pragma once

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <vector>

#include "llmcore/quant/quantize.h"

namespace llmcore::quant::testing {

inline std::vector<std::byte> Bytes(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

// Writes a little-endian 16-bit field (an f16 given by its bits).
inline void PutU16(std::vector<std::byte>& block, size_t offset, uint16_t bits) {
  block[offset] = static_cast<std::byte>(bits & 0xFF);
  block[offset + 1] = static_cast<std::byte>(bits >> 8);
}

inline void PutByte(std::vector<std::byte>& block, size_t offset, int value) {
  block[offset] = static_cast<std::byte>(value);
}

inline size_t BlockBytes(TensorType type) {
  return Traits(type).block_bytes;
}

inline std::vector<std::byte> Encode(TensorType type, const std::vector<float>& x) {
  const auto& traits = Traits(type);
  std::vector<std::byte> out(x.size() / traits.block_elements * traits.block_bytes);
  const Status s = Quantize(type, x, out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

inline std::vector<float> Decode(TensorType type, const std::vector<std::byte>& bytes) {
  const auto& traits = Traits(type);
  std::vector<float> out(bytes.size() / traits.block_bytes * traits.block_elements);
  const Status s = Dequantize(type, bytes, out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

inline float FromBits(uint32_t bits) {
  return std::bit_cast<float>(bits);
}

// Values spread over many magnitudes and signs within each block.
inline std::vector<float> WideRandomValues(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> x(n);
  for (auto& v : x) {
    const double u = static_cast<double>(rng()) / 4294967296.0 - 0.5;
    v = static_cast<float>(std::ldexp(u, static_cast<int>(rng() % 20) - 10));
  }
  return x;
}

// Weight-like values: uniform in [-a, a) with a per-256 amplitude a between
// 2^-8 and 2^4, plus an offset on every third run of 256 (asymmetric
// blocks).
inline std::vector<float> WeightLikeValues(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> x(n);
  double a = 1.0;
  double offset = 0.0;
  for (size_t i = 0; i < n; ++i) {
    if (i % 256 == 0) {
      a = std::ldexp(1.0, static_cast<int>(rng() % 13) - 8);
      offset = (i / 256) % 3 == 2 ? a * 0.7 : 0.0;
    }
    const double u = static_cast<double>(rng()) / 4294967296.0 * 2.0 - 1.0;
    x[i] = static_cast<float>(u * a + offset);
  }
  return x;
}

}  // namespace llmcore::quant::testing
