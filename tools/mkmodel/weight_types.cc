#include "mkmodel/weight_types.h"

#include <map>

namespace llmcore::mkmodel {
namespace {

bool Fits(TensorType type, uint64_t row_length) {
  return row_length % Traits(type).block_elements == 0;
}

}  // namespace

std::string WeightTypeNames() {
  return "f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_K, q5_K, q6_K";
}

bool HasFallback(TensorType requested) {
  switch (requested) {
    case TensorType::kQ4_K:
    case TensorType::kQ5_K:
    case TensorType::kQ6_K: return true;
    default: return false;
  }
}

TensorType TypeForRows(TensorType requested, uint64_t row_length) {
  if (Fits(requested, row_length) || !HasFallback(requested)) return requested;
  TensorType fallback = TensorType::kQ8_0;
  if (requested == TensorType::kQ4_K) fallback = TensorType::kQ5_0;
  if (requested == TensorType::kQ5_K) fallback = TensorType::kQ5_1;
  return Fits(fallback, row_length) ? fallback : TensorType::kF16;
}

std::string DescribeFallbacks(const std::vector<TensorPlan>& plan, TensorType requested) {
  std::map<uint32_t, int> counts;  // by type id, for a stable order
  for (const auto& tensor : plan) {
    if (tensor.type != requested && tensor.type != TensorType::kF32) {
      ++counts[static_cast<uint32_t>(tensor.type)];
    }
  }
  std::string out;
  for (const auto& [id, count] : counts) {
    if (!out.empty()) out += ", ";
    out += std::string(Traits(static_cast<TensorType>(id)).name) + " for " + std::to_string(count) +
           (count == 1 ? " tensor" : " tensors");
  }
  return out;
}

}  // namespace llmcore::mkmodel
