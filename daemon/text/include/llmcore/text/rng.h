// SamplerRng: the random numbers behind sampling, fully specified so that one
// seed draws the same tokens on every platform and standard library.
//
// The standard <random> distributions are implementation-defined (libstdc++
// and libc++ give different numbers for the same engine), so they are not
// used. The generator is xoshiro256** 1.0 (Blackman and Vigna), its 256-bit
// state filled from the 64-bit seed by four steps of splitmix64, as its
// authors recommend; a uniform double takes the top 53 bits of one output:
// (x >> 11) * 2^-53, which is exact and lies in [0, 1).
//
// Thread safety: a value; not safe to use from two threads at once.
#pragma once

#include <array>
#include <cstdint>

namespace llmcore::text {

// One step of splitmix64: advances `state` and returns the next output.
constexpr uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

class SamplerRng {
 public:
  explicit constexpr SamplerRng(uint64_t seed) { Seed(seed); }

  // Restarts the sequence of `seed`.
  constexpr void Seed(uint64_t seed) {
    uint64_t sm = seed;
    for (uint64_t& word : s_) word = SplitMix64(sm);
  }

  // The next 64 random bits.
  constexpr uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // A uniform double in [0, 1), a multiple of 2^-53.
  constexpr double NextDouble() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  static constexpr uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  std::array<uint64_t, 4> s_{};
};

}  // namespace llmcore::text
