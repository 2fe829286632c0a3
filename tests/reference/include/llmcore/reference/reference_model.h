// ReferenceModel: a naive float forward pass, the yardstick every driver is
// measured against.
//
// Written to be obviously correct rather than fast: every weight is decoded
// to float once with the quant library's reference decoder, sums are
// accumulated in double, and each call recomputes the whole sequence from
// position 0 with plain loops, no KV cache and no batching. It reads the
// model's hyperparameters from the segment's metadata itself (not through
// the driver host's ModelDesc), so a mistake in either is caught by
// comparing them.
//
// Architectures: llama (normal RoPE: adjacent pairs), qwen2 (NeoX RoPE: the
// two halves; q/k/v biases), qwen3 (NeoX; per-head RMSNorm of q and k before
// RoPE). All: RMSNorm, grouped-query attention, SwiGLU feed-forward, output
// matrix or the tied token embedding. Llama 3 RoPE scaling from
// rope_freqs.weight when present, else from {arch}.rope.scaling.* keys.
//
// Thread safety: immutable after Load; Logits may run concurrently.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "llmcore/status.h"
#include "llmcore/store/segment.h"

namespace llmcore::reference {

struct Hyperparameters {
  std::string arch;
  uint32_t n_vocab = 0, n_embd = 0, n_layer = 0, n_head = 0, n_head_kv = 0;
  uint32_t head_dim = 0, n_ff = 0, rope_dim = 0;
  float eps = 0, rope_base = 0;
  bool neox = false;
  float scaling_factor = 0, low_freq_factor = 1, high_freq_factor = 4;
  uint32_t original_ctx = 8192;
};

class ReferenceModel {
 public:
  // Decodes every tensor of `segment` (which need not outlive the model).
  // Errors: kUnsupported for another architecture or an undecodable type;
  // kCorrupt for a missing key or tensor, or a tensor of the wrong size.
  static Result<ReferenceModel> Load(const store::Segment& segment);

  const Hyperparameters& hparams() const { return hp_; }

  // Logits (n_vocab each) for every position of `tokens`, which start at
  // position 0. Tokens must be in range.
  std::vector<std::vector<float>> Logits(std::span<const int32_t> tokens) const;
  // The final hidden states (n_embd each, after the output norm: what the
  // output matrix turns into logits) of every position of `tokens`.
  std::vector<std::vector<float>> HiddenStates(std::span<const int32_t> tokens) const;

 private:
  // A matrix decoded to floats: `rows` rows of `cols`, row-major (a GGUF
  // tensor [ne0, ne1] has rows = ne1, cols = ne0).
  struct Matrix {
    uint32_t rows = 0, cols = 0;
    std::vector<float> w;
  };
  struct Layer {
    std::vector<float> attn_norm, ffn_norm, bq, bk, bv, q_norm, k_norm;
    Matrix wq, wk, wv, wo, gate, up, down;
  };

  static std::vector<float> MatVec(const Matrix& m, const std::vector<float>& x);

  Hyperparameters hp_;
  Matrix token_embd_, output_;
  std::vector<float> output_norm_;
  std::vector<double> inv_freq_;
  std::vector<Layer> layers_;
};

}  // namespace llmcore::reference
