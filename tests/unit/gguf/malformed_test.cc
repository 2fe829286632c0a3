// The table of hand-made malformed files: at least one row per Rule, each
// asserting the rule the reader reports and the exact byte it points at.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "gguf_bytes.h"
#include "llmcore/gguf/reader.h"

namespace llmcore::gguf {
namespace {

using testing::GgufBytes;
using testing::Parse;

struct Malformed {
  std::vector<std::byte> bytes;
  uint64_t offset;  // where the reader must say the problem is
};

struct Row {
  const char* name;
  Rule rule;
  Malformed (*make)();
};

// A file with one metadata key of `type` whose value follows; `at` receives
// the offset of the value.
GgufBytes OneKey(std::string_view key, ValueType type, uint64_t* at) {
  GgufBytes b;
  b.Header(0, 1).Key(key, type);
  *at = b.size();
  return b;
}

// A file with no metadata and one tensor; the tensor info follows.
GgufBytes OneTensor() {
  GgufBytes b;
  b.Header(1, 0);
  return b;
}

const Row kRows[] = {
    {"BadMagic", Rule::kBadMagic,
     [] {
       GgufBytes b;
       b.Raw("GGUG").U32(3).U64(0).U64(0);
       return Malformed{b.bytes(), 0};
     }},
    {"BadMagicShortFile", Rule::kBadMagic,
     [] {
       GgufBytes b;
       b.Raw("GX");
       return Malformed{b.bytes(), 0};
     }},
    {"BigEndianVersion3", Rule::kBigEndian,
     [] {
       GgufBytes b;
       b.Raw("GGUF").Raw(std::string_view("\0\0\0\3", 4)).Zeros(16);
       return Malformed{b.bytes(), 4};
     }},
    {"BigEndianVersion2", Rule::kBigEndian,
     [] {
       GgufBytes b;
       b.Raw("GGUF").Raw(std::string_view("\0\0\0\2", 4)).Zeros(16);
       return Malformed{b.bytes(), 4};
     }},
    {"UnsupportedVersion1", Rule::kUnsupportedVersion,
     [] {
       GgufBytes b;
       b.Header(0, 0, 1);
       return Malformed{b.bytes(), 4};
     }},
    {"UnsupportedVersion4", Rule::kUnsupportedVersion,
     [] {
       GgufBytes b;
       b.Header(0, 0, 4);
       return Malformed{b.bytes(), 4};
     }},
    {"TruncatedInTensorCount", Rule::kTruncated,
     [] {
       GgufBytes b;
       b.Raw("GGUF").U32(3).U16(0);
       return Malformed{b.bytes(), 8};
     }},
    {"TruncatedInScalarValue", Rule::kTruncated,
     [] {
       uint64_t at;
       GgufBytes b = OneKey("general.file_type", ValueType::kUint32, &at);
       b.U16(1);
       return Malformed{b.bytes(), at};
     }},
    {"TooManyTensors", Rule::kTooManyTensors,
     [] {
       GgufBytes b;
       b.Header(1000, 0).Zeros(100);
       return Malformed{b.bytes(), 8};
     }},
    {"TooManyKeys", Rule::kTooManyKeys,
     [] {
       GgufBytes b;
       b.Header(0, 1000).Zeros(100);
       return Malformed{b.bytes(), 16};
     }},
    {"StringTooLong", Rule::kStringTooLong,
     [] {
       GgufBytes b;
       b.Header(0, 1).U64(1000).Raw("general.name").Type(ValueType::kUint8).U8(0);
       return Malformed{b.bytes(), 24};
     }},
    {"InvalidUtf8Key", Rule::kInvalidUtf8,
     [] {
       GgufBytes b;
       b.Header(0, 1).KeyU32(
           "ab\xff"
           "cd",
           1);
       return Malformed{b.bytes(), 24 + 8 + 2};
     }},
    {"InvalidUtf8KeyOverlong", Rule::kInvalidUtf8,
     [] {
       GgufBytes b;
       b.Header(0, 1).KeyU32("x\xc0\xaf", 1);  // "/" encoded in two bytes
       return Malformed{b.bytes(), 24 + 8 + 1};
     }},
    {"InvalidUtf8TensorName", Rule::kInvalidUtf8,
     [] {
       GgufBytes b = OneTensor();
       const uint64_t at = b.size();
       b.Tensor("w\xed\xa0\x80", {4}, TensorType::kF32, 0);  // a UTF-16 surrogate
       b.PadTo(32).Zeros(16);
       return Malformed{b.bytes(), at + 8 + 1};
     }},
    {"EmptyKey", Rule::kEmptyKey,
     [] {
       GgufBytes b;
       b.Header(0, 1).KeyU32("", 1);
       return Malformed{b.bytes(), 24};
     }},
    {"DuplicateKey", Rule::kDuplicateKey,
     [] {
       GgufBytes b;
       b.Header(0, 2).KeyStr("general.name", "a");
       const uint64_t at = b.size();
       b.KeyStr("general.name", "b");
       return Malformed{b.bytes(), at};
     }},
    {"UnknownValueType", Rule::kUnknownValueType,
     [] {
       GgufBytes b;
       b.Header(0, 1).Str("x").U32(13).U32(0);
       return Malformed{b.bytes(), 24 + 8 + 1};
     }},
    {"UnknownArrayElementType", Rule::kUnknownValueType,
     [] {
       uint64_t at;
       GgufBytes b = OneKey("x", ValueType::kArray, &at);
       b.U32(0xFFFFFFFF).U64(0);
       return Malformed{b.bytes(), at};
     }},
    {"InvalidBool", Rule::kInvalidBool,
     [] {
       uint64_t at;
       GgufBytes b = OneKey("tokenizer.ggml.add_bos_token", ValueType::kBool, &at);
       b.U8(2);
       return Malformed{b.bytes(), at};
     }},
    {"InvalidBoolInArray", Rule::kInvalidBool,
     [] {
       uint64_t at;
       GgufBytes b = OneKey("x", ValueType::kArray, &at);
       b.ArrayOf(ValueType::kBool, 3).U8(1).U8(0).U8(0x80);
       return Malformed{b.bytes(), at + 12 + 2};
     }},
    {"ArrayTooLong", Rule::kArrayTooLong,
     [] {
       uint64_t at;
       GgufBytes b = OneKey("x", ValueType::kArray, &at);
       b.ArrayOf(ValueType::kUint32, 1000).U32(1).U32(2);
       return Malformed{b.bytes(), at + 4};
     }},
    {"StringArrayTooLong", Rule::kArrayTooLong,
     [] {
       // 3 strings need at least 24 bytes; 20 are left.
       uint64_t at;
       GgufBytes b = OneKey("tokenizer.ggml.tokens", ValueType::kArray, &at);
       b.ArrayOf(ValueType::kString, 3).Str("abcdefghijkl");
       return Malformed{b.bytes(), at + 4};
     }},
    {"ArrayNestingTooDeep", Rule::kArrayNestingTooDeep,
     [] {
       // Depth 1, 2 and 3 are allowed by default; the depth-4 array is not.
       uint64_t at;
       GgufBytes b = OneKey("x", ValueType::kArray, &at);
       b.ArrayOf(ValueType::kArray, 1).ArrayOf(ValueType::kArray, 1).ArrayOf(ValueType::kArray, 1);
       const uint64_t deep = b.size();
       b.ArrayOf(ValueType::kUint8, 1).U8(7);
       return Malformed{b.bytes(), deep};
     }},
    {"KeyTypeMismatchScalar", Rule::kKeyTypeMismatch,
     [] {
       GgufBytes b;
       b.Header(0, 1).Key("general.alignment", ValueType::kUint64).U64(32);
       return Malformed{b.bytes(), 24 + 8 + 17};
     }},
    {"KeyTypeMismatchArrayElement", Rule::kKeyTypeMismatch,
     [] {
       uint64_t at;
       GgufBytes b = OneKey("tokenizer.ggml.scores", ValueType::kArray, &at);
       b.ArrayOf(ValueType::kFloat64, 1).F64(0.5);
       return Malformed{b.bytes(), at};
     }},
    {"KeyTypeMismatchNotArray", Rule::kKeyTypeMismatch,
     [] {
       GgufBytes b;
       b.Header(0, 1).KeyStr("tokenizer.ggml.merges", "a b");
       return Malformed{b.bytes(), 24 + 8 + 21};
     }},
    {"BadAlignment", Rule::kBadAlignment,
     [] {
       uint64_t at;
       GgufBytes b = OneKey("general.alignment", ValueType::kUint32, &at);
       b.U32(48);
       return Malformed{b.bytes(), at};
     }},
    {"BadAlignmentZero", Rule::kBadAlignment,
     [] {
       uint64_t at;
       GgufBytes b = OneKey("general.alignment", ValueType::kUint32, &at);
       b.U32(0);
       return Malformed{b.bytes(), at};
     }},
    {"EmptyTensorName", Rule::kEmptyTensorName,
     [] {
       GgufBytes b = OneTensor();
       b.Tensor("", {4}, TensorType::kF32, 0).PadTo(32).Zeros(16);
       return Malformed{b.bytes(), 24};
     }},
    {"DuplicateTensorName", Rule::kDuplicateTensorName,
     [] {
       GgufBytes b;
       b.Header(2, 0).Tensor("w", {8}, TensorType::kF32, 0);
       const uint64_t at = b.size();
       b.Tensor("w", {8}, TensorType::kF32, 32).PadTo(32).Zeros(64);
       return Malformed{b.bytes(), at};
     }},
    {"BadDimensionCountFive", Rule::kBadDimensionCount,
     [] {
       GgufBytes b = OneTensor();
       b.Str("w").U32(5).U64(1).U64(1).U64(1).U64(1).U64(1).U32(0).U64(0).Zeros(64);
       return Malformed{b.bytes(), 24 + 9};
     }},
    {"BadDimensionCountZero", Rule::kBadDimensionCount,
     [] {
       GgufBytes b = OneTensor();
       b.Str("w").U32(0).U32(0).U64(0).Zeros(64);
       return Malformed{b.bytes(), 24 + 9};
     }},
    {"ZeroDimension", Rule::kZeroDimension,
     [] {
       GgufBytes b = OneTensor();
       b.Tensor("w", {4, 0}, TensorType::kF32, 0).PadTo(32).Zeros(32);
       return Malformed{b.bytes(), 24 + 9 + 4 + 8};
     }},
    {"ElementCountOverflow", Rule::kElementCountOverflow,
     [] {
       GgufBytes b = OneTensor();
       // 2^32 * 2^31 = 2^63 does not fit in int64.
       b.Tensor("w", {uint64_t{1} << 32, uint64_t{1} << 31}, TensorType::kI8, 0).Zeros(64);
       return Malformed{b.bytes(), 24 + 9 + 4 + 8};
     }},
    {"UnknownTensorTypeRemoved", Rule::kUnknownTensorType,
     [] {
       GgufBytes b = OneTensor();
       b.Str("w").U32(1).U64(32).U32(4).U64(0).Zeros(64);  // 4 was Q4_2, removed
       return Malformed{b.bytes(), 24 + 9 + 4 + 8};
     }},
    {"UnknownTensorTypeTooLarge", Rule::kUnknownTensorType,
     [] {
       GgufBytes b = OneTensor();
       b.Str("w").U32(1).U64(32).U32(1000).U64(0).Zeros(64);
       return Malformed{b.bytes(), 24 + 9 + 4 + 8};
     }},
    {"RowNotBlockMultiple", Rule::kRowNotBlockMultiple,
     [] {
       GgufBytes b = OneTensor();
       b.Tensor("w", {48, 2}, TensorType::kQ4_0, 0).PadTo(32).Zeros(64);
       return Malformed{b.bytes(), 24 + 9 + 4 + 16};
     }},
    {"MisalignedTensorOffset", Rule::kMisalignedTensorOffset,
     [] {
       GgufBytes b = OneTensor();
       b.Tensor("w", {4}, TensorType::kF32, 16).PadTo(32).Zeros(64);
       return Malformed{b.bytes(), 24 + 9 + 4 + 8 + 4};
     }},
    {"MisalignedTensorOffsetCustomAlignment", Rule::kMisalignedTensorOffset,
     [] {
       GgufBytes b;
       b.Header(1, 1).KeyU32("general.alignment", 64);
       const uint64_t at = b.size() + 9 + 4 + 8 + 4;
       b.Tensor("w", {4}, TensorType::kF32, 32).PadTo(64).Zeros(128);
       return Malformed{b.bytes(), at};
     }},
    {"TensorOutOfBounds", Rule::kTensorOutOfBounds,
     [] {
       GgufBytes b = OneTensor();
       b.Tensor("w", {8}, TensorType::kF32, 0).PadTo(32).Zeros(31);  // needs 32
       return Malformed{b.bytes(), 24 + 9 + 4 + 8 + 4};
     }},
    {"TensorOffsetPastEnd", Rule::kTensorOutOfBounds,
     [] {
       GgufBytes b = OneTensor();
       b.Tensor("w", {8}, TensorType::kF32, uint64_t{1} << 63).PadTo(32).Zeros(32);
       return Malformed{b.bytes(), 24 + 9 + 4 + 8 + 4};
     }},
    {"TensorOffsetWraps", Rule::kTensorOutOfBounds,
     [] {
       // data offset + this offset wraps past 2^64 to a small number.
       GgufBytes b = OneTensor();
       b.Tensor("w", {8}, TensorType::kF32, ~uint64_t{31}).PadTo(32).Zeros(32);
       return Malformed{b.bytes(), 24 + 9 + 4 + 8 + 4};
     }},
    {"TensorByteCountOverflows", Rule::kTensorOutOfBounds,
     [] {
       // 2^62 f64 elements fit in int64 but take 2^65 bytes.
       GgufBytes b = OneTensor();
       b.Tensor("w", {uint64_t{1} << 62}, TensorType::kF64, 0).PadTo(32).Zeros(32);
       return Malformed{b.bytes(), 24 + 9 + 4 + 8 + 4};
     }},
    {"OverlappingTensors", Rule::kOverlappingTensors,
     [] {
       GgufBytes b;
       b.Header(2, 0).Tensor("a", {16}, TensorType::kF32, 0);  // [0, 64)
       const uint64_t at = b.size() + 9 + 4 + 8 + 4;
       b.Tensor("b", {16}, TensorType::kF32, 32).PadTo(32).Zeros(96);  // [32, 96)
       return Malformed{b.bytes(), at};
     }},
    {"OverlappingTensorsSecondInFileFirstInData", Rule::kOverlappingTensors,
     [] {
       GgufBytes b;
       b.Header(3, 0).Tensor("a", {8}, TensorType::kF32, 64);  // [64, 96)
       b.Tensor("b", {8}, TensorType::kF32, 96);               // [96, 128)
       const uint64_t at = b.size() + 9 + 4 + 8 + 4;
       b.Tensor("c", {32}, TensorType::kF32, 0).PadTo(32).Zeros(128);  // [0, 128)
       return Malformed{b.bytes(), at};
     }},
    {"OverlappingTensorsSameOffset", Rule::kOverlappingTensors,
     [] {
       GgufBytes b;
       b.Header(2, 0).Tensor("a", {8}, TensorType::kF32, 0);
       const uint64_t at = b.size() + 9 + 4 + 8 + 4;
       b.Tensor("b", {8}, TensorType::kF32, 0).PadTo(32).Zeros(32);
       return Malformed{b.bytes(), at};
     }},
};

class MalformedTest : public ::testing::TestWithParam<Row> {};

TEST_P(MalformedTest, ReportsTheRuleAtTheExactByte) {
  const Row& row = GetParam();
  const Malformed m = row.make();
  auto parsed = Parse(m.bytes);
  ASSERT_FALSE(parsed.file.ok());
  EXPECT_EQ(RuleName(parsed.error.rule), RuleName(row.rule)) << parsed.error.ToString();
  EXPECT_EQ(parsed.error.offset, m.offset) << parsed.error.ToString();
  EXPECT_FALSE(parsed.error.detail.empty());
}

TEST_P(MalformedTest, StatusCarriesTheFormatErrorText) {
  const Row& row = GetParam();
  auto parsed = Parse(row.make().bytes);
  ASSERT_FALSE(parsed.file.ok());
  const Status status = parsed.file.status();
  const bool unsupported = row.rule == Rule::kUnsupportedVersion || row.rule == Rule::kBigEndian;
  EXPECT_EQ(status.code(), unsupported ? StatusCode::kUnsupported : StatusCode::kCorrupt);
  EXPECT_EQ(status.message(), parsed.error.ToString());
  const std::string prefix = "gguf: " + std::string(RuleName(row.rule)) + ": ";
  EXPECT_EQ(status.message().rfind(prefix, 0), 0u) << status.message();
  const std::string suffix = " (at byte " + std::to_string(parsed.error.offset) + ")";
  ASSERT_GE(status.message().size(), suffix.size());
  EXPECT_EQ(status.message().substr(status.message().size() - suffix.size()), suffix);
}

INSTANTIATE_TEST_SUITE_P(Rules, MalformedTest, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row>& param) {
                           return std::string(param.param.name);
                         });

TEST(MalformedTableTest, EveryRuleHasARow) {
  std::set<Rule> covered;
  for (const Row& row : kRows) covered.insert(row.rule);
  for (Rule rule : AllRules()) {
    EXPECT_TRUE(covered.contains(rule)) << "no malformed file for rule " << RuleName(rule);
  }
}

TEST(MalformedTableTest, RuleNamesAreDistinctKebabCase) {
  std::set<std::string_view> names;
  for (Rule rule : AllRules()) {
    const std::string_view name = RuleName(rule);
    EXPECT_TRUE(names.insert(name).second) << name;
    EXPECT_NE(name, "unknown-rule");
    for (char c : name) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '-' || (c >= '0' && c <= '9'));
  }
}

TEST(MalformedTableTest, FormatErrorToStringHasTheDocumentedShape) {
  FormatError error{Rule::kTensorOutOfBounds, 1234, "tensor 'w' ends past the end"};
  EXPECT_EQ(error.ToString(),
            "gguf: tensor-out-of-bounds: tensor 'w' ends past the end (at byte 1234)");
}

}  // namespace
}  // namespace llmcore::gguf
