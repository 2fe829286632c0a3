#include "llmcore/reference/reference_model.h"

#include <cmath>
#include <numbers>
#include <optional>

#include "llmcore/gguf/types.h"
#include "llmcore/quant/quantize.h"

namespace llmcore::reference {
namespace {

using gguf::ValueType;

Status Corrupt(const std::string& what) {
  return Status(StatusCode::kCorrupt, "reference: " + what);
}

std::optional<double> Number(const store::Segment& s, const std::string& key) {
  const store::MetadataEntry* m = s.FindMetadata(key);
  if (m == nullptr) return std::nullopt;
  switch (static_cast<ValueType>(m->value_type)) {
    case ValueType::kUint8:
    case ValueType::kUint16:
    case ValueType::kUint32:
    case ValueType::kUint64: return static_cast<double>(m->uint_value);
    case ValueType::kInt8:
    case ValueType::kInt16:
    case ValueType::kInt32:
    case ValueType::kInt64: return static_cast<double>(m->int_value);
    case ValueType::kFloat32:
    case ValueType::kFloat64: return m->float_value;
    default: return std::nullopt;
  }
}

Result<double> Required(const store::Segment& s, const std::string& key) {
  auto v = Number(s, key);
  if (!v) return Corrupt("missing key " + key);
  return *v;
}

// Every element of a tensor as floats, checking it has `n` of them.
Result<std::vector<float>> Decode(const store::Segment& s, const std::string& name, uint64_t n) {
  const store::TensorEntry* t = s.FindTensor(name);
  if (t == nullptr) return Corrupt("missing tensor " + name);
  const uint64_t elements = t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
  if (elements != n) {
    return Corrupt("tensor " + name + " has " + std::to_string(elements) + " elements, not " +
                   std::to_string(n));
  }
  std::vector<float> out(n);
  Status st = quant::Dequantize(static_cast<TensorType>(t->type), s.TensorData(*t), out);
  if (!st.ok()) return st.WithContext("reference: tensor " + name);
  return out;
}

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

Result<ReferenceModel> ReferenceModel::Load(const store::Segment& s) {
  ReferenceModel m;
  Hyperparameters& hp = m.hp_;
  hp.arch.assign(s.directory().architecture.data(), s.directory().architecture.size());
  if (hp.arch != "llama" && hp.arch != "qwen2" && hp.arch != "qwen3") {
    return Status(StatusCode::kUnsupported, "reference: architecture '" + hp.arch + "'");
  }
  const std::string a = hp.arch + ".";
  LLMCORE_ASSIGN_OR_RETURN(double n_embd, Required(s, a + "embedding_length"));
  LLMCORE_ASSIGN_OR_RETURN(double n_layer, Required(s, a + "block_count"));
  LLMCORE_ASSIGN_OR_RETURN(double n_head, Required(s, a + "attention.head_count"));
  LLMCORE_ASSIGN_OR_RETURN(double n_ff, Required(s, a + "feed_forward_length"));
  LLMCORE_ASSIGN_OR_RETURN(double eps, Required(s, a + "attention.layer_norm_rms_epsilon"));
  hp.n_embd = static_cast<uint32_t>(n_embd);
  hp.n_layer = static_cast<uint32_t>(n_layer);
  hp.n_head = static_cast<uint32_t>(n_head);
  hp.n_ff = static_cast<uint32_t>(n_ff);
  hp.eps = static_cast<float>(eps);
  hp.n_head_kv =
      static_cast<uint32_t>(Number(s, a + "attention.head_count_kv").value_or(hp.n_head));
  hp.head_dim =
      static_cast<uint32_t>(Number(s, a + "attention.key_length").value_or(hp.n_embd / hp.n_head));
  hp.rope_dim = static_cast<uint32_t>(Number(s, a + "rope.dimension_count").value_or(hp.head_dim));
  hp.rope_base = static_cast<float>(Number(s, a + "rope.freq_base").value_or(10000.0));
  hp.neox = hp.arch != "llama";
  const store::MetadataEntry* scaling = s.FindMetadata(a + "rope.scaling.type");
  if (scaling != nullptr &&
      std::string(scaling->string_value.data(), scaling->string_value.size()) == "llama3") {
    hp.scaling_factor = static_cast<float>(Number(s, a + "rope.scaling.factor").value_or(0));
    hp.low_freq_factor =
        static_cast<float>(Number(s, a + "rope.scaling.low_freq_factor").value_or(1));
    hp.high_freq_factor =
        static_cast<float>(Number(s, a + "rope.scaling.high_freq_factor").value_or(4));
    hp.original_ctx =
        static_cast<uint32_t>(Number(s, a + "rope.scaling.original_context_length").value_or(8192));
  }
  const store::TensorEntry* embd = s.FindTensor("token_embd.weight");
  if (embd == nullptr) return Corrupt("missing tensor token_embd.weight");
  hp.n_vocab = static_cast<uint32_t>(embd->ne[1]);

  const uint32_t d = hp.n_embd, q_dim = hp.n_head * hp.head_dim,
                 kv_dim = hp.n_head_kv * hp.head_dim;
  auto matrix = [&s](const std::string& name, uint32_t cols, uint32_t rows) -> Result<Matrix> {
    Matrix mat;
    mat.rows = rows;
    mat.cols = cols;
    LLMCORE_ASSIGN_OR_RETURN(mat.w, Decode(s, name, uint64_t{rows} * cols));
    return mat;
  };
  LLMCORE_ASSIGN_OR_RETURN(m.token_embd_, matrix("token_embd.weight", d, hp.n_vocab));
  if (s.FindTensor("output.weight") != nullptr) {
    LLMCORE_ASSIGN_OR_RETURN(m.output_, matrix("output.weight", d, hp.n_vocab));
  } else {
    m.output_ = m.token_embd_;
  }
  LLMCORE_ASSIGN_OR_RETURN(m.output_norm_, Decode(s, "output_norm.weight", d));

  // RoPE: angle of pair i at position p is p * base^(-2i/rope_dim) / f_i.
  std::vector<float> factors;
  if (s.FindTensor("rope_freqs.weight") != nullptr) {
    LLMCORE_ASSIGN_OR_RETURN(factors, Decode(s, "rope_freqs.weight", hp.rope_dim / 2));
  }
  for (uint32_t i = 0; i < hp.rope_dim / 2; ++i) {
    const double freq = std::pow(double{hp.rope_base}, -2.0 * i / hp.rope_dim);
    double f = 1.0;
    if (!factors.empty()) {
      f = factors[i];
    } else if (hp.scaling_factor > 0) {
      // Llama 3: keep short wavelengths, stretch long ones by the factor,
      // interpolate linearly (in 1/f) between.
      const double wavelength = 2 * std::numbers::pi / freq;
      const double lo_wavelength = hp.original_ctx / double{hp.low_freq_factor};
      const double hi_wavelength = hp.original_ctx / double{hp.high_freq_factor};
      if (wavelength < hi_wavelength) {
        f = 1.0;
      } else if (wavelength > lo_wavelength) {
        f = hp.scaling_factor;
      } else {
        const double t = (hp.original_ctx / wavelength - hp.low_freq_factor) /
                         (double{hp.high_freq_factor} - hp.low_freq_factor);
        f = 1.0 / ((1 - t) / hp.scaling_factor + t);
      }
    }
    m.inv_freq_.push_back(freq / f);
  }

  for (uint32_t i = 0; i < hp.n_layer; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    Layer l;
    LLMCORE_ASSIGN_OR_RETURN(l.attn_norm, Decode(s, p + "attn_norm.weight", d));
    LLMCORE_ASSIGN_OR_RETURN(l.ffn_norm, Decode(s, p + "ffn_norm.weight", d));
    LLMCORE_ASSIGN_OR_RETURN(l.wq, matrix(p + "attn_q.weight", d, q_dim));
    LLMCORE_ASSIGN_OR_RETURN(l.wk, matrix(p + "attn_k.weight", d, kv_dim));
    LLMCORE_ASSIGN_OR_RETURN(l.wv, matrix(p + "attn_v.weight", d, kv_dim));
    LLMCORE_ASSIGN_OR_RETURN(l.wo, matrix(p + "attn_output.weight", q_dim, d));
    LLMCORE_ASSIGN_OR_RETURN(l.gate, matrix(p + "ffn_gate.weight", d, hp.n_ff));
    LLMCORE_ASSIGN_OR_RETURN(l.up, matrix(p + "ffn_up.weight", d, hp.n_ff));
    LLMCORE_ASSIGN_OR_RETURN(l.down, matrix(p + "ffn_down.weight", hp.n_ff, d));
    if (hp.arch == "qwen2") {
      LLMCORE_ASSIGN_OR_RETURN(l.bq, Decode(s, p + "attn_q.bias", q_dim));
      LLMCORE_ASSIGN_OR_RETURN(l.bk, Decode(s, p + "attn_k.bias", kv_dim));
      LLMCORE_ASSIGN_OR_RETURN(l.bv, Decode(s, p + "attn_v.bias", kv_dim));
    }
    if (hp.arch == "qwen3") {
      LLMCORE_ASSIGN_OR_RETURN(l.q_norm, Decode(s, p + "attn_q_norm.weight", hp.head_dim));
      LLMCORE_ASSIGN_OR_RETURN(l.k_norm, Decode(s, p + "attn_k_norm.weight", hp.head_dim));
    }
    m.layers_.push_back(std::move(l));
  }
  return m;
}

std::vector<float> ReferenceModel::MatVec(const Matrix& m, const std::vector<float>& x) {
  std::vector<float> y(m.rows);
  for (uint32_t r = 0; r < m.rows; ++r) {
    y[r] = static_cast<float>(Dot(&m.w[size_t{r} * m.cols], x.data(), m.cols));
  }
  return y;
}

std::vector<std::vector<float>> ReferenceModel::Logits(std::span<const int32_t> tokens) const {
  std::vector<std::vector<float>> logits = HiddenStates(tokens);
  for (std::vector<float>& row : logits) row = MatVec(output_, row);
  return logits;
}

std::vector<std::vector<float>> ReferenceModel::HiddenStates(
    std::span<const int32_t> tokens) const {
  const Hyperparameters& hp = hp_;
  const size_t n = tokens.size();
  const uint32_t d = hp.n_embd, hd = hp.head_dim;
  const uint32_t group = hp.n_head / hp.n_head_kv;

  // Rotates one head at position `pos`.
  auto rope = [&](float* head, size_t pos) {
    const uint32_t half = hp.rope_dim / 2;
    for (uint32_t i = 0; i < half; ++i) {
      const double angle = static_cast<double>(pos) * inv_freq_[i];
      const uint32_t a = hp.neox ? i : 2 * i;
      const uint32_t b = hp.neox ? i + half : 2 * i + 1;
      const double x0 = head[a], x1 = head[b];
      head[a] = static_cast<float>(x0 * std::cos(angle) - x1 * std::sin(angle));
      head[b] = static_cast<float>(x0 * std::sin(angle) + x1 * std::cos(angle));
    }
  };

  // The residual stream of every position.
  std::vector<std::vector<float>> x(n);
  for (size_t p = 0; p < n; ++p) {
    const float* row = &token_embd_.w[size_t(tokens[p]) * d];
    x[p].assign(row, row + d);
  }

  for (const Layer& l : layers_) {
    std::vector<std::vector<float>> q(n), k(n), v(n);
    for (size_t p = 0; p < n; ++p) {
      const std::vector<float> xn = RmsNorm(x[p].data(), l.attn_norm, d, hp.eps);
      q[p] = MatVec(l.wq, xn);
      k[p] = MatVec(l.wk, xn);
      v[p] = MatVec(l.wv, xn);
      for (size_t i = 0; i < l.bq.size(); ++i) q[p][i] += l.bq[i];
      for (size_t i = 0; i < l.bk.size(); ++i) k[p][i] += l.bk[i];
      for (size_t i = 0; i < l.bv.size(); ++i) v[p][i] += l.bv[i];
      for (uint32_t h = 0; h < hp.n_head; ++h) {
        float* head = &q[p][h * hd];
        if (!l.q_norm.empty()) {
          const std::vector<float> normed = RmsNorm(head, l.q_norm, hd, hp.eps);
          std::copy(normed.begin(), normed.end(), head);
        }
        rope(head, p);
      }
      for (uint32_t h = 0; h < hp.n_head_kv; ++h) {
        float* head = &k[p][h * hd];
        if (!l.k_norm.empty()) {
          const std::vector<float> normed = RmsNorm(head, l.k_norm, hd, hp.eps);
          std::copy(normed.begin(), normed.end(), head);
        }
        rope(head, p);
      }
    }
    for (size_t p = 0; p < n; ++p) {
      // Causal attention: position p sees positions 0..p.
      std::vector<float> att(size_t{hp.n_head} * hd);
      for (uint32_t h = 0; h < hp.n_head; ++h) {
        const uint32_t kvh = h / group;
        std::vector<double> w(p + 1);
        double max = -INFINITY;
        for (size_t t = 0; t <= p; ++t) {
          w[t] = Dot(&q[p][h * hd], &k[t][kvh * hd], hd) / std::sqrt(static_cast<double>(hd));
          max = std::max(max, w[t]);
        }
        double sum = 0;
        for (double& wt : w) sum += (wt = std::exp(wt - max));
        for (uint32_t i = 0; i < hd; ++i) {
          double acc = 0;
          for (size_t t = 0; t <= p; ++t) acc += w[t] / sum * v[t][kvh * hd + i];
          att[h * hd + i] = static_cast<float>(acc);
        }
      }
      const std::vector<float> o = MatVec(l.wo, att);
      for (uint32_t i = 0; i < d; ++i) x[p][i] += o[i];

      const std::vector<float> xn = RmsNorm(x[p].data(), l.ffn_norm, d, hp.eps);
      std::vector<float> g = MatVec(l.gate, xn);
      const std::vector<float> u = MatVec(l.up, xn);
      for (uint32_t i = 0; i < hp.n_ff; ++i) {
        const double gi = g[i];
        g[i] = static_cast<float>(gi / (1 + std::exp(-gi)) * u[i]);
      }
      const std::vector<float> down = MatVec(l.down, g);
      for (uint32_t i = 0; i < d; ++i) x[p][i] += down[i];
    }
  }

  std::vector<std::vector<float>> hidden(n);
  for (size_t p = 0; p < n; ++p) hidden[p] = RmsNorm(x[p].data(), output_norm_, d, hp.eps);
  return hidden;
}

}  // namespace llmcore::reference
