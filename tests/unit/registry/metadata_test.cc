// What an entry says about a model: the bundled stories260K exactly, and
// generated files for the quantization name, parameters, vocabulary size and
// chat template detection.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "llmcore/registry/model_registry.h"
#include "llmcore/testing/testing.h"
#include "model_metadata.h"
#include "registry_test_util.h"

namespace llmcore::registry {
namespace {

using gguf::TensorType;
using llmcore::testing::TempDir;
using testing::TinyModel;
using testing::TinyTensor;
using testing::WriteTinyModel;

// Scans `dir` as a directory source and returns the entry named `name`.
ModelEntry ScanOne(const TempDir& dir, const std::string& name) {
  ModelRegistry registry;
  const ScanReport report = registry.Scan({{ModelSource::kDirectory, dir.path()}});
  EXPECT_TRUE(report.skipped.empty())
      << report.skipped.front().path << ": " << report.skipped.front().reason;
  auto entry = registry.Find(name);
  EXPECT_TRUE(entry.ok()) << entry.status().ToString();
  return entry.ok() ? *entry : ModelEntry{};
}

TEST(ModelMetadata, TheBundledModel) {
  TempDir dir;
  testing::CopyBundledModel(dir.File("stories260K.gguf"));
  const ModelEntry e = ScanOne(dir, "stories260K");
  EXPECT_EQ(e.name, "stories260K");
  EXPECT_EQ(e.kind, ModelSource::kDirectory);
  EXPECT_EQ(e.root, dir.path());
  EXPECT_EQ(e.relative_path, "stories260K.gguf");
  EXPECT_EQ(e.path, dir.File("stories260K.gguf"));
  EXPECT_EQ(e.size, 1185376u);
  EXPECT_GT(e.mtime_ns, 0);
  EXPECT_EQ(e.architecture, "llama");
  // No general.file_type: every tensor is F32.
  EXPECT_EQ(e.quantization, "F32");
  EXPECT_EQ(e.parameters, 1171200u / 4);
  EXPECT_EQ(e.context_length, 128u);
  EXPECT_EQ(e.embedding_length, 64u);
  EXPECT_EQ(e.layers, 5u);
  // No llama.vocab_size: the length of tokenizer.ggml.tokens.
  EXPECT_EQ(e.vocab_size, 512u);
  EXPECT_EQ(e.chat_template, "");
}

TEST(ModelMetadata, GeneratedModelValues) {
  TempDir dir;
  WriteTinyModel(dir.File("m.gguf"), TinyModel()
                                         .Architecture("qwen2")
                                         .FileType(7)
                                         .ContextLength(32768)
                                         .EmbeddingLength(896)
                                         .Layers(24)
                                         .VocabSize(151936)
                                         .Tensors(std::vector<TinyTensor>{
                                             {TensorType::kQ8_0, 256}, {TensorType::kF32, 256}}));
  const ModelEntry e = ScanOne(dir, "m");
  EXPECT_EQ(e.architecture, "qwen2");
  EXPECT_EQ(e.quantization, "Q8_0");
  EXPECT_EQ(e.parameters, 512u);
  EXPECT_EQ(e.context_length, 32768u);
  EXPECT_EQ(e.embedding_length, 896u);
  EXPECT_EQ(e.layers, 24u);
  EXPECT_EQ(e.vocab_size, 151936u);
}

TEST(ModelMetadata, QuantizationFromTheFileTypeElseTheCommonestTensorType) {
  TempDir dir;
  WriteTinyModel(dir.File("q4km.gguf"), TinyModel().FileType(15));
  WriteTinyModel(dir.File("bf16.gguf"), TinyModel().FileType(32));
  // Unknown (removed) file type id: the tensors decide.
  WriteTinyModel(dir.File("unknown.gguf"),
                 TinyModel().FileType(4).Tensors(std::vector<TinyTensor>{
                     {TensorType::kQ4_K, 256}, {TensorType::kF32, 256}, {TensorType::kF32, 256}}));
  // By elements, not by tensor count: one Q6_K tensor of 1024 elements
  // outweighs three F32 norms of 256.
  WriteTinyModel(dir.File("mixed.gguf"),
                 TinyModel().Tensors(std::vector<TinyTensor>{{TensorType::kF32, 256},
                                                             {TensorType::kQ6_K, 1024},
                                                             {TensorType::kF32, 256},
                                                             {TensorType::kF32, 256}}));
  EXPECT_EQ(ScanOne(dir, "q4km").quantization, "Q4_K_M");
  EXPECT_EQ(ScanOne(dir, "bf16").quantization, "BF16");
  EXPECT_EQ(ScanOne(dir, "unknown").quantization, "F32");
  EXPECT_EQ(ScanOne(dir, "mixed").quantization, "Q6_K");
}

TEST(ModelMetadata, FileTypeNames) {
  EXPECT_EQ(internal::FileTypeName(0), "F32");
  EXPECT_EQ(internal::FileTypeName(1), "F16");
  EXPECT_EQ(internal::FileTypeName(7), "Q8_0");
  EXPECT_EQ(internal::FileTypeName(15), "Q4_K_M");
  EXPECT_EQ(internal::FileTypeName(18), "Q6_K");
  EXPECT_EQ(internal::FileTypeName(30), "IQ4_XS");
  EXPECT_EQ(internal::FileTypeName(4), std::nullopt);
  EXPECT_EQ(internal::FileTypeName(1000), std::nullopt);
}

TEST(ModelMetadata, ChatTemplateIsRecognisedOrLeftEmpty) {
  TempDir dir;
  WriteTinyModel(dir.File("chatml.gguf"),
                 TinyModel().ChatTemplate("{% for message in messages %}{{'<|im_start|>' + "
                                          "message['role'] + '\\n' + message['content'] + "
                                          "'<|im_end|>' + '\\n'}}{% endfor %}{% if "
                                          "add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
                                          "{% endif %}"));
  WriteTinyModel(dir.File("custom.gguf"), TinyModel().ChatTemplate("{{ messages | tojson }}"));
  EXPECT_EQ(ScanOne(dir, "chatml").chat_template, "chatml");
  EXPECT_EQ(ScanOne(dir, "custom").chat_template, "");
}

TEST(ModelMetadata, AbsentNumbersAreZero) {
  TempDir dir;
  WriteTinyModel(dir.File("none.gguf"),
                 TinyModel().ContextLength(0).EmbeddingLength(0).Layers(0).TokenCount(0));
  const ModelEntry e = ScanOne(dir, "none");
  EXPECT_EQ(e.context_length, 0u);
  EXPECT_EQ(e.embedding_length, 0u);
  EXPECT_EQ(e.layers, 0u);
  EXPECT_EQ(e.vocab_size, 0u);
}

}  // namespace
}  // namespace llmcore::registry
