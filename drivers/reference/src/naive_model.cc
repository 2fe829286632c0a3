// NaiveModel::Build: every tensor decoded to floats, and the RoPE
// frequencies. The forward pass itself is in naive_step.cc.
#include "llmcore/reference/naive_model.h"

#include <cmath>
#include <numbers>

#include "llmcore/quant/quantize.h"

namespace llmcore::reference {
namespace {

Status Corrupt(const std::string& what) {
  return Status(StatusCode::kCorrupt, "reference: " + what);
}

// Every element of a tensor as floats, checking it has `n` of them and that
// its data is exactly their encoded size.
Result<std::vector<float>> Decode(const FindTensorFn& find, const std::string& name, uint64_t n) {
  const std::optional<TensorSource> t = find(name);
  if (!t) return Corrupt("missing tensor " + name);
  uint64_t elements = 1;
  for (uint64_t ne : t->ne) {
    if (__builtin_mul_overflow(elements, ne, &elements)) {
      return Corrupt("tensor " + name + " has too many elements");
    }
  }
  if (elements != n) {
    return Corrupt("tensor " + name + " has " + std::to_string(elements) + " elements, not " +
                   std::to_string(n));
  }
  if (!quant::IsSupported(t->type)) {
    return Status(StatusCode::kUnsupported, "reference: tensor " + name + " has type " +
                                                std::to_string(static_cast<uint32_t>(t->type)) +
                                                ", which the quant library cannot decode");
  }
  auto bytes = quant::EncodedSize(t->type, n);
  if (!bytes.ok()) return bytes.status().WithContext("reference: tensor " + name);
  if (*bytes != t->data.size()) {
    return Corrupt("tensor " + name + " has " + std::to_string(t->data.size()) + " bytes, not " +
                   std::to_string(*bytes));
  }
  std::vector<float> out(n);
  Status st = quant::Dequantize(t->type, t->data, out);
  if (!st.ok()) return st.WithContext("reference: tensor " + name);
  return out;
}

}  // namespace

void SequenceKv::Truncate(uint32_t n, uint32_t kv_dim) {
  if (n >= length) return;
  for (auto& k : keys) k.resize(size_t{n} * kv_dim);
  for (auto& v : values) v.resize(size_t{n} * kv_dim);
  length = n;
}

Result<NaiveModel> NaiveModel::Build(const Hyperparameters& hp, const FindTensorFn& find) {
  if (hp.arch != "llama" && hp.arch != "qwen2" && hp.arch != "qwen3") {
    return Status(StatusCode::kUnsupported, "reference: architecture '" + hp.arch + "'");
  }
  if (hp.n_vocab == 0 || hp.n_embd == 0 || hp.n_layer == 0 || hp.n_head == 0 || hp.n_head_kv == 0 ||
      hp.head_dim == 0 || hp.n_ff == 0 || hp.n_head % hp.n_head_kv != 0 ||
      hp.rope_dim > hp.head_dim || hp.rope_dim % 2 != 0) {
    return Status(StatusCode::kInvalidArgument, "reference: inconsistent hyperparameters");
  }
  NaiveModel m;
  m.hp_ = hp;
  const uint32_t d = hp.n_embd, q_dim = hp.n_head * hp.head_dim,
                 kv_dim = hp.n_head_kv * hp.head_dim;
  auto matrix = [&find](const std::string& name, uint32_t cols, uint32_t rows) -> Result<Matrix> {
    Matrix mat;
    mat.rows = rows;
    mat.cols = cols;
    LLMCORE_ASSIGN_OR_RETURN(mat.w, Decode(find, name, uint64_t{rows} * cols));
    return mat;
  };
  LLMCORE_ASSIGN_OR_RETURN(m.token_embd_, matrix("token_embd.weight", d, hp.n_vocab));
  if (find("output.weight")) {
    LLMCORE_ASSIGN_OR_RETURN(m.output_, matrix("output.weight", d, hp.n_vocab));
  } else {
    m.tied_ = true;
  }
  LLMCORE_ASSIGN_OR_RETURN(m.output_norm_, Decode(find, "output_norm.weight", d));

  // RoPE: angle of pair i at position p is p * base^(-2i/rope_dim) / f_i.
  std::vector<float> factors;
  if (find("rope_freqs.weight")) {
    LLMCORE_ASSIGN_OR_RETURN(factors, Decode(find, "rope_freqs.weight", hp.rope_dim / 2));
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
    LLMCORE_ASSIGN_OR_RETURN(l.attn_norm, Decode(find, p + "attn_norm.weight", d));
    LLMCORE_ASSIGN_OR_RETURN(l.ffn_norm, Decode(find, p + "ffn_norm.weight", d));
    LLMCORE_ASSIGN_OR_RETURN(l.wq, matrix(p + "attn_q.weight", d, q_dim));
    LLMCORE_ASSIGN_OR_RETURN(l.wk, matrix(p + "attn_k.weight", d, kv_dim));
    LLMCORE_ASSIGN_OR_RETURN(l.wv, matrix(p + "attn_v.weight", d, kv_dim));
    LLMCORE_ASSIGN_OR_RETURN(l.wo, matrix(p + "attn_output.weight", q_dim, d));
    LLMCORE_ASSIGN_OR_RETURN(l.gate, matrix(p + "ffn_gate.weight", d, hp.n_ff));
    LLMCORE_ASSIGN_OR_RETURN(l.up, matrix(p + "ffn_up.weight", d, hp.n_ff));
    LLMCORE_ASSIGN_OR_RETURN(l.down, matrix(p + "ffn_down.weight", hp.n_ff, d));
    if (hp.arch == "qwen2") {
      LLMCORE_ASSIGN_OR_RETURN(l.bq, Decode(find, p + "attn_q.bias", q_dim));
      LLMCORE_ASSIGN_OR_RETURN(l.bk, Decode(find, p + "attn_k.bias", kv_dim));
      LLMCORE_ASSIGN_OR_RETURN(l.bv, Decode(find, p + "attn_v.bias", kv_dim));
    }
    if (hp.arch == "qwen3") {
      LLMCORE_ASSIGN_OR_RETURN(l.q_norm, Decode(find, p + "attn_q_norm.weight", hp.head_dim));
      LLMCORE_ASSIGN_OR_RETURN(l.k_norm, Decode(find, p + "attn_k_norm.weight", hp.head_dim));
    }
    m.layers_.push_back(std::move(l));
  }
  return m;
}

SequenceKv NaiveModel::NewSequence() const {
  SequenceKv kv;
  kv.keys.resize(hp_.n_layer);
  kv.values.resize(hp_.n_layer);
  return kv;
}

}  // namespace llmcore::reference
