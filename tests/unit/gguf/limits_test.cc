// Absurd counts and lengths fail before anything is sized from them, and every
// ReadLimits field is honoured exactly at its boundary.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "allocation_tracker.h"
#include "gguf_bytes.h"
#include "llmcore/gguf/reader.h"

namespace llmcore::gguf {
namespace {

using testing::GgufBytes;
using testing::LargestAllocation;
using testing::Parse;

constexpr uint64_t kHuge = uint64_t{1} << 63;

// Parsing a file of a few dozen bytes may allocate its buffers and messages,
// never anything sized by a count from the file.
constexpr size_t kSmallAllocation = 4096;

struct Absurd {
  const char* name;
  Rule rule;
  uint64_t offset;
  GgufBytes (*make)();
};

GgufBytes KeyWithArray(ValueType element_type, uint64_t count) {
  GgufBytes b;
  b.Header(0, 1).Key("x", ValueType::kArray).ArrayOf(element_type, count).Zeros(16);
  return b;
}

const Absurd kAbsurd[] = {
    {"TensorCount", Rule::kTooManyTensors, 8,
     [] { return GgufBytes().Header(kHuge, 0).Zeros(64); }},
    {"TensorCountMax", Rule::kTooManyTensors, 8,
     [] { return GgufBytes().Header(UINT64_MAX, 0).Zeros(64); }},
    {"KeyCount", Rule::kTooManyKeys, 16, [] { return GgufBytes().Header(0, kHuge).Zeros(64); }},
    {"KeyLength", Rule::kStringTooLong, 24,
     [] { return GgufBytes().Header(0, 1).U64(kHuge).Zeros(64); }},
    {"StringValueLength", Rule::kStringTooLong, 24 + 9 + 4,
     [] { return GgufBytes().Header(0, 1).Key("x", ValueType::kString).U64(kHuge).Zeros(16); }},
    {"Uint8ArrayCount", Rule::kArrayTooLong, 24 + 9 + 4 + 4,
     [] { return KeyWithArray(ValueType::kUint8, kHuge); }},
    {"Uint64ArrayCount", Rule::kArrayTooLong, 24 + 9 + 4 + 4,
     [] { return KeyWithArray(ValueType::kUint64, kHuge); }},
    {"BoolArrayCount", Rule::kArrayTooLong, 24 + 9 + 4 + 4,
     [] { return KeyWithArray(ValueType::kBool, kHuge); }},
    {"StringArrayCount", Rule::kArrayTooLong, 24 + 9 + 4 + 4,
     [] { return KeyWithArray(ValueType::kString, kHuge); }},
    {"ArrayArrayCount", Rule::kArrayTooLong, 24 + 9 + 4 + 4,
     [] { return KeyWithArray(ValueType::kArray, kHuge); }},
    {"ArrayCountMax", Rule::kArrayTooLong, 24 + 9 + 4 + 4,
     [] { return KeyWithArray(ValueType::kUint8, UINT64_MAX); }},
    {"TensorNameLength", Rule::kStringTooLong, 24,
     [] { return GgufBytes().Header(1, 0).U64(kHuge).Zeros(64); }},
    {"TensorDimension", Rule::kElementCountOverflow, 24 + 9 + 4,
     [] {
       GgufBytes b;
       b.Header(1, 0).Str("w").U32(1).U64(kHuge).U32(0).U64(0).Zeros(32);
       return b;
     }},
};

class AbsurdCountTest : public ::testing::TestWithParam<Absurd> {};

TEST_P(AbsurdCountTest, FailsWithoutAllocating) {
  const Absurd& a = GetParam();
  const GgufBytes bytes = a.make();
  LargestAllocation largest;
  auto parsed = Parse(bytes.bytes());
  ASSERT_FALSE(parsed.file.ok());
  EXPECT_EQ(parsed.error.rule, a.rule) << parsed.error.ToString();
  EXPECT_EQ(parsed.error.offset, a.offset) << parsed.error.ToString();
  EXPECT_LT(largest.bytes(), kSmallAllocation);
}

INSTANTIATE_TEST_SUITE_P(Counts, AbsurdCountTest, ::testing::ValuesIn(kAbsurd),
                         [](const ::testing::TestParamInfo<Absurd>& param) {
                           return std::string(param.param.name);
                         });

TEST(AllocationTrackerTest, SeesTheAllocationsOfAValidFile) {
  // The control for FailsWithoutAllocating: a real 100000-element array is
  // allocated, and the tracker sees it.
  GgufBytes b;
  b.Header(0, 1).Key("x", ValueType::kArray).ArrayOf(ValueType::kUint8, 100000).Zeros(100000);
  LargestAllocation largest;
  auto parsed = Parse(b.bytes());
  ASSERT_TRUE(parsed.file.ok()) << parsed.file.status().ToString();
  EXPECT_GE(largest.bytes(), 100000u);
}

TEST(BytesLeftTest, ArrayFillingTheRestOfTheFileIsAccepted) {
  GgufBytes b;
  b.Header(0, 1).Key("x", ValueType::kArray).ArrayOf(ValueType::kUint16, 5);
  for (uint16_t i = 0; i < 5; ++i) b.U16(i);
  auto parsed = Parse(b.bytes());
  ASSERT_TRUE(parsed.file.ok()) << parsed.file.status().ToString();
  EXPECT_EQ((*parsed.file->GetArray("x"))->size(), 5u);
}

TEST(BytesLeftTest, ArrayOneElementPastTheRestOfTheFileIsRejected) {
  GgufBytes b;
  b.Header(0, 1).Key("x", ValueType::kArray).ArrayOf(ValueType::kUint16, 6);
  for (uint16_t i = 0; i < 5; ++i) b.U16(i);
  auto parsed = Parse(b.bytes());
  ASSERT_FALSE(parsed.file.ok());
  EXPECT_EQ(parsed.error.rule, Rule::kArrayTooLong);
  EXPECT_EQ(parsed.error.offset, 24u + 9 + 4 + 4);
}

// A file with `n_keys` uint8 keys named k0, k1, ... and `n_tensors` f32 [8]
// tensors named t0, t1, ...
GgufBytes Counted(uint64_t n_tensors, uint64_t n_keys) {
  GgufBytes b;
  b.Header(n_tensors, n_keys);
  for (uint64_t i = 0; i < n_keys; ++i) b.Key("k" + std::to_string(i), ValueType::kUint8).U8(1);
  for (uint64_t i = 0; i < n_tensors; ++i) {
    b.Tensor("t" + std::to_string(i), {8}, TensorType::kF32, 32 * i);
  }
  b.PadTo(32).Zeros(32 * n_tensors);
  return b;
}

TEST(ReadLimitsTest, MaxTensors) {
  const GgufBytes b = Counted(3, 0);
  ReadLimits limits;
  limits.max_tensors = 3;
  EXPECT_TRUE(Parse(b.bytes(), limits).file.ok());
  limits.max_tensors = 2;
  auto parsed = Parse(b.bytes(), limits);
  ASSERT_FALSE(parsed.file.ok());
  EXPECT_EQ(parsed.error.rule, Rule::kTooManyTensors);
  EXPECT_EQ(parsed.error.offset, 8u);
}

TEST(ReadLimitsTest, MaxKeys) {
  const GgufBytes b = Counted(0, 3);
  ReadLimits limits;
  limits.max_keys = 3;
  EXPECT_TRUE(Parse(b.bytes(), limits).file.ok());
  limits.max_keys = 2;
  auto parsed = Parse(b.bytes(), limits);
  ASSERT_FALSE(parsed.file.ok());
  EXPECT_EQ(parsed.error.rule, Rule::kTooManyKeys);
  EXPECT_EQ(parsed.error.offset, 16u);
}

TEST(ReadLimitsTest, MaxStringBytesAppliesToKeys) {
  GgufBytes b;
  b.Header(0, 1).KeyU32("123456789", 1);
  ReadLimits limits;
  limits.max_string_bytes = 9;
  EXPECT_TRUE(Parse(b.bytes(), limits).file.ok());
  limits.max_string_bytes = 8;
  auto parsed = Parse(b.bytes(), limits);
  EXPECT_EQ(parsed.error.rule, Rule::kStringTooLong);
  EXPECT_EQ(parsed.error.offset, 24u);
}

TEST(ReadLimitsTest, MaxStringBytesAppliesToValuesAndArrayElements) {
  GgufBytes b;
  b.Header(0, 2).KeyStr("a", "1234");
  const uint64_t array_at = b.size();
  b.Key("b", ValueType::kArray).ArrayOf(ValueType::kString, 2).Str("1234").Str("12345");
  ReadLimits limits;
  limits.max_string_bytes = 5;
  EXPECT_TRUE(Parse(b.bytes(), limits).file.ok());
  limits.max_string_bytes = 4;
  auto parsed = Parse(b.bytes(), limits);
  EXPECT_EQ(parsed.error.rule, Rule::kStringTooLong);
  EXPECT_EQ(parsed.error.offset, array_at + 9 + 4 + 4 + 8 + 12);  // the second element
  limits.max_string_bytes = 3;
  parsed = Parse(b.bytes(), limits);
  EXPECT_EQ(parsed.error.rule, Rule::kStringTooLong);
  EXPECT_EQ(parsed.error.offset, 24u + 9 + 4);  // the value of "a"
}

TEST(ReadLimitsTest, MaxStringBytesAppliesToTensorNames) {
  GgufBytes b;
  b.Header(1, 0).Tensor("weight", {8}, TensorType::kF32, 0).PadTo(32).Zeros(32);
  ReadLimits limits;
  limits.max_string_bytes = 6;
  EXPECT_TRUE(Parse(b.bytes(), limits).file.ok());
  limits.max_string_bytes = 5;
  auto parsed = Parse(b.bytes(), limits);
  EXPECT_EQ(parsed.error.rule, Rule::kStringTooLong);
  EXPECT_EQ(parsed.error.offset, 24u);
}

TEST(ReadLimitsTest, MaxArrayElements) {
  GgufBytes b;
  b.Header(0, 1).Key("x", ValueType::kArray).ArrayOf(ValueType::kUint8, 4).Zeros(4);
  ReadLimits limits;
  limits.max_array_elements = 4;
  EXPECT_TRUE(Parse(b.bytes(), limits).file.ok());
  limits.max_array_elements = 3;
  auto parsed = Parse(b.bytes(), limits);
  EXPECT_EQ(parsed.error.rule, Rule::kArrayTooLong);
  EXPECT_EQ(parsed.error.offset, 24u + 9 + 4 + 4);
}

// A key "x" holding arrays nested `depth` deep around one uint8.
GgufBytes Nested(uint32_t depth) {
  GgufBytes b;
  b.Header(0, 1).Key("x", ValueType::kArray);
  for (uint32_t d = 1; d < depth; ++d) b.ArrayOf(ValueType::kArray, 1);
  b.ArrayOf(ValueType::kUint8, 1).U8(5);
  return b;
}

// Where the array at `depth` (1 = the key's value) starts.
uint64_t NestedArrayAt(uint32_t depth) {
  return 24 + 9 + 4 + 12 * uint64_t{depth - 1};
}

TEST(ReadLimitsTest, MaxArrayDepth) {
  ReadLimits limits;
  limits.max_array_depth = 2;
  EXPECT_TRUE(Parse(Nested(2).bytes(), limits).file.ok());
  auto parsed = Parse(Nested(3).bytes(), limits);
  EXPECT_EQ(parsed.error.rule, Rule::kArrayNestingTooDeep);
  EXPECT_EQ(parsed.error.offset, NestedArrayAt(3));

  limits.max_array_depth = 0;
  parsed = Parse(Nested(1).bytes(), limits);
  EXPECT_EQ(parsed.error.rule, Rule::kArrayNestingTooDeep);
  EXPECT_EQ(parsed.error.offset, NestedArrayAt(1));
}

TEST(ReadLimitsTest, DefaultArrayDepthIsThree) {
  EXPECT_TRUE(Parse(Nested(3).bytes()).file.ok());
  EXPECT_EQ(Parse(Nested(4).bytes()).error.rule, Rule::kArrayNestingTooDeep);
}

TEST(ReadLimitsTest, ArrayDepthIsCappedAt32) {
  ReadLimits limits;
  limits.max_array_depth = UINT32_MAX;
  EXPECT_TRUE(Parse(Nested(32).bytes(), limits).file.ok());
  auto parsed = Parse(Nested(100000).bytes(), limits);
  EXPECT_EQ(parsed.error.rule, Rule::kArrayNestingTooDeep);
  EXPECT_EQ(parsed.error.offset, NestedArrayAt(33));
}

TEST(ReadLimitsTest, NestedArraysAreReadBack) {
  auto parsed = Parse(Nested(3).bytes());
  ASSERT_TRUE(parsed.file.ok()) << parsed.file.status().ToString();
  const Array* outer = *parsed.file->GetArray("x");
  ASSERT_EQ(outer->element_type, ValueType::kArray);
  auto level2 = outer->As<Value>();
  ASSERT_TRUE(level2.has_value());
  ASSERT_EQ(level2->size(), 1u);
  const Array* middle = (*level2)[0].AsArray();
  ASSERT_NE(middle, nullptr);
  auto level3 = middle->As<Value>();
  ASSERT_TRUE(level3.has_value());
  const Array* inner = (*level3)[0].AsArray();
  ASSERT_NE(inner, nullptr);
  ASSERT_EQ(inner->element_type, ValueType::kUint8);
  EXPECT_EQ((*inner->As<uint8_t>())[0], 5);
}

}  // namespace
}  // namespace llmcore::gguf
