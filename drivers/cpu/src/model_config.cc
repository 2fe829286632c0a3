#include "model_config.h"

#include <cstring>
#include <utility>

#include "llmcore/driver_kit/model_desc.h"

namespace llmcore::cpu {

Result<ModelConfig> ParseModelConfig(const llmcore_model_desc* desc) {
  constexpr driver_kit::ModelLimits kLimits = {
      .max_vocab = kMaxVocab, .max_dim = kMaxDim, .max_layers = kMaxLayers, .max_heads = kMaxHeads};
  LLMCORE_ASSIGN_OR_RETURN(driver_kit::ModelHyperparameters hp,
                           driver_kit::ReadModelDesc(desc, kLimits, "cpu"));
  ModelConfig c;
  static_cast<driver_kit::ModelHyperparameters&>(c) = std::move(hp);
  if (c.arch_name == "qwen2") {
    c.arch = Arch::kQwen2;
  } else if (c.arch_name == "qwen3") {
    c.arch = Arch::kQwen3;
  } else {
    c.arch = Arch::kLlama;
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
