// Tensor element types (ggml's type ids, as stored in GGUF files) and the
// block layout of each: how many elements a block holds and how many bytes it
// takes. Shared by the GGUF reader, the quantizers and the drivers.
//
// The numeric ids are part of the file format and of the driver ABI
// (llmcore_tensor_type in drivers/include/llmcore/driver.h); they never change.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace llmcore {

// Tensor element types (ggml_type). Ids 4, 5, 31-33 and 36-38 were removed
// from ggml and are invalid in files.
enum class TensorType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ2_XXS = 16,
  kIQ2_XS = 17,
  kIQ3_XXS = 18,
  kIQ1_S = 19,
  kIQ4_NL = 20,
  kIQ3_S = 21,
  kIQ2_S = 22,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kIQ1_M = 29,
  kBF16 = 30,
  kTQ1_0 = 34,
  kTQ2_0 = 35,
  kMXFP4 = 39,
};

struct TensorTypeTraits {
  TensorType type;
  std::string_view name;    // as ggml spells it: "f32", "q4_0", "q4_K", ...
  uint32_t block_elements;  // elements per block (1 for plain types)
  uint32_t block_bytes;     // bytes per block
};

// Traits of a tensor type id read from a file; nullopt for unknown or removed ids.
std::optional<TensorTypeTraits> LookupTensorType(uint32_t id);
const TensorTypeTraits& Traits(TensorType type);

// Parses a type name as printed by TensorTypeTraits::name (case-insensitive).
std::optional<TensorType> TensorTypeFromName(std::string_view name);

}  // namespace llmcore
