// GGUF metadata value types, and the tensor element types under their GGUF names.
//
// The numeric ids are those of the GGUF specification and of ggml; they are part
// of the file format and must never change.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "llmcore/tensor_types.h"

namespace llmcore::gguf {

// Metadata value types (GGUF spec, gguf_metadata_value_type).
enum class ValueType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};

// Returns true when `id` names a ValueType.
bool IsValidValueType(uint32_t id);
std::string_view ValueTypeName(ValueType type);
// Bytes one value takes in the file; 0 for kString and kArray (variable).
uint32_t ValueTypeFixedSize(ValueType type);

// The tensor element types live in common/ (shared with the quantizers and
// drivers); the GGUF code names them through these aliases.
using llmcore::LookupTensorType;
using llmcore::TensorType;
using llmcore::TensorTypeFromName;
using llmcore::TensorTypeTraits;
using llmcore::Traits;

}  // namespace llmcore::gguf
