#include "model_config.h"

#include <cmath>
#include <cstring>
#include <string_view>

namespace llmcore::cpu {
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

Result<ModelConfig> ParseModelConfig(const llmcore_model_desc* desc) {
  if (desc == nullptr) return Status(StatusCode::kInvalidArgument, "model description is NULL");
  if (desc->struct_size < sizeof(llmcore_model_desc)) {
    return Status(StatusCode::kInvalidArgument, "model description struct_size " +
                                                    std::to_string(desc->struct_size) +
                                                    " is smaller than this driver's " +
                                                    std::to_string(sizeof(llmcore_model_desc)));
  }
  ModelConfig c;
  if (desc->architecture == nullptr) return Corrupt("architecture is NULL");
  // Bounded read: the name comes from a file.
  const size_t len = strnlen(desc->architecture, 64);
  c.arch_name.assign(desc->architecture, len);
  if (c.arch_name == "llama") {
    c.arch = Arch::kLlama;
  } else if (c.arch_name == "qwen2") {
    c.arch = Arch::kQwen2;
  } else if (c.arch_name == "qwen3") {
    c.arch = Arch::kQwen3;
  } else {
    return Status(StatusCode::kUnsupported, "model: unsupported architecture '" + c.arch_name +
                                                "' (the cpu driver runs llama, qwen2, qwen3)");
  }

  c.n_vocab = desc->n_vocab;
  c.n_ctx_train = desc->n_ctx_train;
  c.n_embd = desc->n_embd;
  c.n_layer = desc->n_layer;
  c.n_head = desc->n_head;
  c.n_head_kv = desc->n_head_kv;
  c.head_dim = desc->head_dim;
  c.n_ff = desc->n_ff;
  LLMCORE_RETURN_IF_ERROR(CheckRange("n_vocab", c.n_vocab, kMaxVocab));
  LLMCORE_RETURN_IF_ERROR(CheckRange("n_embd", c.n_embd, kMaxDim));
  LLMCORE_RETURN_IF_ERROR(CheckRange("n_layer", c.n_layer, kMaxLayers));
  LLMCORE_RETURN_IF_ERROR(CheckRange("n_head", c.n_head, kMaxHeads));
  LLMCORE_RETURN_IF_ERROR(CheckRange("n_head_kv", c.n_head_kv, kMaxHeads));
  LLMCORE_RETURN_IF_ERROR(CheckRange("head_dim", c.head_dim, kMaxDim));
  LLMCORE_RETURN_IF_ERROR(CheckRange("n_ff", c.n_ff, kMaxDim));
  if (c.n_head % c.n_head_kv != 0) {
    return Corrupt("n_head " + std::to_string(c.n_head) + " is not a multiple of n_head_kv " +
                   std::to_string(c.n_head_kv));
  }
  // Both products are below 2^32 by the bounds above; check them against the
  // dimension limit so that scratch sizes stay small numbers.
  if (uint64_t{c.n_head} * c.head_dim > kMaxDim) {
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

uint64_t KvFingerprint(const ModelConfig& c) {
  // FNV-1a over the fields, each as 4 little-endian bytes.
  uint64_t h = 0xCBF29CE484222325ull;
  auto mix = [&h](uint32_t v) {
    for (int i = 0; i < 4; ++i) {
      h ^= (v >> (8 * i)) & 0xFF;
      h *= 0x100000001B3ull;
    }
  };
  auto mix_float = [&mix](float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    mix(bits);
  };
  for (char ch : c.arch_name) mix(static_cast<unsigned char>(ch));
  mix(c.n_layer);
  mix(c.n_head_kv);
  mix(c.head_dim);
  mix(c.rope_neox ? 1 : 0);
  mix(c.rope_dim);
  mix_float(c.rope_freq_base);
  mix_float(c.rope_scaling_factor);
  mix_float(c.rope_low_freq_factor);
  mix_float(c.rope_high_freq_factor);
  mix(c.rope_original_ctx);
  return h;
}

}  // namespace llmcore::cpu
