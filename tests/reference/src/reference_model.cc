#include "llmcore/reference/reference_model.h"

#include <optional>

#include "llmcore/gguf/types.h"

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

}  // namespace

Result<ReferenceModel> ReferenceModel::Load(const store::Segment& s) {
  Hyperparameters hp;
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

  auto find = [&s](const std::string& name) -> std::optional<TensorSource> {
    const store::TensorEntry* t = s.FindTensor(name);
    if (t == nullptr) return std::nullopt;
    TensorSource source;
    source.type = static_cast<TensorType>(t->type);
    for (int i = 0; i < 4; ++i) source.ne[i] = t->ne[i];
    source.data = s.TensorData(*t);
    return source;
  };
  LLMCORE_ASSIGN_OR_RETURN(NaiveModel model, NaiveModel::Build(hp, find));
  return ReferenceModel(std::move(model));
}

std::vector<std::vector<float>> ReferenceModel::Logits(std::span<const int32_t> tokens) const {
  std::vector<std::vector<float>> logits = HiddenStates(tokens);
  for (std::vector<float>& row : logits) row = model_.Logits(row);
  return logits;
}

std::vector<std::vector<float>> ReferenceModel::HiddenStates(
    std::span<const int32_t> tokens) const {
  SequenceKv kv = model_.NewSequence();
  std::vector<std::vector<float>> hidden;
  hidden.reserve(tokens.size());
  for (int32_t token : tokens) hidden.push_back(model_.Step(token, kv));
  return hidden;
}

}  // namespace llmcore::reference
