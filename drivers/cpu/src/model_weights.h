// ModelWeights: the tensors of an llmcore_model_desc, checked and bound.
//
// Every tensor the architecture needs must be present exactly once, with the
// shape the hyperparameters imply, a type the kernels support, a byte size
// that matches its shape and type, and suitably aligned data. Names and
// shapes are llama.cpp's (ne[0] is a matrix's input dimension):
//   token_embd.weight        [n_embd, n_vocab]
//   output_norm.weight       [n_embd]
//   output.weight            [n_embd, n_vocab]  (absent: token_embd is reused)
//   rope_freqs.weight        [rope_dim / 2]     (optional, Llama 3 scaling)
//   blk.N.attn_norm.weight   [n_embd]
//   blk.N.attn_q.weight      [n_embd, n_head * head_dim]
//   blk.N.attn_k.weight      [n_embd, n_head_kv * head_dim]
//   blk.N.attn_v.weight      [n_embd, n_head_kv * head_dim]
//   blk.N.attn_output.weight [n_head * head_dim, n_embd]
//   blk.N.ffn_norm.weight    [n_embd]
//   blk.N.ffn_gate.weight    [n_embd, n_ff]
//   blk.N.ffn_up.weight      [n_embd, n_ff]
//   blk.N.ffn_down.weight    [n_ff, n_embd]
//   qwen2: blk.N.attn_q.bias / attn_k.bias / attn_v.bias  [q_dim], [kv_dim], [kv_dim]
//   qwen3: blk.N.attn_q_norm.weight / attn_k_norm.weight  [head_dim]
// Tensors beyond these are ignored. Matrices stay in the host's segment;
// vectors (norms, biases, rope factors) are decoded to float copies, which
// are small.
//
// Thread safety: immutable after BindWeights.
#pragma once

#include <vector>

#include "kernels.h"
#include "llmcore/driver.h"
#include "llmcore/status.h"
#include "model_config.h"

namespace llmcore::cpu {

struct LayerWeights {
  std::vector<float> attn_norm, ffn_norm;
  std::vector<float> q_bias, k_bias, v_bias;  // qwen2
  std::vector<float> q_norm, k_norm;          // qwen3
  Weight wq, wk, wv, wo;
  Weight ffn_gate, ffn_up, ffn_down;
};

struct ModelWeights {
  Weight token_embd;
  Weight output;  // token_embd's again when the model ties them
  bool tied_output = false;
  std::vector<float> output_norm;
  std::vector<float> rope_freq_factors;  // empty without rope_freqs.weight
  std::vector<LayerWeights> layers;
};

// Errors: kCorrupt naming the tensor for a missing, duplicated, misshapen,
// mis-sized, NULL or misaligned tensor (and for a nameless one, by index);
// kUnsupported naming the tensor and its type when the kernels have none.
Result<ModelWeights> BindWeights(const ModelConfig& config, const llmcore_model_desc& desc,
                                 const WeightKernels& kernels);

}  // namespace llmcore::cpu
