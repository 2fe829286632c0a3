// llmcore-mkmodel run as a script would run it: the models it writes carry
// llama.cpp's keys, tensor names, shapes and types, are reproducible from
// the seed, take their vocabulary from the file given, and bad shapes are
// refused with a message naming the options.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "llmcore/gguf/reader.h"
#include "llmcore/quant/quantize.h"
#include "llmcore/testing/testing.h"
#include "mkmodel/weights.h"

namespace llmcore {
namespace {

using gguf::GgufFile;
using gguf::TensorType;
using testing::RunCommand;
using testing::TempDir;

std::string Tool() {
  return testing::BinaryDir() + "/tools/llmcore-mkmodel";
}

testing::CommandResult Mkmodel(const std::string& args) {
  return RunCommand(Tool() + " " + args);
}

GgufFile Read(const std::string& path) {
  auto file = gguf::ReadGgufFile(path);
  if (!file.ok()) throw std::runtime_error(file.status().ToString());
  return std::move(file).value();
}

struct Shape {
  std::string arch;
  uint64_t dim, layers, heads, kv_heads, ffn, ctx, vocab;
  bool tied;
};

// The tensors llama.cpp's loader looks for, listed by hand.
std::map<std::string, std::vector<uint64_t>> ExpectedTensors(const Shape& s) {
  const uint64_t kv = s.dim / s.heads * s.kv_heads;
  std::map<std::string, std::vector<uint64_t>> t;
  t["token_embd.weight"] = {s.dim, s.vocab};
  t["output_norm.weight"] = {s.dim};
  if (!s.tied) t["output.weight"] = {s.dim, s.vocab};
  for (uint64_t i = 0; i < s.layers; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    t[b + "attn_norm.weight"] = {s.dim};
    t[b + "attn_q.weight"] = {s.dim, s.dim};
    t[b + "attn_k.weight"] = {s.dim, kv};
    t[b + "attn_v.weight"] = {s.dim, kv};
    t[b + "attn_output.weight"] = {s.dim, s.dim};
    t[b + "ffn_norm.weight"] = {s.dim};
    t[b + "ffn_gate.weight"] = {s.dim, s.ffn};
    t[b + "ffn_up.weight"] = {s.dim, s.ffn};
    t[b + "ffn_down.weight"] = {s.ffn, s.dim};
    if (s.arch == "qwen2") {
      t[b + "attn_q.bias"] = {s.dim};
      t[b + "attn_k.bias"] = {kv};
      t[b + "attn_v.bias"] = {kv};
    }
  }
  return t;
}

// llama.cpp's quantizer gives a matrix whose rows (ne[0]) are not whole
// 256-element blocks of a K-quant q5_0 (for q4_K), q5_1 (q5_K) or q8_0 (q6_K),
// and f16 when the rows are not whole 32-element blocks either.
TensorType ExpectedMatrixType(TensorType requested, uint64_t row_length) {
  if (row_length % 256 == 0) return requested;
  TensorType fallback;
  switch (requested) {
    case TensorType::kQ4_K: fallback = TensorType::kQ5_0; break;
    case TensorType::kQ5_K: fallback = TensorType::kQ5_1; break;
    case TensorType::kQ6_K: fallback = TensorType::kQ8_0; break;
    default: return requested;
  }
  return row_length % 32 == 0 ? fallback : TensorType::kF16;
}

void ExpectModel(const GgufFile& file, const Shape& s, TensorType weight_type, uint32_t file_type) {
  const std::string a = s.arch + ".";
  EXPECT_EQ(*file.GetString("general.architecture"), s.arch);
  EXPECT_TRUE(file.GetString("general.name").ok());
  EXPECT_EQ(*file.GetUint("general.file_type"), file_type);
  EXPECT_EQ(file.Find("general.file_type")->type, gguf::ValueType::kUint32);
  const bool quantized = gguf::Traits(weight_type).block_elements > 1;
  if (quantized) {
    EXPECT_EQ(*file.GetUint("general.quantization_version"), 2u);
  } else {
    EXPECT_EQ(file.Find("general.quantization_version"), nullptr);
  }
  EXPECT_EQ(*file.GetUint(a + "context_length"), s.ctx);
  EXPECT_EQ(*file.GetUint(a + "embedding_length"), s.dim);
  EXPECT_EQ(*file.GetUint(a + "block_count"), s.layers);
  EXPECT_EQ(*file.GetUint(a + "feed_forward_length"), s.ffn);
  EXPECT_EQ(*file.GetUint(a + "attention.head_count"), s.heads);
  EXPECT_EQ(*file.GetUint(a + "attention.head_count_kv"), s.kv_heads);
  EXPECT_EQ(*file.GetUint(a + "rope.dimension_count"), s.dim / s.heads);
  EXPECT_EQ(*file.GetUint(a + "vocab_size"), s.vocab);
  EXPECT_EQ(file.Find(a + "rope.freq_base")->type, gguf::ValueType::kFloat32);
  EXPECT_EQ(file.Find(a + "attention.layer_norm_rms_epsilon")->type, gguf::ValueType::kFloat32);
  EXPECT_EQ(file.Find(a + "context_length")->type, gguf::ValueType::kUint32);
  EXPECT_EQ((*file.GetArray("tokenizer.ggml.tokens"))->size(), s.vocab);

  const auto expected = ExpectedTensors(s);
  ASSERT_EQ(file.tensors().size(), expected.size());
  for (const auto& info : file.tensors()) {
    auto it = expected.find(info.name);
    ASSERT_NE(it, expected.end()) << "unexpected tensor " << info.name;
    ASSERT_EQ(info.n_dims, it->second.size()) << info.name;
    for (size_t d = 0; d < it->second.size(); ++d)
      EXPECT_EQ(info.ne[d], it->second[d]) << info.name;
    const bool is_vector = it->second.size() == 1;  // norms and biases
    EXPECT_EQ(info.type,
              is_vector ? TensorType::kF32 : ExpectedMatrixType(weight_type, it->second[0]))
        << info.name;
  }
}

// The values of one tensor, decoded with the reference dequantizers.
std::vector<float> TensorValues(const std::string& path, const GgufFile& file,
                                const std::string& name) {
  const auto* info = file.FindTensor(name);
  if (info == nullptr) throw std::runtime_error("no tensor " + name);
  const auto bytes = testing::ReadFileBytes(path);
  const auto begin = bytes.begin() + static_cast<ptrdiff_t>(file.data_offset() + info->offset);
  std::vector<std::byte> raw(begin, begin + static_cast<ptrdiff_t>(info->n_bytes));
  std::vector<float> values(info->n_elements);
  Status s = quant::Dequantize(info->type, raw, values);
  if (!s.ok()) throw std::runtime_error(s.ToString());
  return values;
}

constexpr const char* kTiny = "--preset tiny";
const Shape kTinyLlama = {"llama", 64, 2, 4, 2, 192, 512, 512, false};

struct TypeCase {
  const char* name;
  TensorType type;
  uint32_t file_type;  // llama_ftype
};
// Every weight type, with llama.cpp's general.file_type (enum llama_ftype; a
// q4_K or q5_K file is labelled as the _M mix, as llama-quantize --pure does).
const TypeCase kTypes[] = {{"f32", TensorType::kF32, 0},    {"f16", TensorType::kF16, 1},
                           {"bf16", TensorType::kBF16, 32}, {"q8_0", TensorType::kQ8_0, 7},
                           {"q4_0", TensorType::kQ4_0, 2},  {"q4_1", TensorType::kQ4_1, 3},
                           {"q5_0", TensorType::kQ5_0, 8},  {"q5_1", TensorType::kQ5_1, 9},
                           {"q4_K", TensorType::kQ4_K, 15}, {"q5_K", TensorType::kQ5_K, 17},
                           {"q6_K", TensorType::kQ6_K, 18}};

TEST(Mkmodel, LlamaModelsOfEveryTypeHaveLlamaCppsLayout) {
  TempDir dir;
  for (const auto& t : kTypes) {
    const std::string out = dir.File(std::string("llama-") + t.name + ".gguf");
    auto r = Mkmodel(std::string(kTiny) + " --type " + t.name + " -o " + out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    SCOPED_TRACE(t.name);
    ExpectModel(Read(out), kTinyLlama, t.type, t.file_type);
  }
}

TEST(Mkmodel, Qwen2ModelsOfEveryTypeHaveBiases) {
  TempDir dir;
  Shape qwen = kTinyLlama;
  qwen.arch = "qwen2";
  for (const auto& t : kTypes) {
    const std::string out = dir.File(std::string("qwen2-") + t.name + ".gguf");
    auto r = Mkmodel(std::string(kTiny) + " --arch qwen2 --type " + t.name + " -o " + out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    SCOPED_TRACE(t.name);
    ExpectModel(Read(out), qwen, t.type, t.file_type);
  }
}

TEST(Mkmodel, ExplicitShapeOptionsAreWritten) {
  TempDir dir;
  const std::string out = dir.File("m.gguf");
  auto r = Mkmodel(
      "--arch llama --dim 96 --layers 3 --heads 6 --kv-heads 3 --ffn 160 --ctx 1024 "
      "--rope-theta 50000 --norm-eps 1e-6 --tied --name custom -o " +
      out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  GgufFile file = Read(out);
  ExpectModel(file, {"llama", 96, 3, 6, 3, 160, 1024, 512, true}, TensorType::kF32, 0);
  EXPECT_EQ(*file.GetString("general.name"), "custom");
  EXPECT_EQ(*file.GetDouble("llama.rope.freq_base"), 50000.0);
  EXPECT_EQ(*file.GetDouble("llama.attention.layer_norm_rms_epsilon"), static_cast<double>(1e-6f));
}

TEST(Mkmodel, PresetsGiveTheirShapesAndOptionsOverrideThem) {
  TempDir dir;
  // 0.5b: Qwen2-0.5B-like, tied; --layers and the type overridden to stay small.
  auto r = Mkmodel("--preset 0.5b --layers 1 --type q4_0 -o " + dir.File("a.gguf"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  GgufFile a = Read(dir.File("a.gguf"));
  ExpectModel(a, {"qwen2", 896, 1, 14, 2, 4864, 32768, 512, true}, TensorType::kQ4_0, 2);
  EXPECT_EQ(*a.GetDouble("qwen2.rope.freq_base"), 1000000.0);

  // 1b: TinyLlama-1.1B-like, untied.
  r = Mkmodel("--preset 1b --layers 1 --type q4_0 -o " + dir.File("b.gguf"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectModel(Read(dir.File("b.gguf")), {"llama", 2048, 1, 32, 4, 5632, 2048, 512, false},
              TensorType::kQ4_0, 2);

  // --untied and --arch override the preset.
  r = Mkmodel(
      "--preset 0.5b --layers 1 --untied --arch llama --dim 128 --heads 2 --ffn 64 "
      "--type q8_0 -o " +
      dir.File("c.gguf"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectModel(Read(dir.File("c.gguf")), {"llama", 128, 1, 2, 2, 64, 32768, 512, false},
              TensorType::kQ8_0, 7);
}

TEST(Mkmodel, AlignmentOptionIsHonoured) {
  TempDir dir;
  auto r = Mkmodel(std::string(kTiny) + " --alignment 64 -o " + dir.File("m.gguf"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  GgufFile file = Read(dir.File("m.gguf"));
  EXPECT_EQ(*file.GetUint("general.alignment"), 64u);
  for (const auto& t : file.tensors()) EXPECT_EQ(t.offset % 64, 0u) << t.name;
}

TEST(Mkmodel, SameSeedGivesIdenticalFilesAndAnotherSeedDiffers) {
  TempDir dir;
  for (const char* type : {"f16", "q4_0"}) {
    const std::string args = std::string(kTiny) + " --arch qwen2 --type " + type;
    ASSERT_EQ(Mkmodel(args + " --seed 7 -o " + dir.File("a.gguf")).exit_code, 0);
    ASSERT_EQ(Mkmodel(args + " --seed 7 -o " + dir.File("b.gguf")).exit_code, 0);
    ASSERT_EQ(Mkmodel(args + " --seed 8 -o " + dir.File("c.gguf")).exit_code, 0);
    const auto a = testing::ReadFileBytes(dir.File("a.gguf"));
    const auto c = testing::ReadFileBytes(dir.File("c.gguf"));
    EXPECT_EQ(a, testing::ReadFileBytes(dir.File("b.gguf"))) << type;
    ASSERT_EQ(a.size(), c.size());
    EXPECT_NE(a, c) << type;
    // Only the weights differ: the header and directory are the same.
    GgufFile file = Read(dir.File("a.gguf"));
    const auto data = static_cast<ptrdiff_t>(file.data_offset());
    EXPECT_TRUE(std::equal(a.begin(), a.begin() + data, c.begin()));
  }
}

TEST(Mkmodel, WeightsHaveTheDocumentedScales) {
  TempDir dir;
  const std::string out = dir.File("m.gguf");
  ASSERT_EQ(Mkmodel(std::string(kTiny) + " --arch qwen2 -o " + out).exit_code, 0);
  GgufFile file = Read(out);

  auto stats = [&](const std::string& name) {
    const auto v = TensorValues(out, file, name);
    double sum = 0, sq = 0, lo = v[0], hi = v[0];
    for (float x : v) {
      sum += x;
      sq += double{x} * x;
      lo = std::min<double>(lo, x);
      hi = std::max<double>(hi, x);
    }
    const double mean = sum / static_cast<double>(v.size());
    return std::array<double, 4>{mean, std::sqrt(sq / static_cast<double>(v.size()) - mean * mean),
                                 lo, hi};
  };
  // Matrices: uniform with standard deviation 1/sqrt(ne[0]).
  for (const auto& [name, fan_in] : {std::pair<std::string, double>{"blk.0.attn_q.weight", 64},
                                     {"blk.1.ffn_down.weight", 192},
                                     {"token_embd.weight", 64}}) {
    const auto [mean, sd, lo, hi] = stats(name);
    EXPECT_NEAR(sd, 1 / std::sqrt(fan_in), 0.05 / std::sqrt(fan_in)) << name;
    EXPECT_NEAR(mean, 0.0, 0.05 / std::sqrt(fan_in)) << name;
    EXPECT_GE(lo, -std::sqrt(3 / fan_in)) << name;
    EXPECT_LT(hi, std::sqrt(3 / fan_in)) << name;
  }
  const auto norm = stats("blk.0.attn_norm.weight");
  EXPECT_GE(norm[2], 0.9);
  EXPECT_LT(norm[3], 1.1);
  const auto bias = stats("blk.0.attn_q.bias");
  EXPECT_GE(bias[2], -0.02);
  EXPECT_LT(bias[3], 0.02);
  // Tensors are not copies of one another.
  EXPECT_NE(TensorValues(out, file, "blk.0.ffn_gate.weight"),
            TensorValues(out, file, "blk.0.ffn_up.weight"));
}

TEST(Mkmodel, VocabularyIsCopiedFromTheGivenFile) {
  TempDir dir;
  const std::string vocab = testing::TestdataDir() + "/vocab/ggml-vocab-llama-bpe.gguf";
  const std::string out = dir.File("m.gguf");
  auto r = Mkmodel(std::string(kTiny) + " --type q8_0 --vocab-from " + vocab + " -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  GgufFile file = Read(out);
  GgufFile source = Read(vocab);
  Shape s = kTinyLlama;
  s.vocab = 128256;
  ExpectModel(file, s, TensorType::kQ8_0, 7);

  size_t copied = 0;
  for (const auto& kv : source.metadata()) {
    if (kv.key.rfind("tokenizer.", 0) != 0) continue;
    ++copied;
    const gguf::Value* value = file.Find(kv.key);
    ASSERT_NE(value, nullptr) << kv.key;
    EXPECT_EQ(value->type, kv.value.type) << kv.key;
    EXPECT_EQ(value->ToDisplayString(1u << 20), kv.value.ToDisplayString(1u << 20)) << kv.key;
  }
  EXPECT_GE(copied, 8u);
  EXPECT_EQ((*file.GetArray("tokenizer.ggml.tokens"))->size(), 128256u);
  EXPECT_EQ((*file.GetArray("tokenizer.ggml.merges"))->size(),
            (*source.GetArray("tokenizer.ggml.merges"))->size());
  EXPECT_EQ(*file.GetString("tokenizer.ggml.pre"), "llama-bpe");
  // Nothing but the tokenizer comes from the vocabulary file.
  EXPECT_EQ(*file.GetString("general.architecture"), "llama");
  EXPECT_EQ(*file.GetUint("llama.embedding_length"), 64u);
}

TEST(Mkmodel, BundledModelIsTheDefaultVocabulary) {
  TempDir dir;
  auto r = Mkmodel(std::string(kTiny) + " -o " + dir.File("default.gguf"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Mkmodel(std::string(kTiny) + " --vocab-from " + testing::BundledModelPath() + " -o " +
              dir.File("explicit.gguf"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::ReadFileBytes(dir.File("default.gguf")),
            testing::ReadFileBytes(dir.File("explicit.gguf")));

  GgufFile file = Read(dir.File("default.gguf"));
  GgufFile source = Read(testing::BundledModelPath());
  for (const auto& kv : source.metadata()) {
    if (kv.key.rfind("tokenizer.", 0) != 0) continue;
    ASSERT_NE(file.Find(kv.key), nullptr) << kv.key;
    EXPECT_EQ(file.Find(kv.key)->ToDisplayString(1u << 20), kv.value.ToDisplayString(1u << 20))
        << kv.key;
  }
  EXPECT_EQ((*file.GetArray("tokenizer.ggml.tokens"))->size(), 512u);
}

TEST(Mkmodel, PrintsAOneLineSummary) {
  TempDir dir;
  auto r = Mkmodel(std::string(kTiny) + " --type q8_0 -o " + dir.File("m.gguf"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  EXPECT_NE(r.err.find("params"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("q8_0"), std::string::npos) << r.err;
  EXPECT_NE(
      r.err.find(std::to_string(testing::ReadFileBytes(dir.File("m.gguf")).size()) + " bytes"),
      std::string::npos)
      << r.err;
}

// Half a step of each type's grid over values in [-a, a), relative to a (for
// f16 and bf16 half an ulp of a): the RMS error of rounding to the nearest
// level is about 0.58 of that, so a file whose data decodes within it holds
// the generated weights in the layout the decoder expects.
double HalfStepOverAmplitude(TensorType type) {
  switch (type) {
    case TensorType::kF32: return 0.0;
    case TensorType::kF16: return std::ldexp(1.0, -11);
    case TensorType::kBF16: return std::ldexp(1.0, -8);
    case TensorType::kQ8_0: return 1.0 / 254;  // step a / 127
    case TensorType::kQ4_0: return 1.0 / 16;   // step a / 8
    case TensorType::kQ5_0: return 1.0 / 32;   // step a / 16
    case TensorType::kQ6_K: return 1.0 / 64;   // step about a / 32
    case TensorType::kQ4_1:
    case TensorType::kQ4_K: return 1.0 / 15;  // 15 steps over 2a
    case TensorType::kQ5_1:
    case TensorType::kQ5_K: return 1.0 / 31;  // 31 steps over 2a
    default: return 0.0;
  }
}

TEST(Mkmodel, ModelsOfEveryTypeDecodeToTheGeneratedWeights) {
  // Rows of 256 and 512 elements: every matrix gets the requested type, the
  // K-quants included.
  TempDir dir;
  const Shape shape = {"llama", 256, 1, 4, 2, 512, 512, 512, false};
  for (const auto& t : kTypes) {
    SCOPED_TRACE(t.name);
    const std::string out = dir.File(std::string("k-") + t.name + ".gguf");
    auto r = Mkmodel("--dim 256 --layers 1 --heads 4 --kv-heads 2 --ffn 512 --seed 5 --type " +
                     std::string(t.name) + " -o " + out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const GgufFile file = Read(out);
    ExpectModel(file, shape, t.type, t.file_type);
    for (const char* name : {"token_embd.weight", "blk.0.attn_k.weight", "blk.0.ffn_down.weight"}) {
      const auto* info = file.FindTensor(name);
      ASSERT_NE(info, nullptr) << name;
      ASSERT_EQ(info->type, t.type) << name;
      const mkmodel::TensorPlan plan{
          name, t.type, {info->ne[0], info->ne[1]}, mkmodel::Init::kMatrix};
      const uint64_t key = mkmodel::TensorKey(5, name);
      const auto values = TensorValues(out, file, name);
      double squared = 0.0;
      for (size_t i = 0; i < values.size(); ++i) {
        const double e = values[i] - mkmodel::WeightValue(plan, key, i);
        squared += e * e;
      }
      const double a = std::sqrt(3.0 / static_cast<double>(info->ne[0]));
      EXPECT_LE(std::sqrt(squared / static_cast<double>(values.size())),
                a * HalfStepOverAmplitude(t.type))
          << name;
    }
  }
}

TEST(Mkmodel, KQuantTensorsWithOtherRowLengthsFallBackAsLlamaCppDoes) {
  TempDir dir;
  // The tiny preset's rows (64, 192) are not whole 256-element blocks: every
  // matrix falls back (ExpectModel checks which type each gets).
  for (const auto& [type, file_type, summary] :
       {std::tuple{TensorType::kQ4_K, 15u, "q4_K (q5_0 for 16 tensors"},
        std::tuple{TensorType::kQ5_K, 17u, "q5_K (q5_1 for 16 tensors"},
        std::tuple{TensorType::kQ6_K, 18u, "q6_K (q8_0 for 16 tensors"}}) {
    const std::string name(gguf::Traits(type).name);
    SCOPED_TRACE(name);
    auto r = Mkmodel(std::string(kTiny) + " --type " + name + " -o " + dir.File(name + ".gguf"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find(summary), std::string::npos) << r.err;
    ExpectModel(Read(dir.File(name + ".gguf")), kTinyLlama, type, file_type);
  }
  // Rows of 80 are not whole 32-element blocks either: f16. ffn_down's rows
  // of 160 take q8_0.
  auto r =
      Mkmodel("--dim 80 --heads 4 --kv-heads 2 --ffn 160 --type q6_K -o " + dir.File("f16.gguf"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("q6_K (f16 for 14 tensors, q8_0 for 2 tensors"), std::string::npos) << r.err;
  const GgufFile file = Read(dir.File("f16.gguf"));
  ExpectModel(file, {"llama", 80, 2, 4, 2, 160, 512, 512, false}, TensorType::kQ6_K, 18);
  EXPECT_EQ(file.FindTensor("blk.1.ffn_down.weight")->type, TensorType::kQ8_0);
  EXPECT_EQ(file.FindTensor("blk.1.ffn_up.weight")->type, TensorType::kF16);
}

struct BadCase {
  const char* args;
  const char* message;
};

TEST(Mkmodel, BadShapesAreRejectedWithAMessage) {
  const BadCase cases[] = {
      {"--dim 100 --heads 3", "--dim 100 is not a multiple of --heads 3"},
      {"--heads 4 --kv-heads 3", "--heads 4 is not a multiple of --kv-heads 3"},
      {"--dim 48 --type q4_0", "--dim 48 is not a multiple of 32"},
      {"--ffn 100 --type q8_0", "--ffn 100 is not a multiple of 32"},
      {"--dim 12 --heads 4 --kv-heads 2", "must be even"},
      {"--layers 0", "--layers must be at least 1"},
      {"--type q2_K", "--type q2_K is not supported"},
      {"--dim 48 --type q5_1", "--dim 48 is not a multiple of 32"},
      {"--type nonsense", "--type nonsense is not supported"},
      {"--preset huge", "unknown preset 'huge'"},
      {"--arch gpt2", "unknown architecture 'gpt2'"},
      {"--rope-theta -1", "--rope-theta must be a positive number"},
      {"--alignment 48", "alignment 48"},
  };
  TempDir dir;
  for (const auto& c : cases) {
    auto r = Mkmodel(std::string(c.args) + " -o " + dir.File("m.gguf"));
    EXPECT_EQ(r.exit_code, 2) << c.args << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.File("m.gguf"))) << c.args;
  }
  // The same options without the fault work.
  auto r = Mkmodel("--preset tiny -o " + dir.File("ok.gguf"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(Mkmodel, UnusableInputsOutputsAndOptionsFail) {
  TempDir dir;
  auto r = Mkmodel("--preset tiny --vocab-from " + dir.File("missing.gguf") + " -o " +
                   dir.File("m.gguf"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing.gguf"), std::string::npos) << r.err;

  r = Mkmodel("--preset tiny -o " + dir.File("no/such/dir/m.gguf"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("error"), std::string::npos) << r.err;

  r = Mkmodel("--preset tiny");  // no -o
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--output"), std::string::npos) << r.err;

  r = Mkmodel("--tied --untied -o " + dir.File("m.gguf"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir.File("m.gguf")));
}

}  // namespace
}  // namespace llmcore
