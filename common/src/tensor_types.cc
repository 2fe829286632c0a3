#include "llmcore/tensor_types.h"

#include <array>
#include <cctype>

namespace llmcore {
namespace {

constexpr std::array kTensorTypes = {
    TensorTypeTraits{TensorType::kF32, "f32", 1, 4},
    TensorTypeTraits{TensorType::kF16, "f16", 1, 2},
    TensorTypeTraits{TensorType::kQ4_0, "q4_0", 32, 18},
    TensorTypeTraits{TensorType::kQ4_1, "q4_1", 32, 20},
    TensorTypeTraits{TensorType::kQ5_0, "q5_0", 32, 22},
    TensorTypeTraits{TensorType::kQ5_1, "q5_1", 32, 24},
    TensorTypeTraits{TensorType::kQ8_0, "q8_0", 32, 34},
    TensorTypeTraits{TensorType::kQ8_1, "q8_1", 32, 36},
    TensorTypeTraits{TensorType::kQ2_K, "q2_K", 256, 84},
    TensorTypeTraits{TensorType::kQ3_K, "q3_K", 256, 110},
    TensorTypeTraits{TensorType::kQ4_K, "q4_K", 256, 144},
    TensorTypeTraits{TensorType::kQ5_K, "q5_K", 256, 176},
    TensorTypeTraits{TensorType::kQ6_K, "q6_K", 256, 210},
    TensorTypeTraits{TensorType::kQ8_K, "q8_K", 256, 292},
    TensorTypeTraits{TensorType::kIQ2_XXS, "iq2_xxs", 256, 66},
    TensorTypeTraits{TensorType::kIQ2_XS, "iq2_xs", 256, 74},
    TensorTypeTraits{TensorType::kIQ3_XXS, "iq3_xxs", 256, 98},
    TensorTypeTraits{TensorType::kIQ1_S, "iq1_s", 256, 50},
    TensorTypeTraits{TensorType::kIQ4_NL, "iq4_nl", 32, 18},
    TensorTypeTraits{TensorType::kIQ3_S, "iq3_s", 256, 110},
    TensorTypeTraits{TensorType::kIQ2_S, "iq2_s", 256, 82},
    TensorTypeTraits{TensorType::kIQ4_XS, "iq4_xs", 256, 136},
    TensorTypeTraits{TensorType::kI8, "i8", 1, 1},
    TensorTypeTraits{TensorType::kI16, "i16", 1, 2},
    TensorTypeTraits{TensorType::kI32, "i32", 1, 4},
    TensorTypeTraits{TensorType::kI64, "i64", 1, 8},
    TensorTypeTraits{TensorType::kF64, "f64", 1, 8},
    TensorTypeTraits{TensorType::kIQ1_M, "iq1_m", 256, 56},
    TensorTypeTraits{TensorType::kBF16, "bf16", 1, 2},
    TensorTypeTraits{TensorType::kTQ1_0, "tq1_0", 256, 54},
    TensorTypeTraits{TensorType::kTQ2_0, "tq2_0", 256, 66},
    TensorTypeTraits{TensorType::kMXFP4, "mxfp4", 32, 17},
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<TensorTypeTraits> LookupTensorType(uint32_t id) {
  for (const auto& traits : kTensorTypes) {
    if (static_cast<uint32_t>(traits.type) == id) return traits;
  }
  return std::nullopt;
}

const TensorTypeTraits& Traits(TensorType type) {
  for (const auto& traits : kTensorTypes) {
    if (traits.type == type) return traits;
  }
  return kTensorTypes[0];  // unreachable for a valid enumerator
}

std::optional<TensorType> TensorTypeFromName(std::string_view name) {
  for (const auto& traits : kTensorTypes) {
    if (EqualsIgnoreCase(traits.name, name)) return traits.type;
  }
  return std::nullopt;
}

}  // namespace llmcore
