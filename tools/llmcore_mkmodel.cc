// llmcore-mkmodel: writes a GGUF model of the llama, qwen2 or qwen3 architecture
// with deterministic random weights, for tests and benchmarks.
//
//   llmcore-mkmodel --preset 1b --type q8_0 --seed 7 -o model.gguf
//
// A preset fills in a whole shape; any shape option given explicitly
// overrides the preset's value. The vocabulary (every tokenizer.* key) is
// copied from --vocab-from or from the bundled tiny model (mkmodel/vocab.h).
// The same options and seed always give a byte-identical file.
//
// Exit status: 0 written; 1 the model could not be written; 2 bad options
// or an invalid shape (the message names the options).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "llmcore/gguf/types.h"
#include "llmcore/gguf/writer.h"
#include "mkmodel/model_spec.h"
#include "mkmodel/vocab.h"
#include "mkmodel/weight_types.h"
#include "mkmodel/weights.h"

namespace {

using llmcore::Result;
using llmcore::Status;
namespace gguf = llmcore::gguf;
namespace mkmodel = llmcore::mkmodel;

struct Options {
  std::string preset;
  std::optional<std::string> arch;
  std::optional<std::string> name;
  std::optional<uint32_t> dim, layers, heads, kv_heads, ffn, ctx, head_dim;
  std::optional<float> rope_theta, norm_eps;
  std::optional<float> rope_scaling_factor, rope_low_freq_factor, rope_high_freq_factor;
  std::optional<uint32_t> rope_original_ctx;
  bool tied = false;
  bool untied = false;
  std::string type = "f32";
  uint64_t seed = 1;
  uint64_t alignment = 32;
  std::string vocab_from;
  std::string out;
};

// Starts from the preset (or the built-in defaults) and applies every option
// given explicitly.
Result<mkmodel::ModelSpec> BuildSpec(const Options& o) {
  mkmodel::ModelSpec spec;
  if (!o.preset.empty()) {
    LLMCORE_ASSIGN_OR_RETURN(spec, mkmodel::Preset(o.preset));
  }
  if (o.arch) {
    LLMCORE_ASSIGN_OR_RETURN(spec.arch, mkmodel::ParseArch(*o.arch));
  }
  if (o.name) spec.name = *o.name;
  if (o.dim) spec.dim = *o.dim;
  if (o.layers) spec.layers = *o.layers;
  if (o.heads) spec.heads = *o.heads;
  if (o.kv_heads) spec.kv_heads = *o.kv_heads;
  if (o.ffn) spec.ffn = *o.ffn;
  if (o.ctx) spec.ctx = *o.ctx;
  if (o.rope_theta) spec.rope_theta = *o.rope_theta;
  if (o.norm_eps) spec.norm_eps = *o.norm_eps;
  if (o.head_dim) spec.head_dim_override = *o.head_dim;
  if (o.rope_scaling_factor) spec.rope_scaling_factor = *o.rope_scaling_factor;
  if (o.rope_low_freq_factor) spec.rope_low_freq_factor = *o.rope_low_freq_factor;
  if (o.rope_high_freq_factor) spec.rope_high_freq_factor = *o.rope_high_freq_factor;
  if (o.rope_original_ctx) spec.rope_original_ctx = *o.rope_original_ctx;
  if (o.tied) spec.tied = true;
  if (o.untied) spec.tied = false;
  auto type = gguf::TensorTypeFromName(o.type);
  if (!type || !mkmodel::IsWeightTypeSupported(*type)) {
    return Status(llmcore::StatusCode::kInvalidArgument,
                  "--type " + o.type + " is not supported (" + mkmodel::WeightTypeNames() + ")");
  }
  spec.weight_type = *type;
  return spec;
}

std::string HumanCount(double value, const char* const* units, double step) {
  int unit = 0;
  while (value >= step && units[unit + 1] != nullptr) {
    value /= step;
    ++unit;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f%s", value, units[unit]);
  return buf;
}

int Fail(int code, const Status& status) {
  std::fprintf(stderr, "llmcore-mkmodel: error: %s\n", status.message().c_str());
  return code;
}

int Run(const Options& o) {
  auto spec = BuildSpec(o);
  if (!spec.ok()) return Fail(2, spec.status());

  std::string vocab_path = o.vocab_from;
  if (vocab_path.empty()) {
    auto found = mkmodel::FindDefaultVocab();
    if (!found.ok()) return Fail(1, found.status());
    vocab_path = *found;
  }
  auto vocab = mkmodel::LoadVocab(vocab_path);
  if (!vocab.ok()) return Fail(1, vocab.status());
  spec->vocab_size = vocab->size;

  if (Status valid = mkmodel::Validate(*spec); !valid.ok()) return Fail(2, valid);

  const auto started = std::chrono::steady_clock::now();
  gguf::GgufWriter writer(o.alignment);
  Status status = mkmodel::AddModelMetadata(*spec, writer);
  if (status.ok()) status = mkmodel::AddVocab(*vocab, writer);
  const auto plan = mkmodel::PlanTensors(*spec);
  for (const auto& tensor : plan) {
    if (!status.ok()) break;
    status = writer.AddTensor(tensor.name, tensor.type, tensor.shape,
                              mkmodel::MakeWeightFill(tensor, o.seed));
  }
  if (status.ok()) status = writer.WriteFile(o.out);
  if (!status.ok()) {
    return Fail(status.code() == llmcore::StatusCode::kInvalidArgument ? 2 : 1, status);
  }

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(o.out, ec);
  const uintmax_t bytes = ec ? 0 : size;
  // The weight type, and the tensors that fell back to another one.
  std::string type_text(gguf::Traits(spec->weight_type).name);
  if (const std::string fallbacks = mkmodel::DescribeFallbacks(plan, spec->weight_type);
      !fallbacks.empty()) {
    type_text += " (" + fallbacks + " whose rows are not whole " + type_text + " blocks)";
  }
  static const char* const kCountUnits[] = {"", "K", "M", "B", "T", nullptr};
  static const char* const kByteUnits[] = {" B", " KiB", " MiB", " GiB", " TiB", nullptr};
  std::fprintf(
      stderr,
      "llmcore-mkmodel: wrote %s: %s, %s params, %s (%llu bytes), %s, vocab %u from %s, "
      "%.1f s\n",
      o.out.c_str(), std::string(mkmodel::ArchName(spec->arch)).c_str(),
      HumanCount(static_cast<double>(mkmodel::CountParameters(plan)), kCountUnits, 1000).c_str(),
      HumanCount(static_cast<double>(bytes), kByteUnits, 1024).c_str(),
      static_cast<unsigned long long>(bytes), type_text.c_str(), spec->vocab_size,
      vocab_path.c_str(), seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Write a GGUF model (llama, qwen2 or qwen3) with deterministic random weights."};
  Options o;
  std::string presets;
  for (auto name : mkmodel::PresetNames()) {
    presets += (presets.empty() ? "" : ", ") + std::string(name);
  }
  app.add_option("--preset", o.preset, "Start from a preset shape: " + presets);
  app.add_option("--arch", o.arch, "Architecture: llama, qwen2 or qwen3 (default llama)");
  app.add_option("--name", o.name, "general.name (default derived from the shape)");
  app.add_option("--dim", o.dim, "Embedding length");
  app.add_option("--layers", o.layers, "Number of blocks");
  app.add_option("--heads", o.heads, "Attention heads");
  app.add_option("--kv-heads", o.kv_heads, "Key/value heads (grouped-query attention)");
  app.add_option("--ffn", o.ffn, "Feed-forward length");
  app.add_option("--ctx", o.ctx, "Context length");
  app.add_option("--rope-theta", o.rope_theta, "RoPE frequency base");
  app.add_option("--norm-eps", o.norm_eps, "RMS norm epsilon");
  app.add_option("--head-dim", o.head_dim, "Per-head dimension (default --dim / --heads)");
  app.add_option("--rope-scaling-factor", o.rope_scaling_factor,
                 "Llama 3 RoPE frequency scaling factor (default 0: no scaling)");
  app.add_option("--rope-low-freq-factor", o.rope_low_freq_factor,
                 "Llama 3 RoPE scaling low_freq_factor (default 1)");
  app.add_option("--rope-high-freq-factor", o.rope_high_freq_factor,
                 "Llama 3 RoPE scaling high_freq_factor (default 4)");
  app.add_option("--rope-original-ctx", o.rope_original_ctx,
                 "Llama 3 RoPE scaling original_context_length (default 8192)");
  auto* tied = app.add_flag("--tied", o.tied, "No output.weight: token_embd.weight is reused");
  app.add_flag("--untied", o.untied, "Write output.weight even if the preset ties it")
      ->excludes(tied);
  app.add_option("--type", o.type,
                 "Weight type: " + mkmodel::WeightTypeNames() +
                     " (default f32). A K-quant falls back to q5_0, q5_1 or q8_0 (f16 if "
                     "need be) for tensors whose rows are not multiples of 256");
  app.add_option("--seed", o.seed, "Random seed (default 1)");
  app.add_option("--alignment", o.alignment, "Tensor data alignment (default 32)");
  app.add_option("--vocab-from", o.vocab_from,
                 "Copy every tokenizer.* key from this GGUF file (default: the bundled "
                 "stories260K.gguf)");
  app.add_option("-o,--output", o.out, "Output file")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message (or the help text, which is a success).
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    return Run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "llmcore-mkmodel: error: %s\n", e.what());
    return 1;
  }
}
