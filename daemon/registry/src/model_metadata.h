// What a ModelEntry says about a model, taken from its parsed GGUF header.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "llmcore/gguf/gguf_file.h"
#include "llmcore/registry/model_entry.h"
#include "llmcore/status.h"

namespace llmcore::registry::internal {

// The name llama.cpp gives a general.file_type value ("Q4_K_M"); nullopt for
// values it does not define.
std::optional<std::string_view> FileTypeName(uint64_t file_type);

// Fills the metadata fields of `entry` (architecture to chat_template) from
// `file`. kUnsupported, saying why, for a file that is no model: one without
// tensors (a vocabulary-only file) or without general.architecture.
Status DescribeModel(const gguf::GgufFile& file, ModelEntry* entry);

}  // namespace llmcore::registry::internal
