// The codec table and the checked API over it: every supported type has an
// entry with ggml's block layout; the hot-path function pointers agree with
// Quantize/Dequantize; dot follows the documented accumulation exactly and
// stays within its stated error bound; sizes that are not whole blocks, wrong
// byte counts and types without a codec are refused; non-finite inputs give
// defined blocks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "llmcore/quant/codec.h"
#include "llmcore/quant/quantize.h"
#include "quant_test_util.h"

namespace llmcore::quant {
namespace {

using testing::Decode;
using testing::Encode;
using testing::WeightLikeValues;
using testing::WideRandomValues;

struct Layout {
  TensorType type;
  uint32_t block_elements;
  uint32_t block_bytes;
};

// ggml's block layouts, written out by hand (ggml-common.h's block_* structs).
constexpr Layout kLayouts[] = {
    {TensorType::kF32, 1, 4},      {TensorType::kF16, 1, 2},      {TensorType::kQ4_0, 32, 18},
    {TensorType::kQ4_1, 32, 20},   {TensorType::kQ5_0, 32, 22},   {TensorType::kQ5_1, 32, 24},
    {TensorType::kQ8_0, 32, 34},   {TensorType::kQ4_K, 256, 144}, {TensorType::kQ5_K, 256, 176},
    {TensorType::kQ6_K, 256, 210}, {TensorType::kBF16, 1, 2},
};

std::string NameOf(TensorType type) {
  return std::string(Traits(type).name);
}

TEST(CodecTable, EverySupportedTypeHasAnEntryWithGgmlsLayout) {
  const auto codecs = ReferenceCodecs();
  ASSERT_EQ(codecs.size(), std::size(kLayouts));
  for (size_t i = 0; i < codecs.size(); ++i) {
    SCOPED_TRACE(NameOf(kLayouts[i].type));
    EXPECT_EQ(codecs[i].type, kLayouts[i].type);  // in type-id order
    EXPECT_EQ(codecs[i].block_elements, kLayouts[i].block_elements);
    EXPECT_EQ(codecs[i].block_bytes, kLayouts[i].block_bytes);
    EXPECT_EQ(codecs[i].block_elements, Traits(codecs[i].type).block_elements);
    EXPECT_EQ(codecs[i].block_bytes, Traits(codecs[i].type).block_bytes);
    EXPECT_STREQ(codecs[i].variant, "reference");
    EXPECT_NE(codecs[i].to_float, nullptr);
    EXPECT_NE(codecs[i].from_float, nullptr);
    EXPECT_NE(codecs[i].dot, nullptr);
    EXPECT_EQ(FindReferenceCodec(codecs[i].type), &codecs[i]);
    EXPECT_TRUE(IsSupported(codecs[i].type));
  }
}

TEST(CodecTable, FindCodecGivesAnEntryOfTheTypeOrNull) {
  for (uint32_t id = 0; id < 64; ++id) {
    const auto traits = LookupTensorType(id);
    if (!traits) continue;
    const bool supported = std::any_of(std::begin(kLayouts), std::end(kLayouts),
                                       [&](const Layout& l) { return l.type == traits->type; });
    const Codec* codec = FindCodec(traits->type);
    SCOPED_TRACE(std::string(traits->name));
    ASSERT_EQ(codec != nullptr, supported);
    EXPECT_EQ(FindReferenceCodec(traits->type) != nullptr, supported);
    if (codec == nullptr) continue;
    EXPECT_EQ(codec->type, traits->type);
    EXPECT_EQ(codec->block_bytes, traits->block_bytes);
    EXPECT_NE(codec->variant, nullptr);
  }
  EXPECT_EQ(FindCodec(static_cast<TensorType>(64)), nullptr);
  EXPECT_EQ(FindCodec(static_cast<TensorType>(0xFFFFFFFFu)), nullptr);
  EXPECT_EQ(FindReferenceCodec(static_cast<TensorType>(1000)), nullptr);
}

// Row lengths exercising a few blocks; for the plain types also a partial
// run of 32 in the dot product.
int64_t TestLength(const Codec& codec) {
  return codec.block_elements == 1 ? 1000 : 4 * static_cast<int64_t>(codec.block_elements) * 8;
}

TEST(CodecTable, FunctionPointersMatchTheCheckedApi) {
  for (const Codec& reference : ReferenceCodecs()) {
    SCOPED_TRACE(NameOf(reference.type));
    const int64_t n = TestLength(reference);
    const auto x = WeightLikeValues(static_cast<size_t>(n), 41);
    const auto bytes = Encode(reference.type, x);
    std::vector<std::byte> from_float(bytes.size());
    reference.from_float(x.data(), from_float.data(), n);
    EXPECT_EQ(from_float, bytes);

    // Every variant decodes to the reference's floats bit for bit.
    const auto expected = Decode(reference.type, bytes);
    std::vector<float> y(static_cast<size_t>(n));
    FindCodec(reference.type)->to_float(bytes.data(), y.data(), n);
    EXPECT_EQ(std::memcmp(y.data(), expected.data(), y.size() * sizeof(float)), 0);
  }
}

// The reference accumulation of codec.h, written out over Dequantize's
// floats: f32 products, f32 sums per block (runs of 32 for plain types) in
// element order, a double across blocks, rounded to f32 at the end.
float DocumentedDot(const Codec& codec, const std::vector<float>& w, const std::vector<float>& x) {
  const size_t run = codec.block_elements == 1 ? 32 : codec.block_elements;
  double total = 0.0;
  for (size_t begin = 0; begin < w.size(); begin += run) {
    float sum = 0.0f;
    for (size_t i = begin; i < std::min(w.size(), begin + run); ++i) {
      const float product = w[i] * x[i];
      sum = sum + product;
    }
    total += sum;
  }
  return static_cast<float>(total);
}

TEST(CodecTable, DotFollowsTheDocumentedAccumulation) {
  for (const Codec& reference : ReferenceCodecs()) {
    SCOPED_TRACE(NameOf(reference.type));
    const int64_t n = TestLength(reference);
    const auto bytes = Encode(reference.type, WeightLikeValues(static_cast<size_t>(n), 42));
    const auto w = Decode(reference.type, bytes);
    const auto x = WideRandomValues(static_cast<size_t>(n), 43);

    const float dot = reference.dot(bytes.data(), x.data(), n);
    EXPECT_EQ(dot, DocumentedDot(reference, w, x));
    auto checked = Dot(reference.type, bytes, x);
    ASSERT_TRUE(checked.ok()) << checked.status().ToString();
    EXPECT_EQ(*checked, dot);

    // Error bounds of codec.h against the exact sum of the decoded products:
    // (B + 2) 2^-24 T for the reference, (n + 2) 2^-24 T for any variant.
    long double exact = 0.0L;
    long double magnitude = 0.0L;
    for (int64_t i = 0; i < n; ++i) {
      exact += static_cast<long double>(w[i]) * x[i];
      magnitude += std::fabs(static_cast<long double>(w[i]) * x[i]);
    }
    const long double u = std::ldexp(1.0L, -24);
    const auto block =
        static_cast<long double>(reference.block_elements == 1 ? 32 : reference.block_elements);
    EXPECT_LE(std::fabs(dot - exact), (block + 2) * u * magnitude);
    const float chosen = FindCodec(reference.type)->dot(bytes.data(), x.data(), n);
    EXPECT_LE(std::fabs(chosen - exact), (static_cast<long double>(n) + 2) * u * magnitude);
  }
}

TEST(CodecTable, DotOfAnEmptyRowIsZero) {
  const float x = 1.0f;
  for (const Codec& codec : ReferenceCodecs()) {
    EXPECT_EQ(codec.dot(&x, &x, 0), 0.0f) << NameOf(codec.type);
  }
}

TEST(CodecTable, KernelsNeedNoAlignment) {
  for (const Codec& codec : ReferenceCodecs()) {
    SCOPED_TRACE(NameOf(codec.type));
    const int64_t n = TestLength(codec);
    const auto x = WeightLikeValues(static_cast<size_t>(n), 44);
    const auto aligned = Encode(codec.type, x);
    // One byte past an aligned start: every multi-byte field is misaligned.
    std::vector<std::byte> buffer(aligned.size() + 1);
    codec.from_float(x.data(), buffer.data() + 1, n);
    ASSERT_EQ(std::memcmp(buffer.data() + 1, aligned.data(), aligned.size()), 0);
    std::vector<float> y(static_cast<size_t>(n));
    codec.to_float(buffer.data() + 1, y.data(), n);
    EXPECT_EQ(y, Decode(codec.type, aligned));
    EXPECT_EQ(codec.dot(buffer.data() + 1, x.data(), n), codec.dot(aligned.data(), x.data(), n));
  }
}

// --- the checked API -----------------------------------------------------------------

TEST(CheckedApi, RefusesPartialBlocksAndWrongSizes) {
  for (const Codec& codec : ReferenceCodecs()) {
    if (codec.block_elements == 1) continue;
    SCOPED_TRACE(NameOf(codec.type));
    const size_t elements = codec.block_elements;
    const size_t bytes = codec.block_bytes;
    std::vector<float> partial(elements - 1);
    std::vector<float> whole(elements);
    std::vector<std::byte> right(bytes);
    std::vector<std::byte> short_by_one(bytes - 1);
    std::vector<std::byte> two_blocks(2 * bytes);
    EXPECT_EQ(Quantize(codec.type, partial, right).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(Quantize(codec.type, whole, short_by_one).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(Quantize(codec.type, whole, two_blocks).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(Dequantize(codec.type, short_by_one, whole).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(Dequantize(codec.type, right, partial).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(Dot(codec.type, right, partial).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(Dot(codec.type, two_blocks, whole).status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(Quantize(codec.type, whole, right).ok());
    EXPECT_TRUE(Dequantize(codec.type, right, whole).ok());
    EXPECT_TRUE(Dot(codec.type, right, whole).ok());
  }
  std::vector<float> three(3);
  std::vector<std::byte> seven(7);
  EXPECT_EQ(Dequantize(TensorType::kF16, seven, three).code(), StatusCode::kInvalidArgument);
  std::vector<float> not_a_superblock(255);
  std::vector<std::byte> one_superblock(144);
  const Status s = Quantize(TensorType::kQ4_K, not_a_superblock, one_superblock);
  EXPECT_NE(s.message().find("256"), std::string::npos) << s.message();
}

TEST(CheckedApi, RefusesTypesWithoutACodec) {
  std::vector<float> x(256);
  std::vector<std::byte> out(292);
  for (TensorType type : {TensorType::kQ2_K, TensorType::kQ3_K, TensorType::kQ8_K,
                          TensorType::kQ8_1, TensorType::kIQ4_NL, TensorType::kI8}) {
    SCOPED_TRACE(NameOf(type));
    EXPECT_FALSE(IsSupported(type));
    EXPECT_EQ(Quantize(type, x, out).code(), StatusCode::kUnsupported);
    EXPECT_EQ(Dequantize(type, out, x).code(), StatusCode::kUnsupported);
    EXPECT_EQ(Dot(type, out, x).status().code(), StatusCode::kUnsupported);
    EXPECT_EQ(EncodedSize(type, 256).status().code(), StatusCode::kUnsupported);
  }
}

TEST(CheckedApi, EncodedSizeCountsWholeBlocks) {
  EXPECT_EQ(*EncodedSize(TensorType::kQ4_K, 512), 288u);
  EXPECT_EQ(*EncodedSize(TensorType::kQ6_K, 256), 210u);
  EXPECT_EQ(*EncodedSize(TensorType::kQ5_1, 64), 48u);
  EXPECT_EQ(*EncodedSize(TensorType::kF16, 3), 6u);
  EXPECT_EQ(*EncodedSize(TensorType::kQ8_0, 0), 0u);
  EXPECT_EQ(EncodedSize(TensorType::kQ5_K, 300).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodedSize(TensorType::kF32, std::numeric_limits<uint64_t>::max()).status().code(),
            StatusCode::kInvalidArgument);
}

// --- non-finite inputs ---------------------------------------------------------------

TEST(Codecs, NanInputsGiveQuantZeroInTheLegacyTypes) {
  std::vector<float> x(32, 1.0f);
  x[0] = -1.0f;
  x[3] = std::numeric_limits<float>::quiet_NaN();
  const auto q8 = Encode(TensorType::kQ8_0, x);
  EXPECT_EQ(q8[2 + 3], std::byte{0});
  EXPECT_EQ(q8[2 + 4], std::byte{127});
  EXPECT_EQ(static_cast<int>(Encode(TensorType::kQ4_0, x)[2 + 3]) & 0x0F, 0);
  // NaN is skipped by min and max, and its level is 0: the block minimum.
  EXPECT_EQ(static_cast<int>(Encode(TensorType::kQ4_1, x)[4 + 3]) & 0x0F, 0);
  EXPECT_EQ(Decode(TensorType::kQ4_1, Encode(TensorType::kQ4_1, x))[3], -1.0f);
  EXPECT_EQ(Decode(TensorType::kQ5_1, Encode(TensorType::kQ5_1, x))[3], -1.0f);
  // q5_0: level 0 is -16 d, d = -1 / -16.
  EXPECT_EQ(Decode(TensorType::kQ5_0, Encode(TensorType::kQ5_0, x))[3], -1.0f);
}

// NaN and infinities make their own block's search meaningless but never
// reach another block: a finite block encodes to the same bytes whatever
// lies next to it.
TEST(Codecs, NonFiniteInputsStayInTheirBlock) {
  constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
  constexpr float kInf = std::numeric_limits<float>::infinity();
  for (const Codec& codec : ReferenceCodecs()) {
    SCOPED_TRACE(NameOf(codec.type));
    const size_t block = codec.block_elements == 1 ? 32 : codec.block_elements;
    const auto finite = WeightLikeValues(block, 45);
    for (float bad : {kNan, kInf, -kInf}) {
      // One block of 0.5 with `bad` at two places, then the finite block.
      std::vector<float> x;
      for (size_t i = 0; i < block; ++i) x.push_back(i == 1 ? bad : i == block / 2 ? -bad : 0.5f);
      x.insert(x.end(), finite.begin(), finite.end());
      const auto both = Encode(codec.type, x);
      const auto alone = Encode(codec.type, finite);
      ASSERT_EQ(both.size(), 2 * alone.size());
      EXPECT_TRUE(std::equal(alone.begin(), alone.end(),
                             both.begin() + static_cast<ptrdiff_t>(alone.size())));
      // Decoding and dot products of such blocks are defined too.
      const auto y = Decode(codec.type, both);
      EXPECT_EQ(y.size(), x.size());
      EXPECT_TRUE(Dot(codec.type, both, x).ok());
    }
  }
}

TEST(Codecs, EncodingDecodedValuesGivesTheSameBytesForTheLegacyTypes) {
  // Decoded values lie on their block's grid, so encoding them finds the same
  // grid again (for the K-quants the scale search may settle elsewhere).
  const auto x = WideRandomValues(256 * 8, 5);
  for (auto type : {TensorType::kF32, TensorType::kF16, TensorType::kBF16, TensorType::kQ8_0,
                    TensorType::kQ4_0, TensorType::kQ4_1, TensorType::kQ5_0, TensorType::kQ5_1}) {
    const auto bytes = Encode(type, x);
    EXPECT_EQ(Encode(type, Decode(type, bytes)), bytes) << NameOf(type);
  }
}

TEST(Codecs, F32IsCopiedExactly) {
  const std::vector<float> x = {1.0f, -0.0f, std::numeric_limits<float>::max(),
                                std::ldexp(1.0f, -149)};
  const auto bytes = Encode(TensorType::kF32, x);
  ASSERT_EQ(bytes.size(), 16u);
  EXPECT_EQ(std::memcmp(bytes.data(), x.data(), 16), 0);
  EXPECT_EQ(Decode(TensorType::kF32, bytes), x);
}

}  // namespace
}  // namespace llmcore::quant
