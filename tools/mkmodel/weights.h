// Deterministic random weights, fully specified so that any build on any
// machine produces the same bytes for the same seed.
//
// Value i of a tensor depends only on (seed, tensor name, i): a splitmix64
// stream keyed by the seed and the FNV-1a hash of the name, read at position
// i, gives 24 random bits u, and r = 2 * u / 2^24 - 1 lies in [-1, 1). By
// kind:
//   kMatrix  r * sqrt(3 / ne[0]): standard deviation 1 / sqrt(fan_in), so
//            a matrix keeps the scale of a normalized activation.
//   kNorm    1 + r / 10.
//   kBias    r / 50.
// Being a function of the position, a tensor can be produced in chunks of any
// size (and later in parallel) with the same result. No std:: distribution is
// used: their algorithms differ between standard libraries.
//
// Threading: pure functions; a fill callback keeps no state between calls.
#pragma once

#include <cstdint>
#include <string_view>

#include "llmcore/gguf/writer.h"
#include "mkmodel/model_spec.h"

namespace llmcore::mkmodel {

// The key of a tensor's stream.
uint64_t TensorKey(uint64_t seed, std::string_view tensor_name);

// Element `index` of the tensor planned as `plan` under `key`, before
// conversion to the tensor's type.
float WeightValue(const TensorPlan& plan, uint64_t key, uint64_t index);

// A fill callback writing the tensor's values converted to plan.type.
gguf::GgufWriter::TensorFill MakeWeightFill(const TensorPlan& plan, uint64_t seed);

}  // namespace llmcore::mkmodel
