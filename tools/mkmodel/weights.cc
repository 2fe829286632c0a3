#include "mkmodel/weights.h"

#include <array>
#include <cmath>

#include "llmcore/quant/quantize.h"

namespace llmcore::mkmodel {
namespace {

constexpr uint64_t kGamma = 0x9E3779B97F4A7C15ull;  // splitmix64's increment

// splitmix64's output function.
uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ull;
  }
  return h;
}

struct Transform {
  float scale;
  float offset;
};

Transform TransformOf(const TensorPlan& plan) {
  switch (plan.init) {
    case Init::kNorm: return {0.1f, 1.0f};
    case Init::kBias: return {0.02f, 0.0f};
    case Init::kMatrix: break;
  }
  return {static_cast<float>(std::sqrt(3.0 / static_cast<double>(plan.shape[0]))), 0.0f};
}

// r in [-1, 1) from the top 24 bits, exactly representable as a float.
inline float Uniform(uint64_t key, uint64_t index) {
  const uint64_t z = Mix(key + (index + 1) * kGamma);
  return static_cast<float>(z >> 40) * (2.0f / 16777216.0f) - 1.0f;
}

}  // namespace

uint64_t TensorKey(uint64_t seed, std::string_view tensor_name) {
  return Mix(seed ^ Fnv1a64(tensor_name));
}

float WeightValue(const TensorPlan& plan, uint64_t key, uint64_t index) {
  const Transform t = TransformOf(plan);
  return Uniform(key, index) * t.scale + t.offset;
}

gguf::GgufWriter::TensorFill MakeWeightFill(const TensorPlan& plan, uint64_t seed) {
  const uint64_t key = TensorKey(seed, plan.name);
  const Transform t = TransformOf(plan);
  const gguf::TensorType type = plan.type;
  const auto& traits = gguf::Traits(type);
  return [key, t, type, block_elements = uint64_t{traits.block_elements},
          block_bytes = uint64_t{traits.block_bytes}](const gguf::GgufWriter::Chunk& chunk) {
    // A batch that stays in L1 and holds whole blocks of every type (32, 256).
    constexpr uint64_t kBatch = 4096;
    std::array<float, kBatch> values;
    uint64_t done = 0;
    while (done < chunk.n_elements) {
      const uint64_t n = std::min(kBatch, chunk.n_elements - done);
      const uint64_t first = chunk.first_element + done;
      for (uint64_t i = 0; i < n; ++i) values[i] = Uniform(key, first + i) * t.scale + t.offset;
      auto dst = chunk.bytes.subspan(done / block_elements * block_bytes,
                                     n / block_elements * block_bytes);
      LLMCORE_RETURN_IF_ERROR(quant::Quantize(type, std::span(values.data(), n), dst));
      done += n;
    }
    return Status::Ok();
  };
}

}  // namespace llmcore::mkmodel
