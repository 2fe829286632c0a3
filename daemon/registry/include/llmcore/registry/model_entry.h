// ModelEntry: what the registry knows about one model without loading it,
// read from its GGUF metadata (never from its weights).
//
// Thread safety: a value.
#pragma once

#include <cstdint>
#include <string>

#include "llmcore/config/model_name.h"
#include "llmcore/registry/model_source.h"

namespace llmcore::registry {

// The model name syntax (model_name.h): the registry only ever hands out and
// looks up names that pass it.
using config::ValidateModelName;

struct ModelEntry {
  std::string name;  // how clients name it: "stories260K", "hf:ORG/REPO/FILE", "ollama:NAME:TAG"
  ModelSource::Kind kind = ModelSource::kDirectory;
  std::string root;           // the configured directory it was found in
  std::string relative_path;  // the file inside root; may go through symlinks inside root
  std::string path;           // root + "/" + relative_path, for messages
  uint64_t size = 0;          // bytes of the file
  int64_t mtime_ns = 0;       // its modification time, nanoseconds since the epoch

  std::string architecture;  // general.architecture ("llama", "qwen2", ...)
  // The weight type: the name of general.file_type ("Q8_0", "F16", "Q4_K_M",
  // ...) when the file has a known one, else the type holding most of the
  // tensor elements ("F32", "Q4_K").
  std::string quantization;
  uint64_t parameters = 0;  // elements of all tensors together
  // From "<architecture>.*" keys; 0 when absent or not a 32-bit unsigned value.
  uint32_t context_length = 0;    // trained context
  uint32_t embedding_length = 0;  //
  uint32_t layers = 0;            // <architecture>.block_count
  // <architecture>.vocab_size, else the length of tokenizer.ggml.tokens.
  uint32_t vocab_size = 0;
  // The chat format recognised in tokenizer.chat_template (ChatTemplate names:
  // "chatml", "llama3", ...); "" when the model has none or an unknown one.
  std::string chat_template;

  bool operator==(const ModelEntry&) const = default;
};

}  // namespace llmcore::registry
