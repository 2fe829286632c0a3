// ModelDesc: the llmcore_model_desc a driver receives for a loaded model,
// built from a model segment's directory and metadata.
//
// Hyperparameters come from the GGUF keys llama.cpp defines, {arch} being
// general.architecture:
//   n_embd        {arch}.embedding_length            (required)
//   n_layer       {arch}.block_count                 (required)
//   n_head        {arch}.attention.head_count        (required)
//   n_head_kv     {arch}.attention.head_count_kv     (default n_head)
//   head_dim      {arch}.attention.key_length        (default n_embd / n_head)
//   n_ff          {arch}.feed_forward_length         (required)
//   n_ctx_train   {arch}.context_length              (default 0: unknown)
//   rms_norm_eps  {arch}.attention.layer_norm_rms_epsilon (required)
//   rope_freq_base {arch}.rope.freq_base             (default 10000)
//   rope_dim      {arch}.rope.dimension_count        (default head_dim)
//   Llama 3 scaling, when {arch}.rope.scaling.type is "llama3":
//                 .rope.scaling.factor (required), .low_freq_factor (default 1),
//                 .high_freq_factor (default 4), .original_context_length
//                 (default 8192). Type absent or "none": no scaling; any
//                 other type is refused.
//   n_vocab       ne[1] of token_embd.weight
// The RoPE ordering follows the architecture as llama.cpp runs it: normal
// (adjacent pairs) for llama, whose q/k weights llama.cpp's converter
// permutes to that ordering; NeoX (halves) for qwen2 and qwen3. Other
// architectures are passed through with the normal ordering: whether one is
// supported is each driver's decision (the CPU driver refuses it, naming it).
//
// Every tensor of the directory is listed, pointing into the segment.
//
// Ownership and lifetime: a ModelDesc owns the strings and the tensor table
// the desc points to; the tensor data points into the segment, which must
// outlive the ModelDesc and every driver instance built from it.
//
// Thread safety: immutable after BuildModelDesc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "llmcore/driver.h"
#include "llmcore/status.h"
#include "llmcore/store/segment.h"

namespace llmcore::driver_host {

class ModelDesc {
 public:
  ModelDesc(const ModelDesc&) = delete;
  ModelDesc& operator=(const ModelDesc&) = delete;

  const llmcore_model_desc& desc() const { return desc_; }
  const std::string& architecture() const { return architecture_; }

 private:
  friend Result<std::unique_ptr<ModelDesc>> BuildModelDesc(const store::Segment& segment);
  ModelDesc() = default;

  std::string architecture_;
  std::vector<std::string> names_;
  std::vector<llmcore_tensor_desc> tensors_;
  llmcore_model_desc desc_{};
};

// Errors: kCorrupt naming the key or tensor for a missing required key, a
// value of the wrong type or out of range (zero, not finite, not fitting 32
// bits), a missing token_embd.weight; kUnsupported naming a RoPE scaling
// type other than none or llama3, or a per-layer (array) head count.
Result<std::unique_ptr<ModelDesc>> BuildModelDesc(const store::Segment& segment);

}  // namespace llmcore::driver_host
