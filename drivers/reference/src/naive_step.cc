// NaiveModel::Step and Logits: one token through the model with plain loops,
// sums in double.
#include <algorithm>
#include <cmath>

#include "llmcore/reference/naive_model.h"

namespace llmcore::reference {
namespace {

double Dot(const float* a, const float* b, uint32_t n) {
  double sum = 0;
  for (uint32_t i = 0; i < n; ++i) sum += static_cast<double>(a[i]) * b[i];
  return sum;
}

std::vector<float> RmsNorm(const float* x, const std::vector<float>& w, uint32_t n, float eps) {
  const double mean_square = Dot(x, x, n) / n;
  const double scale = 1.0 / std::sqrt(mean_square + eps);
  std::vector<float> out(n);
  for (uint32_t i = 0; i < n; ++i) out[i] = static_cast<float>(x[i] * scale * w[i]);
  return out;
}

}  // namespace

std::vector<float> NaiveModel::MatVec(const Matrix& m, std::span<const float> x) {
  std::vector<float> y(m.rows);
  for (uint32_t r = 0; r < m.rows; ++r) {
    y[r] = static_cast<float>(Dot(&m.w[size_t{r} * m.cols], x.data(), m.cols));
  }
  return y;
}

// Rotates one head at position `pos`.
void NaiveModel::Rope(float* head, uint32_t pos) const {
  const uint32_t half = hp_.rope_dim / 2;
  for (uint32_t i = 0; i < half; ++i) {
    const double angle = static_cast<double>(pos) * inv_freq_[i];
    const uint32_t a = hp_.neox ? i : 2 * i;
    const uint32_t b = hp_.neox ? i + half : 2 * i + 1;
    const double x0 = head[a], x1 = head[b];
    head[a] = static_cast<float>(x0 * std::cos(angle) - x1 * std::sin(angle));
    head[b] = static_cast<float>(x0 * std::sin(angle) + x1 * std::cos(angle));
  }
}

std::vector<float> NaiveModel::Step(int32_t token, SequenceKv& kv) const {
  const Hyperparameters& hp = hp_;
  const uint32_t d = hp.n_embd, hd = hp.head_dim, kvd = kv_dim();
  const uint32_t group = hp.n_head / hp.n_head_kv;
  const uint32_t p = kv.length;

  // The residual stream of this position.
  const float* row = &token_embd_.w[size_t(token) * d];
  std::vector<float> x(row, row + d);

  for (size_t li = 0; li < layers_.size(); ++li) {
    const Layer& l = layers_[li];
    const std::vector<float> xn = RmsNorm(x.data(), l.attn_norm, d, hp.eps);
    std::vector<float> q = MatVec(l.wq, xn);
    std::vector<float> k = MatVec(l.wk, xn);
    std::vector<float> v = MatVec(l.wv, xn);
    for (size_t i = 0; i < l.bq.size(); ++i) q[i] += l.bq[i];
    for (size_t i = 0; i < l.bk.size(); ++i) k[i] += l.bk[i];
    for (size_t i = 0; i < l.bv.size(); ++i) v[i] += l.bv[i];
    for (uint32_t h = 0; h < hp.n_head; ++h) {
      float* head = &q[h * hd];
      if (!l.q_norm.empty()) {
        const std::vector<float> normed = RmsNorm(head, l.q_norm, hd, hp.eps);
        std::copy(normed.begin(), normed.end(), head);
      }
      Rope(head, p);
    }
    for (uint32_t h = 0; h < hp.n_head_kv; ++h) {
      float* head = &k[h * hd];
      if (!l.k_norm.empty()) {
        const std::vector<float> normed = RmsNorm(head, l.k_norm, hd, hp.eps);
        std::copy(normed.begin(), normed.end(), head);
      }
      Rope(head, p);
    }
    // This position joins the sequence's keys and values.
    std::vector<float>& keys = kv.keys[li];
    std::vector<float>& values = kv.values[li];
    keys.resize(size_t{p} * kvd);
    values.resize(size_t{p} * kvd);
    keys.insert(keys.end(), k.begin(), k.end());
    values.insert(values.end(), v.begin(), v.end());

    // Causal attention: position p sees positions 0..p.
    std::vector<float> att(size_t{hp.n_head} * hd);
    for (uint32_t h = 0; h < hp.n_head; ++h) {
      const uint32_t kvh = h / group;
      std::vector<double> w(p + 1);
      double max = -INFINITY;
      for (size_t t = 0; t <= p; ++t) {
        w[t] = Dot(&q[h * hd], &keys[t * kvd + kvh * hd], hd) / std::sqrt(static_cast<double>(hd));
        max = std::max(max, w[t]);
      }
      double sum = 0;
      for (double& wt : w) sum += (wt = std::exp(wt - max));
      for (uint32_t i = 0; i < hd; ++i) {
        double acc = 0;
        for (size_t t = 0; t <= p; ++t) acc += w[t] / sum * values[t * kvd + kvh * hd + i];
        att[h * hd + i] = static_cast<float>(acc);
      }
    }
    const std::vector<float> o = MatVec(l.wo, att);
    for (uint32_t i = 0; i < d; ++i) x[i] += o[i];

    const std::vector<float> xf = RmsNorm(x.data(), l.ffn_norm, d, hp.eps);
    std::vector<float> g = MatVec(l.gate, xf);
    const std::vector<float> u = MatVec(l.up, xf);
    for (uint32_t i = 0; i < hp.n_ff; ++i) {
      const double gi = g[i];
      g[i] = static_cast<float>(gi / (1 + std::exp(-gi)) * u[i]);
    }
    const std::vector<float> down = MatVec(l.down, g);
    for (uint32_t i = 0; i < d; ++i) x[i] += down[i];
  }
  kv.length = p + 1;
  return RmsNorm(x.data(), output_norm_, d, hp.eps);
}

std::vector<float> NaiveModel::Logits(std::span<const float> hidden) const {
  return MatVec(output(), hidden);
}

}  // namespace llmcore::reference
