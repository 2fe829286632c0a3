// ModelConfig: the hyperparameters of an llmcore_model_desc, checked.
//
// The driver runs three architectures, which differ only in small ways:
//   llama  RMSNorm, RoPE, grouped-query attention, SwiGLU FFN, no biases.
//   qwen2  llama plus biases on the q, k and v projections.
//   qwen3  llama plus a per-head RMSNorm of q and of k (before RoPE).
// Each is run with the RoPE ordering the host states (normal: adjacent
// pairs; NeoX: the two halves of the rotated dimensions).
//
// Thread safety: values.
#pragma once

#include <cstdint>

#include "llmcore/driver.h"
#include "llmcore/driver_kit/model_desc.h"
#include "llmcore/status.h"

namespace llmcore::cpu {

enum class Arch { kLlama, kQwen2, kQwen3 };

// The description's checked hyperparameters (driver_kit::ReadModelDesc)
// and the architecture they name.
struct ModelConfig : driver_kit::ModelHyperparameters {
  Arch arch = Arch::kLlama;

  bool has_qkv_bias() const { return arch == Arch::kQwen2; }
  bool has_qk_norm() const { return arch == Arch::kQwen3; }
  uint32_t q_dim() const { return n_head * head_dim; }
  uint32_t kv_dim() const { return n_head_kv * head_dim; }
};

// Upper bounds on the sizes the driver accepts from a model description, so
// that every product of two of them fits easily in 64 bits and scratch sizes
// stay computable; real models are far below them.
inline constexpr uint32_t kMaxVocab = 1u << 24;
inline constexpr uint32_t kMaxDim = 1u << 20;  // n_embd, n_ff, q_dim, kv_dim
inline constexpr uint32_t kMaxLayers = 4096;
inline constexpr uint32_t kMaxHeads = 4096;

// Reads and checks the hyperparameters (not the tensors: model_weights.h).
// Errors: kUnsupported naming an architecture other than llama, qwen2,
// qwen3, or an unknown rope kind; kCorrupt naming the field for a zero,
// inconsistent or out-of-bounds value (n_head not a multiple of n_head_kv,
// odd or too large rope_dim, non-finite or non-positive eps or base, bad
// scaling factors); kInvalidArgument for a NULL or too small struct.
Result<ModelConfig> ParseModelConfig(const llmcore_model_desc* desc);

// 64-bit digest of everything that shapes the KV state (architecture, layer
// count, kv heads, head dim, RoPE settings), so a KV blob is refused by an
// instance of a differently shaped model.
uint64_t KvFingerprint(const ModelConfig& config);

}  // namespace llmcore::cpu
