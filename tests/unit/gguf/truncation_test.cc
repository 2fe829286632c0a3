// Every prefix of a small valid file, cut in every section (header, keys,
// arrays, tensor infos, padding, data), fails cleanly with a rule that says
// the file is too short.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>

#include "gguf_bytes.h"
#include "llmcore/gguf/reader.h"

namespace llmcore::gguf {
namespace {

using testing::GgufBytes;
using testing::Parse;

// Where each section of the sample file begins.
struct Sample {
  GgufBytes bytes;
  uint64_t keys_at = 0;
  uint64_t infos_at = 0;
  uint64_t padding_at = 0;
  uint64_t data_at = 0;
  uint64_t third_token_at = 0;  // the length field of the third token string
};

Sample MakeSample() {
  Sample s;
  GgufBytes& b = s.bytes;
  b.Header(2, 6);
  s.keys_at = b.size();
  b.KeyStr("general.architecture", "llama");
  b.KeyU32("general.alignment", 64);
  b.Key("tokenizer.ggml.tokens", ValueType::kArray).ArrayOf(ValueType::kString, 3);
  b.Str("<s>").Str("</s>");
  s.third_token_at = b.size();
  b.Str("\xe2\x96\x81hi");
  b.Key("tokenizer.ggml.scores", ValueType::kArray).ArrayOf(ValueType::kFloat32, 3);
  b.F32(0).F32(-1.5f).F32(2);
  b.Key("nested", ValueType::kArray).ArrayOf(ValueType::kArray, 2);
  b.ArrayOf(ValueType::kInt32, 2).I32(-1).I32(7).ArrayOf(ValueType::kInt32, 0);
  b.Key("flag", ValueType::kBool).U8(1);
  s.infos_at = b.size();
  b.Tensor("a", {4, 2}, TensorType::kF32, 0);  // 32 bytes at data offset 0
  b.Tensor("b", {32}, TensorType::kQ8_0, 64);  // 34 bytes at data offset 64
  s.padding_at = b.size();
  b.PadTo(64);
  s.data_at = b.size();
  for (int i = 0; i < 98; ++i) b.U8(static_cast<uint8_t>(i));
  return s;
}

TEST(TruncationTest, SampleFileIsValid) {
  const Sample s = MakeSample();
  ASSERT_GT(s.data_at, s.padding_at) << "the sample must have padding to cut into";
  auto parsed = Parse(s.bytes.bytes());
  ASSERT_TRUE(parsed.file.ok()) << parsed.file.status().ToString();
  EXPECT_EQ(parsed.file->alignment(), 64u);
  EXPECT_EQ(parsed.file->data_offset(), s.data_at);
  EXPECT_EQ(parsed.file->data_size(), 98u);
  EXPECT_EQ(parsed.file->tensors().size(), 2u);
  EXPECT_EQ(parsed.file->metadata().size(), 6u);
}

TEST(TruncationTest, EveryPrefixFailsWithATruncationOrBoundsRule) {
  const Sample s = MakeSample();
  const auto& all = s.bytes.bytes();
  const std::set<Rule> allowed = {Rule::kTruncated,      Rule::kStringTooLong,
                                  Rule::kArrayTooLong,   Rule::kTooManyKeys,
                                  Rule::kTooManyTensors, Rule::kTensorOutOfBounds};
  // Which rules the cuts in each section produced, to show every section
  // was cut and reported.
  std::map<std::string, std::set<Rule>> seen;
  for (size_t len = 0; len < all.size(); ++len) {
    SCOPED_TRACE("prefix of " + std::to_string(len) + " bytes");
    auto parsed = Parse(std::span(all).first(len));
    ASSERT_FALSE(parsed.file.ok());
    EXPECT_EQ(parsed.file.status().code(), StatusCode::kCorrupt);
    EXPECT_TRUE(allowed.contains(parsed.error.rule)) << parsed.error.ToString();
    EXPECT_LE(parsed.error.offset, len) << parsed.error.ToString();
    const char* section = len < s.keys_at      ? "header"
                          : len < s.infos_at   ? "keys"
                          : len < s.padding_at ? "tensor infos"
                          : len < s.data_at    ? "padding"
                                               : "data";
    seen[section].insert(parsed.error.rule);
  }
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_TRUE(seen["header"].contains(Rule::kTruncated));
  EXPECT_TRUE(seen["padding"] == std::set<Rule>{Rule::kTensorOutOfBounds});
  EXPECT_TRUE(seen["data"] == std::set<Rule>{Rule::kTensorOutOfBounds});
}

TEST(TruncationTest, CutInsideAFieldPointsAtTheField) {
  const Sample s = MakeSample();
  const auto bytes = std::span(s.bytes.bytes());

  // Three bytes short of the end of the last tensor info: inside the offset
  // field of tensor "b", which starts 8 bytes before the infos end.
  auto in_offset = Parse(bytes.first(s.padding_at - 3));
  EXPECT_EQ(in_offset.error.rule, Rule::kTruncated) << in_offset.error.ToString();
  EXPECT_EQ(in_offset.error.offset, s.padding_at - 8);

  // Inside the bytes of a token string: its length promises more than is left.
  auto in_string = Parse(bytes.first(s.third_token_at + 8 + 2));
  EXPECT_EQ(in_string.error.rule, Rule::kStringTooLong) << in_string.error.ToString();
  EXPECT_EQ(in_string.error.offset, s.third_token_at);

  // Inside the magic and the version.
  for (size_t len : {0, 1, 3}) {
    auto p = Parse(bytes.first(len));
    EXPECT_EQ(p.error.rule, Rule::kTruncated);
    EXPECT_EQ(p.error.offset, 0u);
  }
  auto in_version = Parse(bytes.first(6));
  EXPECT_EQ(in_version.error.rule, Rule::kTruncated);
  EXPECT_EQ(in_version.error.offset, 4u);
}

}  // namespace
}  // namespace llmcore::gguf
