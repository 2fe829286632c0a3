// The value-type and tensor-type tables: ids, names and block layouts.
#include "llmcore/gguf/types.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace llmcore::gguf {
namespace {

TEST(ValueTypeTest, ValidIdsAreZeroToTwelve) {
  for (uint32_t id = 0; id <= 12; ++id) EXPECT_TRUE(IsValidValueType(id)) << id;
  EXPECT_FALSE(IsValidValueType(13));
  EXPECT_FALSE(IsValidValueType(0xFFFFFFFF));
}

TEST(ValueTypeTest, FixedSizesMatchTheSpec) {
  EXPECT_EQ(ValueTypeFixedSize(ValueType::kUint8), 1u);
  EXPECT_EQ(ValueTypeFixedSize(ValueType::kInt8), 1u);
  EXPECT_EQ(ValueTypeFixedSize(ValueType::kBool), 1u);
  EXPECT_EQ(ValueTypeFixedSize(ValueType::kUint16), 2u);
  EXPECT_EQ(ValueTypeFixedSize(ValueType::kInt16), 2u);
  EXPECT_EQ(ValueTypeFixedSize(ValueType::kUint32), 4u);
  EXPECT_EQ(ValueTypeFixedSize(ValueType::kInt32), 4u);
  EXPECT_EQ(ValueTypeFixedSize(ValueType::kFloat32), 4u);
  EXPECT_EQ(ValueTypeFixedSize(ValueType::kUint64), 8u);
  EXPECT_EQ(ValueTypeFixedSize(ValueType::kInt64), 8u);
  EXPECT_EQ(ValueTypeFixedSize(ValueType::kFloat64), 8u);
  EXPECT_EQ(ValueTypeFixedSize(ValueType::kString), 0u);
  EXPECT_EQ(ValueTypeFixedSize(ValueType::kArray), 0u);
}

TEST(ValueTypeTest, NamesAreDistinct) {
  std::set<std::string_view> names;
  for (uint32_t id = 0; id <= 12; ++id) {
    EXPECT_TRUE(names.insert(ValueTypeName(static_cast<ValueType>(id))).second) << id;
  }
  EXPECT_EQ(ValueTypeName(ValueType::kFloat32), "float32");
  EXPECT_EQ(ValueTypeName(ValueType::kString), "string");
}

TEST(TensorTypeTest, RemovedAndUnknownIdsAreRejected) {
  for (uint32_t id : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u, 40u, 1000u, 0xFFFFFFFFu}) {
    EXPECT_FALSE(LookupTensorType(id).has_value()) << id;
  }
}

TEST(TensorTypeTest, EveryKnownIdHasASaneLayoutAndItsOwnName) {
  std::set<std::string_view> names;
  int known = 0;
  for (uint32_t id = 0; id < 64; ++id) {
    auto traits = LookupTensorType(id);
    if (!traits) continue;
    ++known;
    SCOPED_TRACE(std::string(traits->name));
    EXPECT_EQ(static_cast<uint32_t>(traits->type), id);
    EXPECT_GE(traits->block_elements, 1u);
    EXPECT_GE(traits->block_bytes, 1u);
    // Block sizes are 1 (plain types), 32 or 256 (quantized types).
    EXPECT_TRUE(traits->block_elements == 1 || traits->block_elements == 32 ||
                traits->block_elements == 256);
    // No quantization takes more than 8 bits per element plus its scales.
    EXPECT_LE(traits->block_bytes, traits->block_elements * 8 + 64);
    EXPECT_TRUE(names.insert(traits->name).second);
    EXPECT_EQ(Traits(traits->type).name, traits->name);
  }
  EXPECT_EQ(known, 32);
}

TEST(TensorTypeTest, NamesRoundTripCaseInsensitively) {
  for (uint32_t id = 0; id < 64; ++id) {
    auto traits = LookupTensorType(id);
    if (!traits) continue;
    EXPECT_EQ(TensorTypeFromName(traits->name), traits->type) << traits->name;
    std::string upper(traits->name);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(TensorTypeFromName(upper), traits->type) << upper;
  }
  EXPECT_FALSE(TensorTypeFromName("q4_2").has_value());
  EXPECT_FALSE(TensorTypeFromName("").has_value());
  EXPECT_FALSE(TensorTypeFromName("f32 ").has_value());
}

TEST(TensorTypeTest, WellKnownLayouts) {
  struct Expected {
    TensorType type;
    uint32_t block_elements;
    uint32_t block_bytes;
  };
  for (const Expected& e : {
           Expected{TensorType::kF32, 1, 4}, Expected{TensorType::kF16, 1, 2},
           Expected{TensorType::kBF16, 1, 2}, Expected{TensorType::kF64, 1, 8},
           Expected{TensorType::kI8, 1, 1},
           Expected{TensorType::kQ4_0, 32, 18},  // fp16 scale + 32 nibbles
           Expected{TensorType::kQ4_1, 32, 20},  // + fp16 minimum
           Expected{TensorType::kQ8_0, 32, 34},  // fp16 scale + 32 bytes
           Expected{TensorType::kQ4_K, 256, 144}, Expected{TensorType::kQ6_K, 256, 210},
           Expected{TensorType::kQ8_K, 256, 292},
           Expected{TensorType::kMXFP4, 32, 17},  // e8m0 scale + 32 nibbles
       }) {
    const TensorTypeTraits& t = Traits(e.type);
    EXPECT_EQ(t.block_elements, e.block_elements) << t.name;
    EXPECT_EQ(t.block_bytes, e.block_bytes) << t.name;
  }
}

}  // namespace
}  // namespace llmcore::gguf
