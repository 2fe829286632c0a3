// Conformance: every vocabulary in ../shared/testdata/vocab that comes with
// test vectors must reproduce them exactly (no BOS/EOS, special-token text not
// parsed, as the vectors were made), and decoding must give the input back.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "llmcore/gguf/reader.h"
#include "llmcore/text/tokenizer.h"
#include "vocab_vectors.h"

namespace llmcore::text {
namespace {

using testing::ReadVectors;
using testing::VectorSetNames;
using testing::VocabPath;
using testing::VocabVector;

// Vector sets this tokenizer does not handle, and why. Each is checked to be
// refused as unsupported (so the list cannot go stale) and then skipped.
const std::map<std::string, std::string>& Unsupported() {
  static const std::map<std::string, std::string> unsupported = {
      {"bert-bge", "WordPiece vocabularies (tokenizer.ggml.model 'bert') are not implemented"},
  };
  return unsupported;
}

std::string ShowText(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out;
}

class VocabVectorsTest : public ::testing::TestWithParam<std::string> {
 protected:
  // Loads the vocabulary, or skips with the documented reason.
  std::unique_ptr<Tokenizer> LoadOrSkip() {
    const std::string& name = GetParam();
    const std::string path = VocabPath(name);
    if (!std::filesystem::exists(path)) {
      skip_reason_ = "test vectors without a vocabulary file in the test data (" + path + ")";
      return nullptr;
    }
    auto file = gguf::ReadGgufFile(path);
    EXPECT_TRUE(file.ok()) << file.status().ToString();
    if (!file.ok()) return nullptr;
    auto tokenizer = CreateTokenizer(*file);
    auto it = Unsupported().find(name);
    if (it != Unsupported().end()) {
      EXPECT_FALSE(tokenizer.ok()) << name << " is listed as unsupported but loads";
      if (!tokenizer.ok()) {
        EXPECT_EQ(tokenizer.status().code(), StatusCode::kUnsupported)
            << tokenizer.status().ToString();
      }
      skip_reason_ = it->second;
      return nullptr;
    }
    EXPECT_TRUE(tokenizer.ok()) << tokenizer.status().ToString();
    if (!tokenizer.ok()) return nullptr;
    return std::move(tokenizer).value();
  }

  std::string skip_reason_;
};

TEST_P(VocabVectorsTest, EncodesEveryVectorExactly) {
  auto tokenizer = LoadOrSkip();
  if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
  ASSERT_NE(tokenizer, nullptr);
  const std::vector<VocabVector> vectors = ReadVectors(GetParam());
  ASSERT_FALSE(vectors.empty());
  size_t passed = 0;
  for (const VocabVector& v : vectors) {
    auto ids = tokenizer->Encode(v.input, {.add_special = false, .parse_special = false});
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    EXPECT_EQ(*ids, v.expected) << "input: \"" << ShowText(v.input) << "\"";
    if (*ids == v.expected) ++passed;
  }
  RecordProperty("vectors", static_cast<int>(vectors.size()));
  RecordProperty("passed", static_cast<int>(passed));
}

TEST_P(VocabVectorsTest, DecodeRoundTripsEveryInput) {
  auto tokenizer = LoadOrSkip();
  if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
  ASSERT_NE(tokenizer, nullptr);
  for (const VocabVector& v : ReadVectors(GetParam())) {
    auto decoded = tokenizer->Decode(v.expected);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(*decoded, v.input) << "ids of \"" << ShowText(v.input) << "\"";
  }
}

std::string ParamName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name;
  for (char c : info.param) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Vocab, VocabVectorsTest, ::testing::ValuesIn(VectorSetNames()), ParamName);

TEST(VocabVectorsFilesTest, VectorSetsArePresent) {
  // Guards against the table test passing vacuously when the data is missing.
  EXPECT_GE(VectorSetNames().size(), 12u) << "no test vectors under " << testing::VocabDir();
}

}  // namespace
}  // namespace llmcore::text
