// ModelSource: a configured place where the registry looks for models.
//
// Thread safety: values and pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "llmcore/config/daemon_config.h"

namespace llmcore::registry {

struct ModelSource {
  enum Kind {
    kDirectory,    // *.gguf files in a directory tree ([Models] Directory=)
    kHuggingFace,  // a Hugging Face hub cache ([Models] HuggingFaceCache=)
    kOllama,       // an Ollama model store ([Models] OllamaModels=)
  };
  Kind kind = kDirectory;
  std::string root;  // absolute path of the directory

  bool operator==(const ModelSource&) const = default;
};

// "directory", "huggingface", "ollama".
std::string_view ModelSourceKindName(ModelSource::Kind kind);

// The sources of `config` in the order they are searched: every Directory=,
// then every HuggingFaceCache=, then every OllamaModels=, each as listed.
// An earlier source wins when two provide the same name.
std::vector<ModelSource> ModelSources(const config::DaemonConfig& config);

}  // namespace llmcore::registry
