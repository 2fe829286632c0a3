#include "llmcore/driver_host/model_desc.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "llmcore/gguf/types.h"

namespace llmcore::driver_host {
namespace {

using gguf::ValueType;

Status Corrupt(std::string message) {
  return Status(StatusCode::kCorrupt, "model: " + std::move(message));
}

class Keys {
 public:
  Keys(const store::Segment& segment, std::string arch)
      : segment_(segment), prefix_(std::move(arch) + ".") {}

  const std::string& prefix() const { return prefix_; }

  // An unsigned integer key of the architecture; nullopt when absent.
  Result<std::optional<uint32_t>> Uint(std::string_view name) const {
    const std::string key = prefix_ + std::string(name);
    const store::MetadataEntry* m = segment_.FindMetadata(key);
    if (m == nullptr) return std::optional<uint32_t>();
    uint64_t value = 0;
    switch (static_cast<ValueType>(m->value_type)) {
      case ValueType::kUint8:
      case ValueType::kUint16:
      case ValueType::kUint32:
      case ValueType::kUint64: value = m->uint_value; break;
      case ValueType::kInt8:
      case ValueType::kInt16:
      case ValueType::kInt32:
      case ValueType::kInt64:
        if (m->int_value < 0) return Corrupt(key + " is negative");
        value = static_cast<uint64_t>(m->int_value);
        break;
      case ValueType::kArray:
        return Status(StatusCode::kUnsupported,
                      "model: " + key + " is a per-layer array, which is not supported");
      default: return Corrupt(key + " is not an integer");
    }
    if (value > std::numeric_limits<uint32_t>::max()) return Corrupt(key + " is too large");
    return std::optional<uint32_t>(static_cast<uint32_t>(value));
  }

  Result<uint32_t> RequiredUint(std::string_view name) const {
    LLMCORE_ASSIGN_OR_RETURN(auto value, Uint(name));
    if (!value) return Corrupt("missing key " + prefix_ + std::string(name));
    return *value;
  }

  Result<uint32_t> UintOr(std::string_view name, uint32_t fallback) const {
    LLMCORE_ASSIGN_OR_RETURN(auto value, Uint(name));
    return value.value_or(fallback);
  }

  Result<std::optional<float>> Float(std::string_view name) const {
    const std::string key = prefix_ + std::string(name);
    const store::MetadataEntry* m = segment_.FindMetadata(key);
    if (m == nullptr) return std::optional<float>();
    double value = 0;
    switch (static_cast<ValueType>(m->value_type)) {
      case ValueType::kFloat32:
      case ValueType::kFloat64: value = m->float_value; break;
      default: return Corrupt(key + " is not a floating-point number");
    }
    if (!std::isfinite(value) || std::fabs(value) > std::numeric_limits<float>::max()) {
      return Corrupt(key + " is not a finite number");
    }
    return std::optional<float>(static_cast<float>(value));
  }

  Result<float> RequiredFloat(std::string_view name) const {
    LLMCORE_ASSIGN_OR_RETURN(auto value, Float(name));
    if (!value) return Corrupt("missing key " + prefix_ + std::string(name));
    return *value;
  }

  Result<float> FloatOr(std::string_view name, float fallback) const {
    LLMCORE_ASSIGN_OR_RETURN(auto value, Float(name));
    return value.value_or(fallback);
  }

  Result<std::optional<std::string>> String(std::string_view name) const {
    const std::string key = prefix_ + std::string(name);
    const store::MetadataEntry* m = segment_.FindMetadata(key);
    if (m == nullptr) return std::optional<std::string>();
    if (static_cast<ValueType>(m->value_type) != ValueType::kString) {
      return Corrupt(key + " is not a string");
    }
    return std::optional<std::string>(std::string(m->string_value.data(), m->string_value.size()));
  }

 private:
  const store::Segment& segment_;
  std::string prefix_;
};

uint32_t RopeKindOf(std::string_view arch) {
  if (arch == "qwen2" || arch == "qwen3") return LLMCORE_ROPE_NEOX;
  return LLMCORE_ROPE_NORMAL;
}

Status FillScaling(const Keys& keys, llmcore_model_desc& d) {
  LLMCORE_ASSIGN_OR_RETURN(auto type, keys.String("rope.scaling.type"));
  if (!type || *type == "none") return Status::Ok();
  if (*type != "llama3") {
    return Status(StatusCode::kUnsupported, "model: " + keys.prefix() + "rope.scaling.type '" +
                                                *type + "' is not supported (none, llama3)");
  }
  LLMCORE_ASSIGN_OR_RETURN(d.rope_scaling_factor, keys.RequiredFloat("rope.scaling.factor"));
  LLMCORE_ASSIGN_OR_RETURN(d.rope_low_freq_factor,
                           keys.FloatOr("rope.scaling.low_freq_factor", 1.0f));
  LLMCORE_ASSIGN_OR_RETURN(d.rope_high_freq_factor,
                           keys.FloatOr("rope.scaling.high_freq_factor", 4.0f));
  LLMCORE_ASSIGN_OR_RETURN(d.rope_original_ctx,
                           keys.UintOr("rope.scaling.original_context_length", 8192));
  if (d.rope_scaling_factor <= 0.0f) {
    return Corrupt(keys.prefix() + "rope.scaling.factor must be positive");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<ModelDesc>> BuildModelDesc(const store::Segment& segment) {
  std::unique_ptr<ModelDesc> m(new ModelDesc());
  const auto& dir = segment.directory();
  m->architecture_.assign(dir.architecture.data(), dir.architecture.size());
  if (m->architecture_.empty()) return Corrupt("general.architecture is missing");
  const Keys keys(segment, m->architecture_);

  llmcore_model_desc& d = m->desc_;
  d.struct_size = sizeof(llmcore_model_desc);
  LLMCORE_ASSIGN_OR_RETURN(d.n_embd, keys.RequiredUint("embedding_length"));
  LLMCORE_ASSIGN_OR_RETURN(d.n_layer, keys.RequiredUint("block_count"));
  LLMCORE_ASSIGN_OR_RETURN(d.n_head, keys.RequiredUint("attention.head_count"));
  LLMCORE_ASSIGN_OR_RETURN(d.n_head_kv, keys.UintOr("attention.head_count_kv", d.n_head));
  if (d.n_head == 0) return Corrupt(keys.prefix() + "attention.head_count is 0");
  LLMCORE_ASSIGN_OR_RETURN(d.head_dim, keys.UintOr("attention.key_length", d.n_embd / d.n_head));
  LLMCORE_ASSIGN_OR_RETURN(d.n_ff, keys.RequiredUint("feed_forward_length"));
  LLMCORE_ASSIGN_OR_RETURN(d.n_ctx_train, keys.UintOr("context_length", 0));
  LLMCORE_ASSIGN_OR_RETURN(d.rms_norm_eps, keys.RequiredFloat("attention.layer_norm_rms_epsilon"));
  LLMCORE_ASSIGN_OR_RETURN(d.rope_freq_base, keys.FloatOr("rope.freq_base", 10000.0f));
  LLMCORE_ASSIGN_OR_RETURN(d.rope_dim, keys.UintOr("rope.dimension_count", d.head_dim));
  d.rope_kind = RopeKindOf(m->architecture_);
  LLMCORE_RETURN_IF_ERROR(FillScaling(keys, d));

  const store::TensorEntry* embd = segment.FindTensor("token_embd.weight");
  if (embd == nullptr) return Corrupt("tensor token_embd.weight is missing");
  if (embd->n_dims < 2 || embd->ne[1] == 0 || embd->ne[1] > std::numeric_limits<uint32_t>::max()) {
    return Corrupt("tensor token_embd.weight has no usable vocabulary dimension");
  }
  d.n_vocab = static_cast<uint32_t>(embd->ne[1]);

  const size_t n = dir.tensors.size();
  if (n > std::numeric_limits<uint32_t>::max()) return Corrupt("too many tensors");
  m->names_.reserve(n);
  m->tensors_.reserve(n);
  for (const store::TensorEntry& t : dir.tensors) {
    m->names_.emplace_back(t.name.data(), t.name.size());
  }
  for (size_t i = 0; i < n; ++i) {
    const store::TensorEntry& t = dir.tensors[i];
    llmcore_tensor_desc td{};
    td.name = m->names_[i].c_str();
    td.type = t.type;
    td.n_dims = t.n_dims;
    for (int k = 0; k < 4; ++k) td.ne[k] = t.ne[k];
    const auto bytes = segment.TensorData(t);
    td.data = bytes.data();
    td.n_bytes = bytes.size();
    m->tensors_.push_back(td);
  }
  d.architecture = m->architecture_.c_str();
  d.tensors = m->tensors_.data();
  d.n_tensors = static_cast<uint32_t>(n);
  return m;
}

}  // namespace llmcore::driver_host
