#include "mkmodel/model_spec.h"

#include <array>
#include <cmath>
#include <string>
#include <utility>

#include "llmcore/checked_math.h"
#include "mkmodel/weight_types.h"

namespace llmcore::mkmodel {
namespace {

using gguf::TensorType;

struct NamedPreset {
  std::string_view name;
  ModelSpec spec;
};

ModelSpec MakeSpec(Arch arch, uint32_t dim, uint32_t layers, uint32_t heads, uint32_t kv_heads,
                   uint32_t ffn, uint32_t ctx, float rope_theta, float norm_eps, bool tied) {
  ModelSpec spec;
  spec.arch = arch;
  spec.dim = dim;
  spec.layers = layers;
  spec.heads = heads;
  spec.kv_heads = kv_heads;
  spec.ffn = ffn;
  spec.ctx = ctx;
  spec.rope_theta = rope_theta;
  spec.norm_eps = norm_eps;
  spec.tied = tied;
  return spec;
}

// The hyperparameters of the models the presets imitate; only the vocabulary
// differs (it comes from the vocabulary file).
const std::array<NamedPreset, 3>& Presets() {
  static const std::array<NamedPreset, 3> presets = {{
      {"tiny", MakeSpec(Arch::kLlama, 64, 2, 4, 2, 192, 512, 10000.0f, 1e-5f, false)},
      // Qwen2-0.5B: tied embeddings, rope base 1e6, eps 1e-6.
      {"0.5b", MakeSpec(Arch::kQwen2, 896, 24, 14, 2, 4864, 32768, 1000000.0f, 1e-6f, true)},
      // TinyLlama-1.1B.
      {"1b", MakeSpec(Arch::kLlama, 2048, 22, 32, 4, 5632, 2048, 10000.0f, 1e-5f, false)},
  }};
  return presets;
}

bool IsQuantized(TensorType type) {
  return gguf::Traits(type).block_elements > 1;
}

Status Invalid(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}

}  // namespace

std::string_view ArchName(Arch arch) {
  switch (arch) {
    case Arch::kQwen2: return "qwen2";
    case Arch::kQwen3: return "qwen3";
    case Arch::kLlama: break;
  }
  return "llama";
}

Result<Arch> ParseArch(std::string_view name) {
  if (name == "llama") return Arch::kLlama;
  if (name == "qwen2") return Arch::kQwen2;
  if (name == "qwen3") return Arch::kQwen3;
  return Invalid("unknown architecture '" + std::string(name) + "' (known: llama, qwen2, qwen3)");
}

std::vector<std::string_view> PresetNames() {
  std::vector<std::string_view> names;
  for (const auto& preset : Presets()) names.push_back(preset.name);
  return names;
}

Result<ModelSpec> Preset(std::string_view name) {
  std::string known;
  for (const auto& preset : Presets()) {
    if (preset.name == name) return preset.spec;
    known += (known.empty() ? "" : ", ") + std::string(preset.name);
  }
  return Status(StatusCode::kNotFound,
                "unknown preset '" + std::string(name) + "' (known: " + known + ")");
}

bool IsWeightTypeSupported(TensorType type) {
  switch (type) {
    case TensorType::kF32:
    case TensorType::kF16:
    case TensorType::kBF16:
    case TensorType::kQ8_0:
    case TensorType::kQ4_0:
    case TensorType::kQ4_1:
    case TensorType::kQ5_0:
    case TensorType::kQ5_1:
    case TensorType::kQ4_K:
    case TensorType::kQ5_K:
    case TensorType::kQ6_K: return true;
    default: return false;
  }
}

Status Validate(const ModelSpec& spec) {
  const std::pair<const char*, uint32_t> sizes[] = {
      {"--dim", spec.dim},           {"--layers", spec.layers}, {"--heads", spec.heads},
      {"--kv-heads", spec.kv_heads}, {"--ffn", spec.ffn},       {"--ctx", spec.ctx}};
  for (const auto& [option, value] : sizes) {
    if (value == 0) return Invalid(std::string(option) + " must be at least 1");
  }
  if (!IsWeightTypeSupported(spec.weight_type)) {
    return Invalid("--type " + std::string(gguf::Traits(spec.weight_type).name) +
                   " is not supported (" + WeightTypeNames() + ")");
  }
  if (spec.head_dim_override == 0 && spec.dim % spec.heads != 0) {
    return Invalid("--dim " + std::to_string(spec.dim) + " is not a multiple of --heads " +
                   std::to_string(spec.heads));
  }
  if (spec.heads % spec.kv_heads != 0) {
    return Invalid("--heads " + std::to_string(spec.heads) + " is not a multiple of --kv-heads " +
                   std::to_string(spec.kv_heads));
  }
  if (spec.head_dim() % 2 != 0) {
    return Invalid("the head dimension " +
                   std::string(spec.head_dim_override != 0 ? "--head-dim" : "--dim / --heads") +
                   " = " + std::to_string(spec.head_dim()) + " must be even (RoPE rotates pairs)");
  }
  const auto& traits = gguf::Traits(spec.weight_type);
  // The K-quants fall back per tensor instead (weight_types.h).
  if (IsQuantized(spec.weight_type) && !HasFallback(spec.weight_type)) {
    // attn_output's rows have heads * head_dim elements.
    const uint32_t q_dim = spec.heads * spec.head_dim();
    for (const auto& [option, value] :
         {std::pair{"--dim", spec.dim}, {"--ffn", spec.ffn}, {"--heads * --head-dim", q_dim}}) {
      if (value % traits.block_elements != 0) {
        return Invalid(std::string(option) + " " + std::to_string(value) +
                       " is not a multiple of " + std::to_string(traits.block_elements) +
                       ", the block size of --type " + std::string(traits.name));
      }
    }
  }
  if (!std::isfinite(spec.rope_theta) || spec.rope_theta <= 0.0f) {
    return Invalid("--rope-theta must be a positive number");
  }
  if (!std::isfinite(spec.norm_eps) || spec.norm_eps <= 0.0f) {
    return Invalid("--norm-eps must be a positive number");
  }
  if (spec.rope_scaling_factor != 0.0f) {
    // Llama 3 scaling blends between the two wavelength bounds
    // original_ctx / low and original_ctx / high, so high must exceed low.
    const bool sane =
        std::isfinite(spec.rope_scaling_factor) && spec.rope_scaling_factor > 0.0f &&
        std::isfinite(spec.rope_low_freq_factor) && spec.rope_low_freq_factor > 0.0f &&
        std::isfinite(spec.rope_high_freq_factor) &&
        spec.rope_high_freq_factor > spec.rope_low_freq_factor && spec.rope_original_ctx > 0;
    if (!sane) {
      return Invalid(
          "--rope-scaling needs factor > 0, 0 < low_freq_factor < high_freq_factor and "
          "original_context_length > 0");
    }
  }
  if (spec.vocab_size == 0) return Invalid("the vocabulary has no tokens");
  return Status::Ok();
}

uint32_t FileTypeOf(TensorType weight_type) {
  // enum llama_ftype: ALL_F32 = 0, MOSTLY_F16 = 1, MOSTLY_Q4_0 = 2,
  // MOSTLY_Q4_1 = 3, MOSTLY_Q8_0 = 7, MOSTLY_Q5_0 = 8, MOSTLY_Q5_1 = 9,
  // MOSTLY_Q4_K_M = 15, MOSTLY_Q5_K_M = 17, MOSTLY_Q6_K = 18, MOSTLY_BF16 = 32.
  // A q4_K or q5_K file is labelled as the _M mix, as llama-quantize --pure
  // labels the same all-q4_K (all-q5_K) file.
  switch (weight_type) {
    case TensorType::kF16: return 1;
    case TensorType::kQ4_0: return 2;
    case TensorType::kQ4_1: return 3;
    case TensorType::kQ8_0: return 7;
    case TensorType::kQ5_0: return 8;
    case TensorType::kQ5_1: return 9;
    case TensorType::kQ4_K: return 15;
    case TensorType::kQ5_K: return 17;
    case TensorType::kQ6_K: return 18;
    case TensorType::kBF16: return 32;
    default: return 0;
  }
}

std::vector<TensorPlan> PlanTensors(const ModelSpec& spec) {
  const uint64_t dim = spec.dim;
  const uint64_t head_dim = spec.head_dim();
  const uint64_t q_dim = uint64_t{spec.heads} * head_dim;
  const uint64_t kv_dim = uint64_t{spec.kv_heads} * head_dim;
  const uint64_t ffn = spec.ffn;
  const uint64_t vocab = spec.vocab_size;
  const TensorType w = spec.weight_type;
  const TensorType f32 = TensorType::kF32;
  const bool biases = spec.arch == Arch::kQwen2;
  const bool qk_norms = spec.arch == Arch::kQwen3;

  std::vector<TensorPlan> plan;
  plan.push_back({"token_embd.weight", w, {dim, vocab}, Init::kMatrix});
  for (uint32_t i = 0; i < spec.layers; ++i) {
    const std::string blk = "blk." + std::to_string(i) + ".";
    plan.push_back({blk + "attn_norm.weight", f32, {dim}, Init::kNorm});
    plan.push_back({blk + "attn_q.weight", w, {dim, q_dim}, Init::kMatrix});
    if (biases) plan.push_back({blk + "attn_q.bias", f32, {q_dim}, Init::kBias});
    if (qk_norms) plan.push_back({blk + "attn_q_norm.weight", f32, {head_dim}, Init::kNorm});
    plan.push_back({blk + "attn_k.weight", w, {dim, kv_dim}, Init::kMatrix});
    if (biases) plan.push_back({blk + "attn_k.bias", f32, {kv_dim}, Init::kBias});
    if (qk_norms) plan.push_back({blk + "attn_k_norm.weight", f32, {head_dim}, Init::kNorm});
    plan.push_back({blk + "attn_v.weight", w, {dim, kv_dim}, Init::kMatrix});
    if (biases) plan.push_back({blk + "attn_v.bias", f32, {kv_dim}, Init::kBias});
    plan.push_back({blk + "attn_output.weight", w, {q_dim, dim}, Init::kMatrix});
    plan.push_back({blk + "ffn_norm.weight", f32, {dim}, Init::kNorm});
    plan.push_back({blk + "ffn_gate.weight", w, {dim, ffn}, Init::kMatrix});
    plan.push_back({blk + "ffn_up.weight", w, {dim, ffn}, Init::kMatrix});
    plan.push_back({blk + "ffn_down.weight", w, {ffn, dim}, Init::kMatrix});
  }
  plan.push_back({"output_norm.weight", f32, {dim}, Init::kNorm});
  if (!spec.tied) plan.push_back({"output.weight", w, {dim, vocab}, Init::kMatrix});
  // Rows that are not whole blocks of a K-quant fall back (weight_types.h).
  for (auto& tensor : plan) tensor.type = TypeForRows(tensor.type, tensor.shape[0]);
  return plan;
}

Status AddModelMetadata(const ModelSpec& spec, gguf::GgufWriter& writer) {
  const std::string arch(ArchName(spec.arch));
  std::string name = spec.name;
  if (name.empty()) {
    name = "random-" + arch + "-d" + std::to_string(spec.dim) + "-l" + std::to_string(spec.layers);
  }
  LLMCORE_RETURN_IF_ERROR(writer.AddString("general.architecture", arch));
  LLMCORE_RETURN_IF_ERROR(writer.AddString("general.name", name));
  LLMCORE_RETURN_IF_ERROR(writer.AddUint32("general.file_type", FileTypeOf(spec.weight_type)));
  if (IsQuantized(spec.weight_type)) {
    LLMCORE_RETURN_IF_ERROR(writer.AddUint32("general.quantization_version", 2));
  }
  const std::string p = arch + ".";
  LLMCORE_RETURN_IF_ERROR(writer.AddUint32(p + "vocab_size", spec.vocab_size));
  LLMCORE_RETURN_IF_ERROR(writer.AddUint32(p + "context_length", spec.ctx));
  LLMCORE_RETURN_IF_ERROR(writer.AddUint32(p + "embedding_length", spec.dim));
  LLMCORE_RETURN_IF_ERROR(writer.AddUint32(p + "block_count", spec.layers));
  LLMCORE_RETURN_IF_ERROR(writer.AddUint32(p + "feed_forward_length", spec.ffn));
  LLMCORE_RETURN_IF_ERROR(writer.AddUint32(p + "attention.head_count", spec.heads));
  LLMCORE_RETURN_IF_ERROR(writer.AddUint32(p + "attention.head_count_kv", spec.kv_heads));
  LLMCORE_RETURN_IF_ERROR(writer.AddFloat32(p + "attention.layer_norm_rms_epsilon", spec.norm_eps));
  LLMCORE_RETURN_IF_ERROR(writer.AddFloat32(p + "rope.freq_base", spec.rope_theta));
  LLMCORE_RETURN_IF_ERROR(writer.AddUint32(p + "rope.dimension_count", spec.head_dim()));
  // llama.cpp reads the head dimension from key_length / value_length when
  // present and derives it from dim / heads otherwise; its qwen3 converter
  // always writes them.
  if (spec.arch == Arch::kQwen3 || spec.head_dim_override != 0) {
    LLMCORE_RETURN_IF_ERROR(writer.AddUint32(p + "attention.key_length", spec.head_dim()));
    LLMCORE_RETURN_IF_ERROR(writer.AddUint32(p + "attention.value_length", spec.head_dim()));
  }
  if (spec.rope_scaling_factor != 0.0f) {
    LLMCORE_RETURN_IF_ERROR(writer.AddString(p + "rope.scaling.type", "llama3"));
    LLMCORE_RETURN_IF_ERROR(writer.AddFloat32(p + "rope.scaling.factor", spec.rope_scaling_factor));
    LLMCORE_RETURN_IF_ERROR(
        writer.AddFloat32(p + "rope.scaling.low_freq_factor", spec.rope_low_freq_factor));
    LLMCORE_RETURN_IF_ERROR(
        writer.AddFloat32(p + "rope.scaling.high_freq_factor", spec.rope_high_freq_factor));
    LLMCORE_RETURN_IF_ERROR(
        writer.AddUint32(p + "rope.scaling.original_context_length", spec.rope_original_ctx));
  }
  return Status::Ok();
}

uint64_t CountParameters(const std::vector<TensorPlan>& plan) {
  uint64_t total = 0;
  for (const auto& tensor : plan) {
    uint64_t n = 1;
    for (uint64_t d : tensor.shape) n = CheckedMul(n, d).value_or(UINT64_MAX);
    total = CheckedAdd(total, n).value_or(UINT64_MAX);
  }
  return total;
}

}  // namespace llmcore::mkmodel
