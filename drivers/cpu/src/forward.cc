#include "forward.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <string>

#include "ops.h"
#include "rope.h"

namespace llmcore::cpu {
namespace {

// Attention work (multiply-adds) below which it runs on the calling thread.
constexpr int64_t kInlineAttentionWork = 1 << 17;

using driver_kit::EntryText;

float* Embeddings(const llmcore_batch& batch) {
  return driver_kit::BatchEmbeddings(batch);
}

}  // namespace

ForwardPass::ForwardPass(const ModelConfig& config, const ModelWeights& weights,
                         const WeightKernels& kernels, ThreadPool* pool, uint32_t n_batch_max,
                         uint32_t n_ctx, uint32_t n_seq)
    : c_(config),
      w_(weights),
      kernels_(kernels),
      pool_(pool),
      n_batch_max_(n_batch_max),
      n_ctx_(n_ctx),
      inv_freq_(RopeInvFreq(
          config, weights.rope_freq_factors.empty() ? nullptr : weights.rope_freq_factors.data())) {
  const size_t nb = n_batch_max;
  x_.resize(nb * c_.n_embd);
  xn_.resize(nb * c_.n_embd);
  q_.resize(nb * c_.q_dim());
  k_.resize(nb * c_.kv_dim());
  v_.resize(nb * c_.kv_dim());
  att_.resize(nb * c_.q_dim());
  proj_.resize(nb * c_.n_embd);
  gate_.resize(nb * c_.n_ff);
  up_.resize(nb * c_.n_ff);
  cos_.resize(nb * (c_.rope_dim / 2));
  sin_.resize(nb * (c_.rope_dim / 2));
  const size_t workers = pool == nullptr ? 1 : static_cast<size_t>(pool->size());
  scores_.resize(workers * n_ctx);
  plan_.next_pos.resize(n_seq);
  plan_.touched.reserve(std::min<size_t>(n_seq, nb));
}

Status ForwardPass::Validate(const llmcore_batch* batch, const KvCache& kv,
                             uint64_t* n_logit_rows) {
  const driver_kit::BatchLimits limits = {.n_batch_max = n_batch_max_,
                                          .n_ctx = n_ctx_,
                                          .n_seq = kv.n_seq(),
                                          .n_vocab = c_.n_vocab,
                                          .n_embd = c_.n_embd};
  LLMCORE_RETURN_IF_ERROR(driver_kit::ValidateBatch(
      batch, limits, [&kv](uint32_t seq) { return kv.length(seq); }, plan_));
  *n_logit_rows = plan_.n_rows;
  return Status::Ok();
}

Status ForwardPass::Run(const llmcore_batch* batch, KvCache& kv) {
  uint64_t n_logit_rows = 0;
  LLMCORE_RETURN_IF_ERROR(Validate(batch, kv, &n_logit_rows));
  const int64_t n = batch->n_entries;
  if (n == 0) return Status::Ok();
  const llmcore_batch_entry* entries = batch->entries;
  // Room for the new positions; may throw bad_alloc with no visible change.
  for (uint32_t seq : plan_.touched) kv.Reserve(seq, plan_.next_pos[seq]);

  const uint32_t pairs = c_.rope_dim / 2;
  for (int64_t i = 0; i < n; ++i) {
    kernels_.Row(w_.token_embd, entries[i].token, &x_[i * c_.n_embd]);
    RopeAngles(inv_freq_, entries[i].pos, &cos_[i * pairs], &sin_[i * pairs]);
  }
  for (uint32_t l = 0; l < c_.n_layer; ++l) Layer(l, entries, n, kv);

  // Final norm and output matrix for the entries that want logits, gathered
  // into the first rows of xn_ in entry order.
  int64_t rows = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (entries[i].want_logits == 0) continue;
    RmsNorm(&x_[i * c_.n_embd], w_.output_norm.data(), c_.n_embd, c_.rms_norm_eps,
            &xn_[rows * c_.n_embd]);
    ++rows;
  }
  if (float* embeddings = Embeddings(*batch); embeddings != nullptr && rows > 0) {
    std::memcpy(embeddings, xn_.data(), static_cast<size_t>(rows) * c_.n_embd * sizeof(float));
    int64_t row = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (entries[i].want_logits == 0) continue;
      const float* hidden = embeddings + row * c_.n_embd;
      if (!std::all_of(hidden, hidden + c_.n_embd, [](float v) { return std::isfinite(v); })) {
        return Status(StatusCode::kIoError,
                      EntryText(static_cast<uint32_t>(i), entries[i]) +
                          ": the hidden state is not finite (broken weights?)");
      }
      ++row;
    }
  }
  if (rows > 0 && batch->logits != nullptr) {
    kernels_.MatMul(w_.output, xn_.data(), c_.n_embd, rows, batch->logits, c_.n_vocab, pool_);
    int64_t row = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (entries[i].want_logits == 0) continue;
      const float* logits = batch->logits + row * c_.n_vocab;
      for (uint32_t t = 0; t < c_.n_vocab; ++t) {
        if (!std::isfinite(logits[t])) {
          // The keys and values written above lie past the committed
          // lengths: returning now leaves every sequence as it was.
          return Status(StatusCode::kIoError,
                        EntryText(static_cast<uint32_t>(i), entries[i]) + ": the logit of token " +
                            std::to_string(t) + " is " +
                            (std::isnan(logits[t]) ? "NaN" : "infinite") + " (broken weights?)");
        }
      }
      ++row;
    }
  }
  for (uint32_t seq : plan_.touched) kv.SetLength(seq, plan_.next_pos[seq]);
  return Status::Ok();
}

void ForwardPass::Layer(uint32_t layer, const llmcore_batch_entry* entries, int64_t n,
                        KvCache& kv) {
  const LayerWeights& lw = w_.layers[layer];
  const uint32_t d = c_.n_embd;
  const uint32_t qd = c_.q_dim();
  const uint32_t kvd = c_.kv_dim();
  const uint32_t hd = c_.head_dim;
  const uint32_t pairs = c_.rope_dim / 2;

  // Attention block.
  for (int64_t i = 0; i < n; ++i) {
    RmsNorm(&x_[i * d], lw.attn_norm.data(), d, c_.rms_norm_eps, &xn_[i * d]);
  }
  kernels_.MatMul(lw.wq, xn_.data(), d, n, q_.data(), qd, pool_);
  kernels_.MatMul(lw.wk, xn_.data(), d, n, k_.data(), kvd, pool_);
  kernels_.MatMul(lw.wv, xn_.data(), d, n, v_.data(), kvd, pool_);
  for (int64_t i = 0; i < n; ++i) {
    float* q = &q_[i * qd];
    float* k = &k_[i * kvd];
    float* v = &v_[i * kvd];
    if (c_.has_qkv_bias()) {
      Add(lw.q_bias.data(), q, qd);
      Add(lw.k_bias.data(), k, kvd);
      Add(lw.v_bias.data(), v, kvd);
    }
    for (uint32_t h = 0; h < c_.n_head; ++h) {
      float* qh = q + h * hd;
      if (c_.has_qk_norm()) RmsNorm(qh, lw.q_norm.data(), hd, c_.rms_norm_eps, qh);
      ApplyRope(qh, &cos_[i * pairs], &sin_[i * pairs], c_.rope_dim, c_.rope_neox);
    }
    for (uint32_t h = 0; h < c_.n_head_kv; ++h) {
      float* kh = k + h * hd;
      if (c_.has_qk_norm()) RmsNorm(kh, lw.k_norm.data(), hd, c_.rms_norm_eps, kh);
      ApplyRope(kh, &cos_[i * pairs], &sin_[i * pairs], c_.rope_dim, c_.rope_neox);
    }
    const uint32_t seq = static_cast<uint32_t>(entries[i].seq_id);
    const uint32_t pos = static_cast<uint32_t>(entries[i].pos);
    std::memcpy(kv.Key(seq, layer, pos), k, kvd * sizeof(float));
    std::memcpy(kv.Value(seq, layer, pos), v, kvd * sizeof(float));
  }
  Attention(layer, entries, n, kv);
  kernels_.MatMul(lw.wo, att_.data(), qd, n, proj_.data(), d, pool_);
  for (int64_t i = 0; i < n; ++i) Add(&proj_[i * d], &x_[i * d], d);

  // Feed-forward block (SwiGLU).
  for (int64_t i = 0; i < n; ++i) {
    RmsNorm(&x_[i * d], lw.ffn_norm.data(), d, c_.rms_norm_eps, &xn_[i * d]);
  }
  kernels_.MatMul(lw.ffn_gate, xn_.data(), d, n, gate_.data(), c_.n_ff, pool_);
  kernels_.MatMul(lw.ffn_up, xn_.data(), d, n, up_.data(), c_.n_ff, pool_);
  for (int64_t i = 0; i < n; ++i) SwiGlu(&gate_[i * c_.n_ff], &up_[i * c_.n_ff], c_.n_ff);
  kernels_.MatMul(lw.ffn_down, gate_.data(), c_.n_ff, n, proj_.data(), d, pool_);
  for (int64_t i = 0; i < n; ++i) Add(&proj_[i * d], &x_[i * d], d);
}

void ForwardPass::Attention(uint32_t layer, const llmcore_batch_entry* entries, int64_t n,
                            KvCache& kv) {
  const uint32_t hd = c_.head_dim;
  const uint32_t qd = c_.q_dim();
  const uint32_t group = c_.n_head / c_.n_head_kv;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const int64_t tasks = n * c_.n_head;
  // One task is one (entry, head): scores over the entry's positions, then
  // the weighted sum of values.
  auto run = [&](int64_t begin, int64_t end, int worker) {
    float* scores = &scores_[static_cast<size_t>(worker) * n_ctx_];
    for (int64_t t = begin; t < end; ++t) {
      const int64_t i = t / c_.n_head;
      const uint32_t h = static_cast<uint32_t>(t % c_.n_head);
      const uint32_t seq = static_cast<uint32_t>(entries[i].seq_id);
      const uint32_t len = static_cast<uint32_t>(entries[i].pos) + 1;
      const uint32_t kv_off = (h / group) * hd;
      const float* qh = &q_[i * qd + h * hd];
      for (uint32_t p = 0; p < len; ++p) {
        scores[p] = Dot(qh, kv.Key(seq, layer, p) + kv_off, hd) * scale;
      }
      Softmax(scores, len);
      float* out = &att_[i * qd + h * hd];
      std::fill(out, out + hd, 0.0f);
      for (uint32_t p = 0; p < len; ++p) Axpy(scores[p], kv.Value(seq, layer, p) + kv_off, out, hd);
    }
  };
  int64_t work = 0;
  for (int64_t i = 0; i < n; ++i) work += int64_t{entries[i].pos + 1} * hd * 2 * c_.n_head;
  if (pool_ == nullptr || work < kInlineAttentionWork) {
    run(0, tasks, 0);
  } else {
    pool_->ParallelFor(tasks, 1, run);
  }
}

}  // namespace llmcore::cpu
