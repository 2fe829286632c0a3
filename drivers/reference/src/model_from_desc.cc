#include "model_from_desc.h"

#include <string>
#include <utility>

#include "llmcore/driver_kit/model_desc.h"
#include "llmcore/tensor_types.h"

namespace llmcore::reference_driver {
namespace {

Status Corrupt(std::string message) {
  return Status(StatusCode::kCorrupt, "model: " + std::move(message));
}

}  // namespace

Result<reference::Hyperparameters> HyperparametersFromDesc(const llmcore_model_desc* desc) {
  constexpr driver_kit::ModelLimits kLimits = {
      .max_vocab = kMaxVocab, .max_dim = kMaxDim, .max_layers = kMaxLayers, .max_heads = kMaxHeads};
  LLMCORE_ASSIGN_OR_RETURN(driver_kit::ModelHyperparameters c,
                           driver_kit::ReadModelDesc(desc, kLimits, "reference"));
  reference::Hyperparameters hp;
  hp.arch = std::move(c.arch_name);
  hp.n_vocab = c.n_vocab;
  hp.n_embd = c.n_embd;
  hp.n_layer = c.n_layer;
  hp.n_head = c.n_head;
  hp.n_head_kv = c.n_head_kv;
  hp.head_dim = c.head_dim;
  hp.n_ff = c.n_ff;
  hp.eps = c.rms_norm_eps;
  hp.rope_base = c.rope_freq_base;
  hp.neox = c.rope_neox;
  hp.rope_dim = c.rope_dim;
  hp.scaling_factor = c.rope_scaling_factor;
  if (hp.scaling_factor != 0.0f) {  // otherwise NaiveModel's defaults stay
    hp.low_freq_factor = c.rope_low_freq_factor;
    hp.high_freq_factor = c.rope_high_freq_factor;
    hp.original_ctx = c.rope_original_ctx;
  }
  return hp;
}

Result<reference::NaiveModel> BuildModel(const llmcore_model_desc* desc) {
  LLMCORE_ASSIGN_OR_RETURN(reference::Hyperparameters hp, HyperparametersFromDesc(desc));
  if (desc->n_tensors > 0 && desc->tensors == nullptr) return Corrupt("tensors are NULL");
  // The first problem with a tensor that is looked up; Build reports a
  // missing one itself.
  Status bad = Status::Ok();
  auto find = [desc, &bad](const std::string& name) -> std::optional<reference::TensorSource> {
    for (uint32_t i = 0; i < desc->n_tensors; ++i) {
      const llmcore_tensor_desc& t = desc->tensors[i];
      if (t.name == nullptr || name != t.name) continue;
      if (!LookupTensorType(t.type)) {
        if (bad.ok())
          bad = Corrupt("tensor " + name + " has unknown type " + std::to_string(t.type));
        return std::nullopt;
      }
      if (t.n_dims < 1 || t.n_dims > 4 || (t.data == nullptr && t.n_bytes != 0)) {
        if (bad.ok()) bad = Corrupt("tensor " + name + " is malformed (n_dims or data)");
        return std::nullopt;
      }
      reference::TensorSource source;
      source.type = static_cast<TensorType>(t.type);
      for (uint32_t d = 0; d < 4; ++d) source.ne[d] = d < t.n_dims ? t.ne[d] : 1;
      source.data = {static_cast<const std::byte*>(t.data), static_cast<size_t>(t.n_bytes)};
      return source;
    }
    return std::nullopt;
  };
  auto model = reference::NaiveModel::Build(hp, find);
  if (!bad.ok()) return bad;
  return model;
}

}  // namespace llmcore::reference_driver
