// ModelSpec: the shape of a random-weight model, its presets, its checks, and
// the GGUF metadata and tensor list it turns into.
//
// Names, shapes and keys follow llama.cpp's conventions for the llama, qwen2
// and qwen3 architectures exactly, so its loader (and any other GGUF consumer)
// accepts the files: shapes are given as ggml stores them, ne[0] being the
// input dimension of a matrix (attn_q.weight is [dim, heads * head_dim],
// ffn_down.weight is [ffn, dim], token_embd.weight is [dim, vocab]).
//
// Threading: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "llmcore/gguf/types.h"
#include "llmcore/gguf/writer.h"
#include "llmcore/status.h"

namespace llmcore::mkmodel {

// llama: no biases; qwen2: q/k/v biases; qwen3: per-head RMSNorm of q and k
// (attn_q_norm / attn_k_norm, head_dim elements each), no biases.
enum class Arch { kLlama, kQwen2, kQwen3 };

std::string_view ArchName(Arch arch);
Result<Arch> ParseArch(std::string_view name);

struct ModelSpec {
  Arch arch = Arch::kLlama;
  std::string name;  // general.name; empty: derived from the shape
  uint32_t dim = 64;
  uint32_t layers = 2;
  uint32_t heads = 4;
  uint32_t kv_heads = 2;
  uint32_t ffn = 192;
  uint32_t ctx = 512;
  float rope_theta = 10000.0f;
  float norm_eps = 1e-5f;
  bool tied = false;  // no output.weight; token_embd.weight doubles as it
  gguf::TensorType weight_type = gguf::TensorType::kF32;
  uint32_t vocab_size = 0;  // taken from the vocabulary file
  // Per-head dimension of q, k and v; 0 means dim / heads. When set (Qwen3
  // uses 128 with dim / heads = 64), q is [dim, heads * head_dim] and the
  // file carries {arch}.attention.key_length / value_length.
  uint32_t head_dim_override = 0;
  // Llama 3.x RoPE frequency scaling; factor 0 means none. Written as
  // {arch}.rope.scaling.type = "llama3", .factor, .low_freq_factor,
  // .high_freq_factor and .original_context_length.
  float rope_scaling_factor = 0.0f;
  float rope_low_freq_factor = 1.0f;
  float rope_high_freq_factor = 4.0f;
  uint32_t rope_original_ctx = 8192;

  uint32_t head_dim() const {
    if (head_dim_override != 0) return head_dim_override;
    return heads == 0 ? 0 : dim / heads;
  }
};

// Names of the presets ("tiny", "0.5b", "1b"), for help texts.
std::vector<std::string_view> PresetNames();
// kNotFound naming the known presets for an unknown name.
Result<ModelSpec> Preset(std::string_view name);

// The weight types the tool writes: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0,
// q5_1, q4_K, q5_K, q6_K (weight_types.h).
bool IsWeightTypeSupported(gguf::TensorType type);

// Checks that the shape makes a runnable model: every size non-zero, dim a
// multiple of heads (unless the head dimension is given), heads a multiple
// of kv_heads, an even head dimension
// (RoPE rotates pairs), dim and ffn multiples of the block size of a
// quantized weight type other than the K-quants (whose tensors fall back to
// another type instead, see weight_types.h), a supported weight type, a positive RoPE base and
// norm epsilon, sane Llama 3 scaling factors when scaling is on, a
// vocabulary. kInvalidArgument with a message naming the
// options involved.
Status Validate(const ModelSpec& spec);

// llama.cpp's general.file_type (enum llama_ftype) for a weight type.
uint32_t FileTypeOf(gguf::TensorType weight_type);

// How a tensor's random values are drawn (see weights.h).
enum class Init { kMatrix, kNorm, kBias };

struct TensorPlan {
  std::string name;
  gguf::TensorType type;
  std::vector<uint64_t> shape;  // ne[0] first
  Init init;
};

// The tensors in file order: token_embd, per block attn_norm, attn_q/k/v
// (with biases for qwen2; attn_q_norm after attn_q and attn_k_norm after
// attn_k for qwen3), attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down, then
// output_norm and output (unless tied). Norms and biases are f32; a matrix
// whose rows are not whole blocks of a K-quant weight type gets its fallback
// type (weight_types.h).
std::vector<TensorPlan> PlanTensors(const ModelSpec& spec);

// Adds general.architecture, general.name, general.file_type,
// general.quantization_version (quantized types only) and the {arch}.*
// hyperparameters (key_length / value_length for qwen3 or an explicit head
// dimension, rope.scaling.* when scaling is on).
Status AddModelMetadata(const ModelSpec& spec, gguf::GgufWriter& writer);

// Parameter count of the planned tensors.
uint64_t CountParameters(const std::vector<TensorPlan>& plan);

}  // namespace llmcore::mkmodel
