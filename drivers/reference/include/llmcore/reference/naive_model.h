// NaiveModel: the plain-loops float forward pass, slow and obviously correct.
//
// It is the yardstick every driver is measured against (tests/reference wraps
// it as ReferenceModel) and the whole of the reference driver
// (llmcore-reference.so). Every weight is decoded to float once with the
// quant library's reference decoder, sums are accumulated in double, and one
// token is run at a time with plain loops: no batching, no SIMD, no threads.
//
// Architectures: llama (normal RoPE: adjacent pairs), qwen2 (NeoX RoPE: the
// two halves; q/k/v biases), qwen3 (NeoX; per-head RMSNorm of q and k before
// RoPE). All: RMSNorm, grouped-query attention, SwiGLU feed-forward, output
// matrix or the tied token embedding. Llama 3 RoPE scaling from
// rope_freqs.weight when present, else from the scaling hyperparameters.
//
// Where the numbers come from: the caller supplies the hyperparameters and a
// function finding tensors by GGUF name. The test wrapper reads both from a
// model store segment (its metadata keys); the driver from the host's
// llmcore_model_desc. The model keeps no pointer into either.
//
// KV state: a SequenceKv holds the keys and values of one sequence's
// positions 0..length-1; Step() runs the next position and appends to it.
// Step() on a fresh SequenceKv for tokens t0..tn gives exactly (bit for bit)
// what recomputing the whole sequence from position 0 would, since the keys
// and values of a position depend only on the tokens up to it.
//
// Errors: Build returns kCorrupt for a missing tensor or one of the wrong
// size, kUnsupported for an undecodable type, kInvalidArgument for
// inconsistent hyperparameters; memory exhaustion throws std::bad_alloc.
// Step() trusts its inputs (token in range): callers validate.
//
// Thread safety: immutable after Build; Step and Logits may run concurrently
// on different SequenceKv objects.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "llmcore/status.h"
#include "llmcore/tensor_types.h"

namespace llmcore::reference {

struct Hyperparameters {
  std::string arch;  // "llama", "qwen2", "qwen3"
  uint32_t n_vocab = 0, n_embd = 0, n_layer = 0, n_head = 0, n_head_kv = 0;
  uint32_t head_dim = 0, n_ff = 0, rope_dim = 0;
  float eps = 0, rope_base = 0;
  bool neox = false;
  float scaling_factor = 0, low_freq_factor = 1, high_freq_factor = 4;
  uint32_t original_ctx = 8192;
};

// One tensor as its source holds it. `data` must stay valid during Build.
struct TensorSource {
  TensorType type = TensorType::kF32;
  uint64_t ne[4] = {1, 1, 1, 1};
  std::span<const std::byte> data;
};

// Finds a tensor by GGUF name ("blk.0.attn_q.weight"); nullopt when absent.
using FindTensorFn = std::function<std::optional<TensorSource>(const std::string& name)>;

// Keys and values of one sequence, each [layer][position * kv_dim] floats.
// Owned by the caller (one per sequence); plain data, copyable.
struct SequenceKv {
  uint32_t length = 0;  // positions held; the next one to run
  std::vector<std::vector<float>> keys, values;

  // Keeps positions [0, n) (n <= length).
  void Truncate(uint32_t n, uint32_t kv_dim);
};

class NaiveModel {
 public:
  // Decodes every tensor the architecture needs (see the file comment).
  static Result<NaiveModel> Build(const Hyperparameters& hp, const FindTensorFn& find);

  const Hyperparameters& hparams() const { return hp_; }
  uint32_t kv_dim() const { return hp_.n_head_kv * hp_.head_dim; }

  // An empty KV state shaped for this model.
  SequenceKv NewSequence() const;

  // Runs `token` (in [0, n_vocab)) at position kv.length, appends its keys
  // and values to `kv`, and returns its final hidden state (n_embd floats
  // after the output norm: what the output matrix turns into logits).
  std::vector<float> Step(int32_t token, SequenceKv& kv) const;

  // The logits (n_vocab floats) of a final hidden state.
  std::vector<float> Logits(std::span<const float> hidden) const;

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

  static std::vector<float> MatVec(const Matrix& m, std::span<const float> x);
  void Rope(float* head, uint32_t pos) const;
  const Matrix& output() const { return tied_ ? token_embd_ : output_; }

  Hyperparameters hp_;
  Matrix token_embd_, output_;
  bool tied_ = false;  // no output.weight: the token embedding serves
  std::vector<float> output_norm_;
  std::vector<double> inv_freq_;
  std::vector<Layer> layers_;
};

}  // namespace llmcore::reference
