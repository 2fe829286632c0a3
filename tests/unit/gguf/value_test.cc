// Value getters, Array, ToDisplayString, and GgufFile's typed lookups, on
// values read from hand-made files.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "gguf_bytes.h"
#include "llmcore/gguf/reader.h"

namespace llmcore::gguf {
namespace {

using testing::GgufBytes;
using testing::Parse;

Value Uint(uint64_t v, ValueType t = ValueType::kUint32) {
  return Value{t, v};
}
Value Int(int64_t v, ValueType t = ValueType::kInt32) {
  return Value{t, v};
}
Value Str(std::string s) {
  return Value{ValueType::kString, std::move(s)};
}

TEST(ValueTest, AsUintAcceptsNonNegativeIntegersOnly) {
  EXPECT_EQ(Uint(7).AsUint(), 7u);
  EXPECT_EQ(Uint(UINT64_MAX, ValueType::kUint64).AsUint(), UINT64_MAX);
  EXPECT_EQ(Int(5).AsUint(), 5u);
  EXPECT_FALSE(Int(-1).AsUint().has_value());
  EXPECT_FALSE((Value{ValueType::kFloat32, 1.0}).AsUint().has_value());
  EXPECT_FALSE((Value{ValueType::kBool, true}).AsUint().has_value());
  EXPECT_FALSE(Str("1").AsUint().has_value());
}

TEST(ValueTest, AsIntAcceptsIntegersThatFit) {
  EXPECT_EQ(Int(-3).AsInt(), -3);
  EXPECT_EQ(Uint(9).AsInt(), 9);
  const uint64_t max = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(Uint(max, ValueType::kUint64).AsInt(), static_cast<int64_t>(max));
  EXPECT_FALSE(Uint(max + 1, ValueType::kUint64).AsInt().has_value());
  EXPECT_FALSE((Value{ValueType::kFloat64, 2.0}).AsInt().has_value());
}

TEST(ValueTest, AsDoubleAcceptsFloatsAndIntegers) {
  EXPECT_EQ((Value{ValueType::kFloat64, 0.25}).AsDouble(), 0.25);
  EXPECT_EQ(Uint(3).AsDouble(), 3.0);
  EXPECT_EQ(Int(-3).AsDouble(), -3.0);
  EXPECT_FALSE((Value{ValueType::kBool, false}).AsDouble().has_value());
  EXPECT_FALSE(Str("0.5").AsDouble().has_value());
}

TEST(ValueTest, AsBoolAsStringAsArrayMatchOnlyTheirType) {
  EXPECT_EQ((Value{ValueType::kBool, true}).AsBool(), true);
  EXPECT_FALSE(Uint(1).AsBool().has_value());
  ASSERT_NE(Str("hi").AsString(), nullptr);
  EXPECT_EQ(*Str("hi").AsString(), "hi");
  EXPECT_EQ(Uint(1).AsString(), nullptr);
  EXPECT_EQ(Str("hi").AsArray(), nullptr);
}

TEST(ArrayTest, SizeAndTypedViews) {
  Array a{ValueType::kInt32, std::vector<int32_t>{1, -2, 3}};
  EXPECT_EQ(a.size(), 3u);
  auto view = a.As<int32_t>();
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ((*view)[1], -2);
  EXPECT_FALSE(a.As<uint32_t>().has_value());
  EXPECT_FALSE(a.As<std::string>().has_value());
  Array empty{ValueType::kString, std::vector<std::string>{}};
  EXPECT_EQ(empty.size(), 0u);
}

TEST(DisplayTest, Scalars) {
  EXPECT_EQ(Uint(42).ToDisplayString(), "42");
  EXPECT_EQ(Int(-7).ToDisplayString(), "-7");
  EXPECT_EQ((Value{ValueType::kBool, true}).ToDisplayString(), "true");
  EXPECT_EQ((Value{ValueType::kFloat64, 0.1}).ToDisplayString(), "0.1");
  // A float32 prints at float precision, not as its widened double.
  EXPECT_EQ((Value{ValueType::kFloat32, static_cast<double>(1e-5f)}).ToDisplayString(), "1e-05");
}

TEST(DisplayTest, StringsAreQuotedAndEscaped) {
  EXPECT_EQ(Str("llama").ToDisplayString(), "\"llama\"");
  EXPECT_EQ(Str("a\"b\\c\n\t").ToDisplayString(), "\"a\\\"b\\\\c\\n\\t\"");
  EXPECT_EQ(Str(std::string("\x01\x7f", 2)).ToDisplayString(), "\"\\x01\\x7f\"");
  // UTF-8 is kept; bytes that are not UTF-8 are escaped.
  EXPECT_EQ(Str("\xe2\x96\x81Once").ToDisplayString(), "\"\xe2\x96\x81Once\"");
  EXPECT_EQ(Str("a\xff").ToDisplayString(), "\"a\\xff\"");
}

TEST(DisplayTest, LongStringsAreCutAtACharacterBoundary) {
  // "é" is two bytes: a cut after 4 bytes would split the third one.
  EXPECT_EQ(Str("ééé").ToDisplayString(8, 5), "\"éé\"... (6 bytes)");
  EXPECT_EQ(Str("ééé").ToDisplayString(8, 6), "\"ééé\"");
  EXPECT_EQ(Str("abc").ToDisplayString(8, 0), "\"\"... (3 bytes)");
}

TEST(DisplayTest, ArraysShowTypeCountAndFirstElements) {
  Value tokens{ValueType::kArray,
               Array{ValueType::kString, std::vector<std::string>{"<unk>", "<s>", "</s>"}}};
  EXPECT_EQ(tokens.ToDisplayString(), "string[3] [\"<unk>\", \"<s>\", \"</s>\"]");
  EXPECT_EQ(tokens.ToDisplayString(2), "string[3] [\"<unk>\", \"<s>\", ...]");
  EXPECT_EQ(tokens.ToDisplayString(0), "string[3] [...]");

  Value bools{ValueType::kArray, Array{ValueType::kBool, std::vector<uint8_t>{1, 0}}};
  EXPECT_EQ(bools.ToDisplayString(), "bool[2] [true, false]");
  Value bytes{ValueType::kArray, Array{ValueType::kInt8, std::vector<int8_t>{-1, 65}}};
  EXPECT_EQ(bytes.ToDisplayString(), "int8[2] [-1, 65]");
  Value floats{ValueType::kArray, Array{ValueType::kFloat32, std::vector<float>{0.1f, -2}}};
  EXPECT_EQ(floats.ToDisplayString(), "float32[2] [0.1, -2]");
  Value empty{ValueType::kArray, Array{ValueType::kUint64, std::vector<uint64_t>{}}};
  EXPECT_EQ(empty.ToDisplayString(), "uint64[0] []");
}

TEST(DisplayTest, NestedArrays) {
  std::vector<Value> inner;
  inner.push_back(Value{ValueType::kArray, Array{ValueType::kInt32, std::vector<int32_t>{1, 2}}});
  inner.push_back(Value{ValueType::kArray, Array{ValueType::kInt32, std::vector<int32_t>{}}});
  Value nested{ValueType::kArray, Array{ValueType::kArray, std::move(inner)}};
  EXPECT_EQ(nested.ToDisplayString(), "array[2] [int32[2] [1, 2], int32[0] []]");
}

class LookupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GgufBytes b;
    b.Header(1, 6);
    b.KeyStr("general.architecture", "llama");
    b.KeyU32("llama.context_length", 128);
    b.Key("neg", ValueType::kInt32).I32(-5);
    b.Key("eps", ValueType::kFloat32).F32(0.5f);
    b.Key("flag", ValueType::kBool).U8(1);
    b.Key("list", ValueType::kArray).ArrayOf(ValueType::kUint8, 2).U8(1).U8(2);
    b.Tensor("w", {8, 2}, TensorType::kF16, 0).PadTo(32).Zeros(32);
    auto parsed = Parse(b.bytes());
    ASSERT_TRUE(parsed.file.ok()) << parsed.file.status().ToString();
    file_ = std::move(*parsed.file);
  }
  GgufFile file_;
};

TEST_F(LookupTest, TypedGettersReturnTheValues) {
  EXPECT_EQ(file_.architecture(), "llama");
  EXPECT_EQ(*file_.GetString("general.architecture"), "llama");
  EXPECT_EQ(*file_.GetUint("llama.context_length"), 128u);
  EXPECT_EQ(*file_.GetInt("llama.context_length"), 128);
  EXPECT_EQ(*file_.GetInt("neg"), -5);
  EXPECT_EQ(*file_.GetDouble("eps"), 0.5);
  EXPECT_EQ(*file_.GetDouble("llama.context_length"), 128.0);
  EXPECT_EQ(*file_.GetBool("flag"), true);
  EXPECT_EQ((*file_.GetArray("list"))->size(), 2u);
  EXPECT_EQ(file_.Find("neg")->type, ValueType::kInt32);
  EXPECT_EQ(file_.Find("absent"), nullptr);
}

TEST_F(LookupTest, MetadataKeepsFileOrderAndOffsets) {
  ASSERT_EQ(file_.metadata().size(), 6u);
  EXPECT_EQ(file_.metadata()[0].key, "general.architecture");
  EXPECT_EQ(file_.metadata()[0].file_offset, 24u);
  EXPECT_EQ(file_.metadata()[1].key, "llama.context_length");
  EXPECT_EQ(file_.metadata()[1].file_offset, 24u + 8 + 20 + 4 + 8 + 5);
  EXPECT_EQ(file_.metadata()[5].key, "list");
}

TEST_F(LookupTest, AbsentKeyIsNotFound) {
  auto r = file_.GetUint("llama.block_count");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("llama.block_count"), std::string::npos);
}

TEST_F(LookupTest, WrongTypeIsInvalidArgumentNamingKeyAndTypes) {
  auto r = file_.GetString("llama.context_length");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("llama.context_length"), std::string::npos);
  EXPECT_NE(r.status().message().find("uint32"), std::string::npos);
  EXPECT_NE(r.status().message().find("string"), std::string::npos);

  EXPECT_EQ(file_.GetUint("neg").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(file_.GetBool("llama.context_length").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(file_.GetDouble("general.architecture").status().code(), StatusCode::kInvalidArgument);
  auto a = file_.GetArray("eps");
  EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(a.status().message().find("float32"), std::string::npos);
  auto s = file_.GetString("list");
  EXPECT_NE(s.status().message().find("array of uint8"), std::string::npos) << s.status().message();
}

TEST_F(LookupTest, TensorLookup) {
  const TensorInfo* w = file_.FindTensor("w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->type, TensorType::kF16);
  EXPECT_EQ(w->n_dims, 2u);
  EXPECT_EQ(w->n_elements, 16u);
  EXPECT_EQ(w->n_bytes, 32u);
  EXPECT_EQ(w->row_bytes, 16u);
  EXPECT_EQ(w->ne[2], 1u);
  EXPECT_EQ(w->ne[3], 1u);
  EXPECT_EQ(file_.FindTensor("v"), nullptr);
}

TEST(LookupWithoutArchitectureTest, ArchitectureIsEmpty) {
  GgufBytes b;
  b.Header(0, 0);
  auto parsed = Parse(b.bytes());
  ASSERT_TRUE(parsed.file.ok());
  EXPECT_EQ(parsed.file->architecture(), "");
  EXPECT_EQ(parsed.file->alignment(), 32u);
  EXPECT_EQ(parsed.file->data_offset(), 32u);
  EXPECT_EQ(parsed.file->data_size(), 0u);
}

TEST(VersionTest, VersionTwoIsAccepted) {
  GgufBytes b;
  b.Header(0, 1, 2).KeyStr("general.name", "v2");
  auto parsed = Parse(b.bytes());
  ASSERT_TRUE(parsed.file.ok()) << parsed.file.status().ToString();
  EXPECT_EQ(parsed.file->version(), 2u);
}

}  // namespace
}  // namespace llmcore::gguf
