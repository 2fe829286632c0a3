#include "model_weights.h"

#include <cmath>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>

#include "llmcore/checked_math.h"
#include "llmcore/quant/codec.h"

namespace llmcore::cpu {
namespace {

// Longest tensor name considered (GGUF caps names at 64 bytes; a longer one
// is read bounded and simply never matches).
constexpr size_t kMaxNameBytes = 256;

Status Corrupt(std::string_view tensor, std::string what) {
  return Status(StatusCode::kCorrupt, "model: tensor " + std::string(tensor) + ": " + what);
}

std::string ShapeText(const uint64_t* ne, size_t n) {
  std::string s = "[";
  for (size_t i = 0; i < n; ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
  return s + "]";
}

class TensorTable {
 public:
  static Result<TensorTable> Build(const llmcore_model_desc& desc) {
    TensorTable table;
    if (desc.n_tensors > 0 && desc.tensors == nullptr) {
      return Status(StatusCode::kCorrupt, "model: tensor table is NULL");
    }
    table.by_name_.reserve(desc.n_tensors);
    for (uint32_t i = 0; i < desc.n_tensors; ++i) {
      const llmcore_tensor_desc& t = desc.tensors[i];
      if (t.name == nullptr) {
        return Status(StatusCode::kCorrupt, "model: tensor #" + std::to_string(i) + " has no name");
      }
      std::string_view name(t.name, strnlen(t.name, kMaxNameBytes));
      if (!table.by_name_.emplace(name, &t).second) {
        return Corrupt(name, "listed twice");
      }
    }
    return table;
  }

  const llmcore_tensor_desc* Find(std::string_view name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : it->second;
  }

 private:
  std::unordered_map<std::string_view, const llmcore_tensor_desc*> by_name_;
};

// Checks shape, type, size and data of `t` against the expected dims.
Result<TensorTypeTraits> CheckTensor(std::string_view name, const llmcore_tensor_desc& t,
                                     std::initializer_list<uint64_t> dims,
                                     const WeightKernels& kernels) {
  if (t.n_dims < 1 || t.n_dims > 4) {
    return Corrupt(name, "n_dims " + std::to_string(t.n_dims) + " is outside 1..4");
  }
  uint64_t want[4] = {1, 1, 1, 1};
  size_t d = 0;
  for (uint64_t v : dims) want[d++] = v;
  bool match = true;
  for (size_t i = 0; i < 4; ++i) {
    const uint64_t have = i < t.n_dims ? t.ne[i] : 1;
    if (have != want[i]) match = false;
  }
  if (!match) {
    return Corrupt(
        name, "shape " + ShapeText(t.ne, t.n_dims) + " should be " + ShapeText(want, dims.size()));
  }
  auto traits = LookupTensorType(t.type);
  if (!traits) return Corrupt(name, "unknown type id " + std::to_string(t.type));
  if (!kernels.Supports(traits->type)) {
    return Status(StatusCode::kUnsupported, "model: tensor " + std::string(name) + " has type " +
                                                std::string(traits->name) +
                                                ", which the cpu driver does not run");
  }
  if (want[0] % traits->block_elements != 0) {
    return Corrupt(name, "row length " + std::to_string(want[0]) + " is not a multiple of the " +
                             std::string(traits->name) + " block size " +
                             std::to_string(traits->block_elements));
  }
  const uint64_t row_bytes = want[0] / traits->block_elements * traits->block_bytes;
  const auto rows = CheckedMul(want[1], want[2]);
  const auto bytes = rows ? CheckedMul(*rows, row_bytes) : std::nullopt;
  if (!bytes || *bytes != t.n_bytes) {
    return Corrupt(name, "n_bytes " + std::to_string(t.n_bytes) + " does not match its shape (" +
                             (bytes ? std::to_string(*bytes) : std::string("overflow")) + ")");
  }
  if (t.data == nullptr) return Corrupt(name, "data is NULL");
  // f32 rows are read as floats, the other types through 16-bit fields.
  const uintptr_t align = traits->type == TensorType::kF32 ? 4 : 2;
  if (reinterpret_cast<uintptr_t>(t.data) % align != 0) {
    return Corrupt(name, "data is not " + std::to_string(align) + "-byte aligned");
  }
  return *traits;
}

class Binder {
 public:
  Binder(const TensorTable& table, const WeightKernels& kernels)
      : table_(table), kernels_(kernels) {}

  Result<Weight> Matrix(const std::string& name, uint64_t cols, uint64_t rows) {
    const llmcore_tensor_desc* t = table_.Find(name);
    if (t == nullptr) return Corrupt(name, "missing");
    return MatrixOf(name, *t, cols, rows);
  }

  Result<Weight> MatrixOf(const std::string& name, const llmcore_tensor_desc& t, uint64_t cols,
                          uint64_t rows) {
    LLMCORE_ASSIGN_OR_RETURN(auto traits, CheckTensor(name, t, {cols, rows}, kernels_));
    WeightView view;
    view.type = traits.type;
    view.data = static_cast<const std::byte*>(t.data);
    view.rows = static_cast<int64_t>(rows);
    view.cols = static_cast<int64_t>(cols);
    view.row_bytes = cols / traits.block_elements * traits.block_bytes;
    auto prepared = kernels_.Prepare(view);
    if (!prepared.ok()) return prepared.status().WithContext("model: tensor " + name);
    return prepared;
  }

  // A vector decoded to floats; `optional` tensors may be absent (empty).
  Result<std::vector<float>> Vector(const std::string& name, uint64_t n, bool optional = false) {
    const llmcore_tensor_desc* t = table_.Find(name);
    if (t == nullptr) {
      if (optional) return std::vector<float>();
      return Corrupt(name, "missing");
    }
    LLMCORE_ASSIGN_OR_RETURN(auto traits, CheckTensor(name, *t, {n}, kernels_));
    std::vector<float> values(n);
    quant::FindCodec(traits.type)->to_float(t->data, values.data(), static_cast<int64_t>(n));
    for (float v : values) {
      // A non-finite norm weight or bias would only show up later as NaN
      // logits; name it now.
      if (!std::isfinite(v)) return Corrupt(name, "holds a NaN or infinite value");
    }
    return values;
  }

 private:
  const TensorTable& table_;
  const WeightKernels& kernels_;
};

}  // namespace

Result<ModelWeights> BindWeights(const ModelConfig& c, const llmcore_model_desc& desc,
                                 const WeightKernels& kernels) {
  LLMCORE_ASSIGN_OR_RETURN(auto table, TensorTable::Build(desc));
  Binder b(table, kernels);
  ModelWeights w;
  LLMCORE_ASSIGN_OR_RETURN(w.token_embd, b.Matrix("token_embd.weight", c.n_embd, c.n_vocab));
  LLMCORE_ASSIGN_OR_RETURN(w.output_norm, b.Vector("output_norm.weight", c.n_embd));
  if (table.Find("output.weight") != nullptr) {
    LLMCORE_ASSIGN_OR_RETURN(w.output, b.Matrix("output.weight", c.n_embd, c.n_vocab));
  } else {
    w.output = w.token_embd;
    w.tied_output = true;
  }
  LLMCORE_ASSIGN_OR_RETURN(w.rope_freq_factors,
                           b.Vector("rope_freqs.weight", c.rope_dim / 2, /*optional=*/true));
  for (float f : w.rope_freq_factors) {
    if (f <= 0.0f) return Corrupt("rope_freqs.weight", "holds a factor <= 0");
  }

  w.layers.resize(c.n_layer);
  for (uint32_t i = 0; i < c.n_layer; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    LayerWeights& l = w.layers[i];
    LLMCORE_ASSIGN_OR_RETURN(l.attn_norm, b.Vector(p + "attn_norm.weight", c.n_embd));
    LLMCORE_ASSIGN_OR_RETURN(l.wq, b.Matrix(p + "attn_q.weight", c.n_embd, c.q_dim()));
    LLMCORE_ASSIGN_OR_RETURN(l.wk, b.Matrix(p + "attn_k.weight", c.n_embd, c.kv_dim()));
    LLMCORE_ASSIGN_OR_RETURN(l.wv, b.Matrix(p + "attn_v.weight", c.n_embd, c.kv_dim()));
    LLMCORE_ASSIGN_OR_RETURN(l.wo, b.Matrix(p + "attn_output.weight", c.q_dim(), c.n_embd));
    if (c.has_qkv_bias()) {
      LLMCORE_ASSIGN_OR_RETURN(l.q_bias, b.Vector(p + "attn_q.bias", c.q_dim()));
      LLMCORE_ASSIGN_OR_RETURN(l.k_bias, b.Vector(p + "attn_k.bias", c.kv_dim()));
      LLMCORE_ASSIGN_OR_RETURN(l.v_bias, b.Vector(p + "attn_v.bias", c.kv_dim()));
    }
    if (c.has_qk_norm()) {
      LLMCORE_ASSIGN_OR_RETURN(l.q_norm, b.Vector(p + "attn_q_norm.weight", c.head_dim));
      LLMCORE_ASSIGN_OR_RETURN(l.k_norm, b.Vector(p + "attn_k_norm.weight", c.head_dim));
    }
    LLMCORE_ASSIGN_OR_RETURN(l.ffn_norm, b.Vector(p + "ffn_norm.weight", c.n_embd));
    LLMCORE_ASSIGN_OR_RETURN(l.ffn_gate, b.Matrix(p + "ffn_gate.weight", c.n_embd, c.n_ff));
    LLMCORE_ASSIGN_OR_RETURN(l.ffn_up, b.Matrix(p + "ffn_up.weight", c.n_embd, c.n_ff));
    LLMCORE_ASSIGN_OR_RETURN(l.ffn_down, b.Matrix(p + "ffn_down.weight", c.n_ff, c.n_embd));
  }
  return w;
}

}  // namespace llmcore::cpu
