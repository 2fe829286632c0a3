// ForwardPass: one batch through the model, for entries of many sequences.
//
// A batch is a list of (sequence, position, token, want_logits) entries in
// any order; entries of one sequence must continue it with consecutive
// positions. Every entry is validated before anything is computed; the
// keys and values of the batch are written past each sequence's length and
// committed only after the logits are known to be finite, so any failure
// leaves the KV state as it was.
//
// Per layer, all entries go through each projection together (one pass over
// each weight matrix serves the whole batch); attention is per entry and
// head, over its own sequence's positions 0..pos, so an entry sees the
// earlier entries of its sequence in the same batch (a prefill chunk) but
// never another sequence. Since each output depends only on its own entry
// (kernels.h), a batch gives bit-identical logits to its entries run one at
// a time, whatever the chunking of a prefill or the number of threads.
//
// Outputs, for the entries with want_logits: their logits and, when the
// batch asks (ABI 1.1), their final hidden states after the output norm
// (embeddings); either may be left out by passing NULL, not both.
//
// Scratch memory for n_batch_max entries is allocated once, at creation.
//
// Thread safety: one Run at a time (the instance's caller); work inside a
// Run is spread over the pool.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels.h"
#include "kv_cache.h"
#include "llmcore/driver.h"
#include "llmcore/driver_kit/batch.h"
#include "llmcore/status.h"
#include "model_config.h"
#include "model_weights.h"
#include "thread_pool.h"

namespace llmcore::cpu {

class ForwardPass {
 public:
  // Throws std::bad_alloc when the scratch memory cannot be had.
  ForwardPass(const ModelConfig& config, const ModelWeights& weights, const WeightKernels& kernels,
              ThreadPool* pool, uint32_t n_batch_max, uint32_t n_ctx, uint32_t n_seq);

  // Errors (nothing changed): kInvalidArgument for a NULL or short batch,
  // NULL entries, NULL logits and embeddings while some entry wants them, a
  // sequence id out of range, or positions that do not continue their
  // sequence; kOutOfRange for a token outside the vocabulary or a position
  // outside [0, n_ctx); kResourceExhausted for more entries than n_batch_max
  // or outputs that do not fit their capacity; kIoError naming the entry
  // when a logit or an embedding is NaN or infinite.
  Status Run(const llmcore_batch* batch, KvCache& kv);

 private:
  Status Validate(const llmcore_batch* batch, const KvCache& kv, uint64_t* n_logit_rows);
  void Layer(uint32_t layer, const llmcore_batch_entry* entries, int64_t n, KvCache& kv);
  void Attention(uint32_t layer, const llmcore_batch_entry* entries, int64_t n, KvCache& kv);

  const ModelConfig& c_;
  const ModelWeights& w_;
  const WeightKernels& kernels_;
  ThreadPool* pool_;
  uint32_t n_batch_max_;
  uint32_t n_ctx_;
  std::vector<double> inv_freq_;

  // Scratch, rows of n_batch_max entries.
  std::vector<float> x_;        // residual stream [n][n_embd]
  std::vector<float> xn_;       // normalized input [n][n_embd]
  std::vector<float> q_;        // [n][q_dim]
  std::vector<float> k_;        // [n][kv_dim]
  std::vector<float> v_;        // [n][kv_dim]
  std::vector<float> att_;      // attention output [n][q_dim]
  std::vector<float> proj_;     // projection back to the stream [n][n_embd]
  std::vector<float> gate_;     // [n][n_ff]
  std::vector<float> up_;       // [n][n_ff]
  std::vector<float> cos_;      // [n][rope_dim / 2]
  std::vector<float> sin_;      // [n][rope_dim / 2]
  std::vector<float> scores_;   // [worker][n_ctx]
  driver_kit::BatchPlan plan_;  // the batch's sequences and their new lengths
};

}  // namespace llmcore::cpu
