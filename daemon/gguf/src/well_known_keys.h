// The metadata keys whose type the reader enforces (Rule::kKeyTypeMismatch).
//
// This is the one place that lists them. A key belongs here when code past
// the reader relies on its type without checking (the alignment that places
// the data section, the tokenizer arrays that are indexed by token id, the
// special token ids), so that a file with a mistyped key is rejected as
// corrupt when it is read instead of failing later in a less obvious place.
// The types are those the GGUF specification and llama.cpp's converters use.
// Any other key may carry any type.
#pragma once

#include <array>
#include <string_view>

#include "llmcore/gguf/types.h"

namespace llmcore::gguf::internal {

struct WellKnownKey {
  std::string_view key;
  ValueType type;
  // For arrays: the element type the key requires. Unused otherwise.
  ValueType element_type = ValueType::kUint8;
};

inline constexpr std::array kWellKnownKeys = {
    WellKnownKey{"general.alignment", ValueType::kUint32},
    WellKnownKey{"general.architecture", ValueType::kString},
    WellKnownKey{"general.name", ValueType::kString},
    WellKnownKey{"tokenizer.ggml.model", ValueType::kString},
    WellKnownKey{"tokenizer.ggml.pre", ValueType::kString},
    WellKnownKey{"tokenizer.ggml.tokens", ValueType::kArray, ValueType::kString},
    WellKnownKey{"tokenizer.ggml.scores", ValueType::kArray, ValueType::kFloat32},
    WellKnownKey{"tokenizer.ggml.token_type", ValueType::kArray, ValueType::kInt32},
    WellKnownKey{"tokenizer.ggml.merges", ValueType::kArray, ValueType::kString},
    WellKnownKey{"tokenizer.ggml.bos_token_id", ValueType::kUint32},
    WellKnownKey{"tokenizer.ggml.eos_token_id", ValueType::kUint32},
    WellKnownKey{"tokenizer.ggml.unknown_token_id", ValueType::kUint32},
    WellKnownKey{"tokenizer.ggml.padding_token_id", ValueType::kUint32},
    WellKnownKey{"tokenizer.chat_template", ValueType::kString},
};

// The entry for `key`, or nullptr when the reader accepts any type for it.
inline const WellKnownKey* FindWellKnownKey(std::string_view key) {
  for (const auto& entry : kWellKnownKeys) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

}  // namespace llmcore::gguf::internal
