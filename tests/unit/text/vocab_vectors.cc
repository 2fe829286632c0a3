#include "vocab_vectors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "llmcore/gguf/reader.h"
#include "llmcore/testing/testing.h"

namespace llmcore::text::testing {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSeparator = "\n__ggml_vocab_test__\n";
constexpr std::string_view kInputSuffix = ".gguf.inp";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string VocabDir() {
  return llmcore::testing::TestdataDir() + "/vocab";
}

std::string VocabPath(const std::string& name) {
  return VocabDir() + "/ggml-vocab-" + name + ".gguf";
}

std::vector<std::string> VectorSetNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(VocabDir(), ec)) {
    const std::string file = entry.path().filename().string();
    const std::string_view prefix = "ggml-vocab-";
    if (file.size() <= prefix.size() + kInputSuffix.size() || !file.starts_with(prefix) ||
        !file.ends_with(kInputSuffix)) {
      continue;
    }
    names.push_back(file.substr(prefix.size(), file.size() - prefix.size() - kInputSuffix.size()));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<VocabVector> ReadVectors(const std::string& name) {
  const std::string inp = ReadAll(VocabPath(name) + ".inp");
  const std::string out = ReadAll(VocabPath(name) + ".out");

  std::vector<VocabVector> vectors;
  size_t pos = 0;
  while (pos < inp.size()) {
    const size_t sep = inp.find(kSeparator, pos);
    if (sep == std::string::npos)
      throw std::runtime_error(name + ".inp: text after last separator");
    vectors.push_back({inp.substr(pos, sep - pos), {}});
    pos = sep + kSeparator.size();
  }

  std::istringstream lines(out);
  std::string line;
  size_t i = 0;
  while (std::getline(lines, line)) {
    if (i >= vectors.size()) throw std::runtime_error(name + ".out: more lines than inputs");
    std::istringstream ids(line);
    long long id;
    while (ids >> id) vectors[i].expected.push_back(static_cast<TokenId>(id));
    if (!ids.eof()) throw std::runtime_error(name + ".out: bad line " + std::to_string(i + 1));
    ++i;
  }
  if (i != vectors.size()) throw std::runtime_error(name + ".out: fewer lines than inputs");
  return vectors;
}

}  // namespace llmcore::text::testing

namespace llmcore::text::testing {

const Tokenizer* LoadTokenizer(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(path);
  if (it != cache.end()) return it->second.get();
  auto file = gguf::ReadGgufFile(path);
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  if (!file.ok()) return nullptr;
  auto tokenizer = CreateTokenizer(*file);
  EXPECT_TRUE(tokenizer.ok()) << path << ": " << tokenizer.status().ToString();
  if (!tokenizer.ok()) return nullptr;
  return cache.emplace(path, std::move(tokenizer).value()).first->second.get();
}

VocabularySpec ReadSpec(const std::string& path) {
  auto file = gguf::ReadGgufFile(path);
  if (!file.ok()) throw std::runtime_error(file.status().ToString());
  auto spec = ReadVocabularySpec(*file);
  if (!spec.ok()) throw std::runtime_error(spec.status().ToString());
  return std::move(spec).value();
}

}  // namespace llmcore::text::testing
