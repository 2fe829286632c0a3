// llmcore-gguf, run as a person or a script would run it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "llmcore/gguf/reader.h"
#include "llmcore/testing/testing.h"

namespace {

using ::llmcore::testing::BinaryDir;
using ::llmcore::testing::BundledModelPath;
using ::llmcore::testing::CommandResult;
using ::llmcore::testing::RunCommand;
using ::llmcore::testing::ShellQuote;
using ::llmcore::testing::TempDir;
using ::llmcore::testing::TestdataGgufFiles;

constexpr int kExitBadFile = 1;
constexpr int kExitUsage = 2;

CommandResult Tool(const std::string& args) {
  return RunCommand(ShellQuote(BinaryDir() + "/tools/llmcore-gguf") + " " + args);
}

std::vector<std::string> AllFiles() {
  std::vector<std::string> files = TestdataGgufFiles();
  files.push_back(BundledModelPath());
  return files;
}

std::vector<std::byte> Bytes(std::string_view s) {
  std::vector<std::byte> out;
  for (char c : s) out.push_back(static_cast<std::byte>(c));
  return out;
}

TEST(LlmcoreGgufTest, EveryTestdataFileIsShownWithExitZero) {
  ASSERT_GE(AllFiles().size(), 16u);
  for (const std::string& path : AllFiles()) {
    SCOPED_TRACE(path);
    CommandResult r = Tool(ShellQuote(path));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_NE(r.out.find("version:      3\n"), std::string::npos);
    EXPECT_NE(r.out.find("\nmetadata:\n"), std::string::npos);
    EXPECT_NE(r.out.find("general.architecture"), std::string::npos);
  }
}

TEST(LlmcoreGgufTest, HumanViewListsTheTensorDirectoryInColumns) {
  CommandResult r = Tool(ShellQuote(BundledModelPath()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("tensors:      48\n"), std::string::npos);
  EXPECT_NE(r.out.find("data offset:  14176\n"), std::string::npos);
  // Arrays are abbreviated to their type, count and first elements.
  EXPECT_NE(r.out.find("string[512]   [\"<unk>\", \"<s>\", \"</s>\","), std::string::npos);

  std::istringstream lines(r.out);
  std::string line, header, embd, norm;
  while (std::getline(lines, line)) {
    if (line.find("NAME") != std::string::npos) header = line;
    if (line.find("token_embd.weight") != std::string::npos) embd = line;
    if (line.find("output_norm.weight") != std::string::npos) norm = line;
  }
  ASSERT_FALSE(header.empty());
  EXPECT_NE(embd.find("f32"), std::string::npos) << embd;
  EXPECT_NE(embd.find("[64, 512]"), std::string::npos) << embd;
  EXPECT_NE(embd.find("131072"), std::string::npos) << embd;
  // Columns line up: the same column starts at the same place in every row.
  EXPECT_EQ(embd.find("f32"), header.find("TYPE"));
  EXPECT_EQ(norm.find("f32"), header.find("TYPE"));
  EXPECT_EQ(embd.size(), header.size());  // numbers are right-aligned to the header's end
}

TEST(LlmcoreGgufTest, JsonMatchesTheReadersView) {
  for (const std::string& path : AllFiles()) {
    SCOPED_TRACE(path);
    auto file = llmcore::gguf::ReadGgufFile(path);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    CommandResult r = Tool(ShellQuote(path) + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto json = nlohmann::json::parse(r.out);
    EXPECT_EQ(json["version"], file->version());
    EXPECT_EQ(json["alignment"], file->alignment());
    EXPECT_EQ(json["data_offset"], file->data_offset());
    EXPECT_EQ(json["tensor_count"], file->tensors().size());
    ASSERT_EQ(json["tensors"].size(), file->tensors().size());
    for (size_t i = 0; i < file->tensors().size(); ++i) {
      const auto& t = file->tensors()[i];
      EXPECT_EQ(json["tensors"][i]["name"], t.name);
      EXPECT_EQ(json["tensors"][i]["offset"], t.offset);
      EXPECT_EQ(json["tensors"][i]["bytes"], t.n_bytes);
      EXPECT_EQ(json["tensors"][i]["shape"].size(), t.n_dims);
    }
    ASSERT_EQ(json["metadata"].size(), file->metadata().size());
    EXPECT_EQ(json["metadata"]["general.architecture"]["value"], file->architecture());
    // Arrays are complete, not abbreviated.
    auto tokens = file->GetArray("tokenizer.ggml.tokens");
    ASSERT_TRUE(tokens.ok());
    const auto& json_tokens = json["metadata"]["tokenizer.ggml.tokens"];
    EXPECT_EQ(json_tokens["type"], "array");
    EXPECT_EQ(json_tokens["element_type"], "string");
    EXPECT_EQ(json_tokens["count"], (*tokens)->size());
    EXPECT_EQ(json_tokens["value"].size(), (*tokens)->size());
  }
}

TEST(LlmcoreGgufTest, JsonHasTypedValuesOfTheBundledModel) {
  CommandResult r = Tool(ShellQuote(BundledModelPath()) + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  const auto& md = json["metadata"];
  EXPECT_EQ(md["llama.context_length"]["type"], "uint32");
  EXPECT_EQ(md["llama.context_length"]["value"], 128);
  EXPECT_EQ(md["tokenizer.ggml.bos_token_id"]["value"], 1);
  EXPECT_EQ(md["tokenizer.ggml.eos_token_id"]["value"], 2);
  EXPECT_EQ(md["tokenizer.ggml.tokens"]["value"][1], "<s>");
  EXPECT_EQ(md["tokenizer.ggml.token_type"]["value"][3], 6);
  // A float32 comes out as its shortest decimal.
  EXPECT_EQ(md["llama.attention.layer_norm_rms_epsilon"]["value"].dump(), "1e-05");
  const auto& embd = json["tensors"][0];
  EXPECT_EQ(embd["name"], "token_embd.weight");
  EXPECT_EQ(embd["type"], "f32");
  EXPECT_EQ(embd["shape"], nlohmann::json::array({64, 512}));
  EXPECT_EQ(embd["file_offset"], 14176);
}

TEST(LlmcoreGgufTest, MalformedFileFailsWithTheRuleOnStderrAndNothingOnStdout) {
  TempDir dir;
  const std::string path = dir.File("bad.gguf");
  // A valid header announcing one tensor, whose 4 f32 values are missing.
  std::string bytes(
      "GGUF\x03\0\0\0"
      "\x01\0\0\0\0\0\0\0"
      "\0\0\0\0\0\0\0\0",
      24);
  bytes += std::string(
      "\x01\0\0\0\0\0\0\0"
      "w"
      "\x01\0\0\0"
      "\x04\0\0\0\0\0\0\0"
      "\0\0\0\0"
      "\0\0\0\0\0\0\0\0",
      33);
  llmcore::testing::WriteFileBytes(path, Bytes(bytes));
  for (const char* flag : {"", " --json"}) {
    CommandResult r = Tool(ShellQuote(path) + flag);
    EXPECT_EQ(r.exit_code, kExitBadFile);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("tensor-out-of-bounds"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
  }
}

TEST(LlmcoreGgufTest, NotAGgufFileFailsWithBadMagic) {
  TempDir dir;
  const std::string path = dir.File("text.gguf");
  llmcore::testing::WriteFileBytes(path, Bytes("hello, world\n"));
  CommandResult r = Tool(ShellQuote(path));
  EXPECT_EQ(r.exit_code, kExitBadFile);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("bad-magic"), std::string::npos) << r.err;
}

TEST(LlmcoreGgufTest, MissingFileNamesThePath) {
  TempDir dir;
  const std::string path = dir.File("absent.gguf");
  CommandResult r = Tool(ShellQuote(path));
  EXPECT_EQ(r.exit_code, kExitBadFile);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
}

TEST(LlmcoreGgufTest, UsageErrorsHaveTheirOwnExitCode) {
  CommandResult no_file = Tool("");
  EXPECT_EQ(no_file.exit_code, kExitUsage);
  EXPECT_NE(no_file.err, "");
  CommandResult unknown = Tool(ShellQuote(BundledModelPath()) + " --no-such-option");
  EXPECT_EQ(unknown.exit_code, kExitUsage);
  EXPECT_EQ(unknown.out, "");
  CommandResult help = Tool("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--json"), std::string::npos);
}

}  // namespace

namespace {

// --load goes through the model store; the directory printed afterwards is
// read back from the shared segment, so it must equal the file's own.
TEST(LlmcoreGgufTest, LoadPrintsTheDirectoryReadBackFromTheSegment) {
  CommandResult r = Tool(ShellQuote(BundledModelPath()) + " --load");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const size_t loaded = r.out.find("\nloaded into the model store:\n");
  ASSERT_NE(loaded, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("architecture 'llama', 48 tensors", loaded), std::string::npos) << r.out;

  const size_t file_tensors = r.out.find("\ntensors:\n");
  const size_t segment_tensors = r.out.find("\ntensors:\n", loaded);
  ASSERT_NE(file_tensors, std::string::npos);
  ASSERT_NE(segment_tensors, std::string::npos);
  const std::string from_file = r.out.substr(file_tensors, loaded - file_tensors);
  const std::string from_segment = r.out.substr(segment_tensors);
  EXPECT_EQ(from_segment, from_file);
}

TEST(LlmcoreGgufTest, LoadJsonHasTheSegmentDirectory) {
  CommandResult r = Tool(ShellQuote(BundledModelPath()) + " --load --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  ASSERT_TRUE(json.contains("store"));
  const auto& store = json["store"];
  EXPECT_EQ(store["architecture"], "llama");
  EXPECT_EQ(store["bytes_read"], json["data_size"]);
  ASSERT_EQ(store["tensors"].size(), json["tensors"].size());
  for (size_t i = 0; i < json["tensors"].size(); ++i) {
    for (const char* field : {"name", "type", "shape", "offset", "bytes"}) {
      EXPECT_EQ(store["tensors"][i][field], json["tensors"][i][field]) << i << " " << field;
    }
  }
}

TEST(LlmcoreGgufTest, LoadOfATruncatedFileFailsAndPrintsNoStoreSection) {
  TempDir dir;
  std::vector<std::byte> bytes = llmcore::testing::ReadFileBytes(BundledModelPath());
  bytes.resize(bytes.size() - 1000);  // cut into the last tensor's data
  const std::string path = dir.File("cut.gguf");
  llmcore::testing::WriteFileBytes(path, bytes);
  CommandResult r = Tool(ShellQuote(path) + " --load");
  EXPECT_EQ(r.exit_code, kExitBadFile);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("tensor-out-of-bounds"), std::string::npos) << r.err;
}

}  // namespace
