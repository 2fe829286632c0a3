// Building model trees for the registry tests: small GGUF files written with
// GgufWriter, copies of the bundled model, directories, symlinks and times.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "llmcore/gguf/types.h"
#include "llmcore/registry/model_registry.h"

namespace llmcore::registry::testing {

struct TinyTensor {
  gguf::TensorType type = gguf::TensorType::kF32;
  // A multiple of the type's block size (256 for the K-quants).
  uint64_t elements = 64;
};

struct TinyModel {
  std::string architecture = "llama";  // "" leaves general.architecture out
  int64_t file_type = -1;              // general.file_type; -1 leaves it out
  std::string chat_template;           // tokenizer.chat_template when not empty
  // "<arch>.*" keys, each left out when 0.
  uint32_t context_length = 256;
  uint32_t embedding_length = 32;
  uint32_t layers = 2;
  uint32_t vocab_size = 0;
  uint32_t token_count = 10;  // tokenizer.ggml.tokens entries (0: no such key)
  std::vector<TinyTensor> tensors = {TinyTensor{}};  // 1-D, all zero

  // Chainable setters: TinyModel().Architecture("qwen2").FileType(7).
  TinyModel& Architecture(std::string v) { return Set(&TinyModel::architecture, std::move(v)); }
  TinyModel& FileType(int64_t v) { return Set(&TinyModel::file_type, v); }
  TinyModel& ChatTemplate(std::string v) { return Set(&TinyModel::chat_template, std::move(v)); }
  TinyModel& ContextLength(uint32_t v) { return Set(&TinyModel::context_length, v); }
  TinyModel& EmbeddingLength(uint32_t v) { return Set(&TinyModel::embedding_length, v); }
  TinyModel& Layers(uint32_t v) { return Set(&TinyModel::layers, v); }
  TinyModel& VocabSize(uint32_t v) { return Set(&TinyModel::vocab_size, v); }
  TinyModel& TokenCount(uint32_t v) { return Set(&TinyModel::token_count, v); }
  TinyModel& Tensors(std::vector<TinyTensor> v) { return Set(&TinyModel::tensors, std::move(v)); }

 private:
  template <typename T, typename V>
  TinyModel& Set(T TinyModel::*field, V&& value) {
    this->*field = std::forward<V>(value);
    return *this;
  }
};

// Writes `model` to `path` (creating parent directories); fails the test on
// error.
void WriteTinyModel(const std::string& path, const TinyModel& model = {});

// Copies models/stories260K.gguf to `path`, creating parent directories.
void CopyBundledModel(const std::string& path);

void MakeDirs(const std::string& path);
void WriteText(const std::string& path, const std::string& text);
void Symlink(const std::string& target, const std::string& link);
// Sets the modification time of `path` (not following a symlink).
void SetMtime(const std::string& path, int64_t seconds_since_epoch);

// The names in `registry.List()`, in order.
std::vector<std::string> Names(const ModelRegistry& registry);
// The paths in a report's skipped (or duplicates) list.
std::vector<std::string> Paths(const std::vector<SkippedFile>& files);
// The reason given for `path` in `files`, or "" when it is not listed.
std::string ReasonFor(const std::vector<SkippedFile>& files, const std::string& path);

}  // namespace llmcore::registry::testing
