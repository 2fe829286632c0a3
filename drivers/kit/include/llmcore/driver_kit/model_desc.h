// Reading the hyperparameters of the host's llmcore_model_desc, checked, the
// same way in every driver that runs the llama family (llama, qwen2, qwen3
// with normal or NeoX RoPE). The tensors are each driver's own business.
//
// Everything in the description comes from a model file, so every field is
// checked (ranges, consistency) before a driver sizes anything from it.
//
// Ownership: nothing is kept; the result copies what it needs (the
// architecture name included).
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "llmcore/driver.h"
#include "llmcore/status.h"

namespace llmcore::driver_kit {

// The checked hyperparameters, named after the llmcore_model_desc fields. A
// driver may extend it (the CPU driver's ModelConfig derives from it).
struct ModelHyperparameters {
  std::string arch_name;  // "llama", "qwen2" or "qwen3"
  uint32_t n_vocab = 0;
  uint32_t n_ctx_train = 0;  // copied, not checked (0: unknown)
  uint32_t n_embd = 0;
  uint32_t n_layer = 0;
  uint32_t n_head = 0;
  uint32_t n_head_kv = 0;
  uint32_t head_dim = 0;
  uint32_t n_ff = 0;
  float rms_norm_eps = 0;
  float rope_freq_base = 0;
  bool rope_neox = false;
  uint32_t rope_dim = 0;  // even, <= head_dim (0 in the description: head_dim)
  // Llama 3 frequency scaling; factor 0 means none (and the rest are 0).
  float rope_scaling_factor = 0;
  float rope_low_freq_factor = 0;
  float rope_high_freq_factor = 0;
  uint32_t rope_original_ctx = 0;
};

// A driver's upper bounds on the sizes it accepts, chosen so that the sizes
// it computes from them cannot overflow.
struct ModelLimits {
  uint32_t max_vocab = 0;
  uint32_t max_dim = 0;  // n_embd, n_ff, head_dim, n_head * head_dim
  uint32_t max_layers = 0;
  uint32_t max_heads = 0;  // n_head, n_head_kv
};

// Reads and checks the hyperparameters; `driver` names the driver in the
// unsupported-architecture message ("the cpu driver runs ..."). Errors:
// kInvalidArgument for a NULL or too small struct; kUnsupported naming an
// architecture other than llama, qwen2, qwen3, or an unknown rope kind;
// kCorrupt naming the field for a zero, inconsistent or out-of-bounds value
// (n_head not a multiple of n_head_kv, odd or too large rope_dim,
// non-finite or non-positive eps or base, bad scaling factors).
Result<ModelHyperparameters> ReadModelDesc(const llmcore_model_desc* desc,
                                           const ModelLimits& limits, std::string_view driver);

}  // namespace llmcore::driver_kit
