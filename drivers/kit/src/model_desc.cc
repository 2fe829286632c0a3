#include "llmcore/driver_kit/model_desc.h"

#include <cmath>
#include <cstring>

namespace llmcore::driver_kit {
namespace {

Status Corrupt(std::string message) {
  return Status(StatusCode::kCorrupt, "model: " + std::move(message));
}

Status CheckRange(const char* field, uint32_t value, uint32_t max) {
  if (value == 0 || value > max) {
    return Corrupt(std::string(field) + " = " + std::to_string(value) + " is outside [1, " +
                   std::to_string(max) + "]");
  }
  return Status::Ok();
}

bool PositiveFinite(float v) {
  return std::isfinite(v) && v > 0.0f;
}

}  // namespace

Result<ModelHyperparameters> ReadModelDesc(const llmcore_model_desc* desc,
                                           const ModelLimits& limits, std::string_view driver) {
  if (desc == nullptr) return Status(StatusCode::kInvalidArgument, "model description is NULL");
  if (desc->struct_size < sizeof(llmcore_model_desc)) {
    return Status(StatusCode::kInvalidArgument, "model description struct_size " +
                                                    std::to_string(desc->struct_size) +
                                                    " is smaller than this driver's " +
                                                    std::to_string(sizeof(llmcore_model_desc)));
  }
  ModelHyperparameters c;
  if (desc->architecture == nullptr) return Corrupt("architecture is NULL");
  // Bounded read: the name comes from a file.
  c.arch_name.assign(desc->architecture, strnlen(desc->architecture, 64));
  if (c.arch_name != "llama" && c.arch_name != "qwen2" && c.arch_name != "qwen3") {
    return Status(StatusCode::kUnsupported, "model: unsupported architecture '" + c.arch_name +
                                                "' (the " + std::string(driver) +
                                                " driver runs llama, qwen2, qwen3)");
  }

  c.n_vocab = desc->n_vocab;
  c.n_ctx_train = desc->n_ctx_train;
  c.n_embd = desc->n_embd;
  c.n_layer = desc->n_layer;
  c.n_head = desc->n_head;
  c.n_head_kv = desc->n_head_kv;
  c.head_dim = desc->head_dim;
  c.n_ff = desc->n_ff;
  LLMCORE_RETURN_IF_ERROR(CheckRange("n_vocab", c.n_vocab, limits.max_vocab));
  LLMCORE_RETURN_IF_ERROR(CheckRange("n_embd", c.n_embd, limits.max_dim));
  LLMCORE_RETURN_IF_ERROR(CheckRange("n_layer", c.n_layer, limits.max_layers));
  LLMCORE_RETURN_IF_ERROR(CheckRange("n_head", c.n_head, limits.max_heads));
  LLMCORE_RETURN_IF_ERROR(CheckRange("n_head_kv", c.n_head_kv, limits.max_heads));
  LLMCORE_RETURN_IF_ERROR(CheckRange("head_dim", c.head_dim, limits.max_dim));
  LLMCORE_RETURN_IF_ERROR(CheckRange("n_ff", c.n_ff, limits.max_dim));
  if (c.n_head % c.n_head_kv != 0) {
    return Corrupt("n_head " + std::to_string(c.n_head) + " is not a multiple of n_head_kv " +
                   std::to_string(c.n_head_kv));
  }
  // Both products are below 2^32 when the bounds are; check them against the
  // dimension limit so that scratch sizes stay small numbers.
  if (uint64_t{c.n_head} * c.head_dim > limits.max_dim) {
    return Corrupt("n_head * head_dim = " + std::to_string(uint64_t{c.n_head} * c.head_dim) +
                   " is too large");
  }

  c.rms_norm_eps = desc->rms_norm_eps;
  c.rope_freq_base = desc->rope_freq_base;
  if (!PositiveFinite(c.rms_norm_eps)) {
    return Corrupt("rms_norm_eps " + std::to_string(c.rms_norm_eps) + " is not a positive number");
  }
  if (!PositiveFinite(c.rope_freq_base)) {
    return Corrupt("rope_freq_base " + std::to_string(c.rope_freq_base) +
                   " is not a positive number");
  }
  switch (desc->rope_kind) {
    case LLMCORE_ROPE_NORMAL: c.rope_neox = false; break;
    case LLMCORE_ROPE_NEOX: c.rope_neox = true; break;
    default:
      return Status(StatusCode::kUnsupported,
                    "model: unsupported rope_kind " + std::to_string(desc->rope_kind));
  }
  c.rope_dim = desc->rope_dim == 0 ? c.head_dim : desc->rope_dim;
  if (c.rope_dim > c.head_dim || c.rope_dim % 2 != 0) {
    return Corrupt("rope_dim " + std::to_string(c.rope_dim) +
                   " must be even and at most head_dim " + std::to_string(c.head_dim));
  }

  c.rope_scaling_factor = desc->rope_scaling_factor;
  if (c.rope_scaling_factor != 0.0f) {
    c.rope_low_freq_factor = desc->rope_low_freq_factor;
    c.rope_high_freq_factor = desc->rope_high_freq_factor;
    c.rope_original_ctx = desc->rope_original_ctx;
    if (!PositiveFinite(c.rope_scaling_factor) || !PositiveFinite(c.rope_low_freq_factor) ||
        !PositiveFinite(c.rope_high_freq_factor) ||
        c.rope_high_freq_factor <= c.rope_low_freq_factor || c.rope_original_ctx == 0) {
      return Corrupt(
          "rope scaling needs factor > 0, 0 < low_freq_factor < high_freq_factor and "
          "original_ctx > 0");
    }
  }
  return c;
}

}  // namespace llmcore::driver_kit
