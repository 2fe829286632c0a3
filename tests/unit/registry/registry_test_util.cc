#include "registry_test_util.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <filesystem>
#include <utility>

#include "llmcore/gguf/writer.h"
#include "llmcore/testing/testing.h"

namespace llmcore::registry::testing {

namespace fs = std::filesystem;

void WriteTinyModel(const std::string& path, const TinyModel& model) {
  MakeDirs(fs::path(path).parent_path().string());
  gguf::GgufWriter writer;
  if (!model.architecture.empty()) {
    ASSERT_TRUE(writer.AddString("general.architecture", model.architecture).ok());
  }
  if (model.file_type >= 0) {
    ASSERT_TRUE(writer.AddUint32("general.file_type", static_cast<uint32_t>(model.file_type)).ok());
  }
  const std::string prefix = (model.architecture.empty() ? "none" : model.architecture) + ".";
  const std::pair<const char*, uint32_t> numbers[] = {
      {"context_length", model.context_length},
      {"embedding_length", model.embedding_length},
      {"block_count", model.layers},
      {"vocab_size", model.vocab_size},
  };
  for (const auto& [key, value] : numbers) {
    if (value != 0) {
      ASSERT_TRUE(writer.AddUint32(prefix + key, value).ok());
    }
  }
  if (model.token_count != 0) {
    gguf::Array tokens;
    tokens.element_type = gguf::ValueType::kString;
    std::vector<std::string> texts;
    for (uint32_t i = 0; i < model.token_count; ++i) texts.push_back("t" + std::to_string(i));
    tokens.elements = std::move(texts);
    ASSERT_TRUE(
        writer.Add("tokenizer.ggml.tokens", gguf::Value{gguf::ValueType::kArray, std::move(tokens)})
            .ok());
  }
  if (!model.chat_template.empty()) {
    ASSERT_TRUE(writer.AddString("tokenizer.chat_template", model.chat_template).ok());
  }
  for (size_t i = 0; i < model.tensors.size(); ++i) {
    const TinyTensor& tensor = model.tensors[i];
    const auto& traits = gguf::Traits(tensor.type);
    const std::vector<std::byte> data(tensor.elements / traits.block_elements * traits.block_bytes);
    const Status added =
        writer.AddTensor("t" + std::to_string(i) + ".weight", tensor.type, {tensor.elements}, data);
    ASSERT_TRUE(added.ok()) << added.ToString();
  }
  const Status written = writer.WriteFile(path);
  ASSERT_TRUE(written.ok()) << written.ToString();
}

void CopyBundledModel(const std::string& path) {
  MakeDirs(fs::path(path).parent_path().string());
  std::error_code ec;
  fs::copy_file(llmcore::testing::BundledModelPath(), path, fs::copy_options::overwrite_existing,
                ec);
  ASSERT_FALSE(ec) << path << ": " << ec.message();
}

void MakeDirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  ASSERT_FALSE(ec) << path << ": " << ec.message();
}

void WriteText(const std::string& path, const std::string& text) {
  MakeDirs(fs::path(path).parent_path().string());
  ::llmcore::testing::WriteFileText(path, text);
}

void Symlink(const std::string& target, const std::string& link) {
  MakeDirs(fs::path(link).parent_path().string());
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0) << link << " -> " << target;
}

void SetMtime(const std::string& path, int64_t seconds_since_epoch) {
  const struct timespec times[2] = {{seconds_since_epoch, 0}, {seconds_since_epoch, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
}

std::vector<std::string> Names(const ModelRegistry& registry) {
  std::vector<std::string> names;
  for (const ModelEntry& entry : registry.List()) names.push_back(entry.name);
  return names;
}

std::vector<std::string> Paths(const std::vector<SkippedFile>& files) {
  std::vector<std::string> paths;
  for (const SkippedFile& file : files) paths.push_back(file.path);
  return paths;
}

std::string ReasonFor(const std::vector<SkippedFile>& files, const std::string& path) {
  for (const SkippedFile& file : files) {
    if (file.path == path) return file.reason;
  }
  return "";
}

}  // namespace llmcore::registry::testing
