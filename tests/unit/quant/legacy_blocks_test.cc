// The 32-element types (q8_0, q4_0, q4_1, q5_0, q5_1): blocks built by hand
// byte by byte decode to the floats computed by hand, and hand-picked inputs
// encode to the bytes computed by hand from ggml's reference rounding rules.
#include <gtest/gtest.h>

#include <vector>

#include "llmcore/quant/quantize.h"
#include "quant_test_util.h"

namespace llmcore::quant {
namespace {

using testing::Bytes;
using testing::Decode;
using testing::Encode;
using testing::PutByte;
using testing::PutU16;

// --- q8_0: { f16 d; int8 q[32]; } ----------------------------------------------

TEST(Q8_0, EncodesAHandComputedBlock) {
  // max |x| = 127, so d = 1 (f16 0x3C00) and q = round-half-away(x).
  std::vector<float> x(32, 0.0f);
  x[0] = 127.0f;
  x[1] = -127.0f;
  x[2] = 0.5f;     // -> 1
  x[3] = -0.5f;    // -> -1
  x[4] = 1.5f;     // -> 2
  x[5] = 2.5f;     // -> 3 (away from zero, not to even)
  x[6] = -2.5f;    // -> -3
  x[7] = 2.49f;    // -> 2
  x[31] = 100.2f;  // -> 100
  std::vector<std::byte> expected = Bytes({0x00, 0x3C, 127, 0x81, 1, 0xFF, 2, 3, 0xFD, 2});
  expected.resize(34, std::byte{0});
  expected[33] = std::byte{100};
  EXPECT_EQ(Encode(TensorType::kQ8_0, x), expected);

  std::vector<float> decoded = Decode(TensorType::kQ8_0, expected);
  EXPECT_EQ(decoded[0], 127.0f);
  EXPECT_EQ(decoded[1], -127.0f);
  EXPECT_EQ(decoded[5], 3.0f);
  EXPECT_EQ(decoded[31], 100.0f);
}

TEST(Q8_0, ZeroBlockHasZeroScale) {
  EXPECT_EQ(Encode(TensorType::kQ8_0, std::vector<float>(32, 0.0f)),
            std::vector<std::byte>(34, std::byte{0}));
}

// --- q4_0: { f16 d; u8 qs[16]; }, x = (q - 8) * d ---------------------------------

TEST(Q4_0, EncodesAHandComputedBlock) {
  // The largest magnitude is -8 (first of -8 and 8), so d = -8 / -8 = 1 and
  // q = min(15, trunc(x + 8.5)).
  std::vector<float> x(32, 0.0f);
  x[0] = -8.0f;   // 0
  x[1] = 8.0f;    // 16.5 -> clamped to 15
  x[3] = 0.5f;    // 9
  x[4] = -0.5f;   // 8
  x[5] = 1.6f;    // 10
  x[16] = 7.0f;   // 15
  x[17] = -3.0f;  // 5
  x[18] = 0.49f;  // 8
  // Low nibbles hold elements 0-15, high nibbles elements 16-31; zeros -> 8.
  std::vector<std::byte> expected = Bytes({0x00, 0x3C, 0xF0, 0x5F, 0x88, 0x89, 0x88, 0x8A, 0x88,
                                           0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88});
  EXPECT_EQ(Encode(TensorType::kQ4_0, x), expected);

  std::vector<float> decoded = Decode(TensorType::kQ4_0, expected);
  EXPECT_EQ(decoded[0], -8.0f);
  EXPECT_EQ(decoded[1], 7.0f);
  EXPECT_EQ(decoded[5], 2.0f);
  EXPECT_EQ(decoded[16], 7.0f);
  EXPECT_EQ(decoded[17], -3.0f);
  EXPECT_EQ(decoded[2], 0.0f);
}

TEST(Q4_0, PositiveMaximumGivesNegativeScale) {
  // max = 4 -> d = -0.5 (f16 0xB800), 1/d = -2.
  std::vector<float> x(32, 0.0f);
  x[0] = 4.0f;    // -8 + 8.5 -> 0
  x[1] = -4.0f;   // 8 + 8.5 = 16.5 -> 15
  x[2] = 1.0f;    // -2 + 8.5 = 6.5 -> 6
  x[16] = -1.0f;  // 2 + 8.5 = 10.5 -> 10
  std::vector<std::byte> expected = Bytes({0x00, 0xB8, 0x80, 0x8F, 0x86});
  expected.resize(18, std::byte{0x88});
  expected[2] = std::byte{0xA0};
  EXPECT_EQ(Encode(TensorType::kQ4_0, x), expected);
  EXPECT_EQ(Decode(TensorType::kQ4_0, expected)[0], 4.0f);
}

// --- q4_1: { f16 d; f16 m; u8 qs[16]; }, x = q * d + m --------------------------

TEST(Q4_1, DecodesAHandBuiltBlock) {
  std::vector<std::byte> block(20, std::byte{0});
  PutU16(block, 0, 0x3800);      // d = 0.5
  PutU16(block, 2, 0xBC00);      // m = -1
  PutByte(block, 4 + 0, 0x3A);   // element 0: 10, element 16: 3
  PutByte(block, 4 + 15, 0xF0);  // element 15: 0, element 31: 15
  const std::vector<float> y = Decode(TensorType::kQ4_1, block);
  ASSERT_EQ(y.size(), 32u);
  EXPECT_EQ(y[0], 4.0f);    // 10 * 0.5 - 1
  EXPECT_EQ(y[16], 0.5f);   // 3 * 0.5 - 1
  EXPECT_EQ(y[15], -1.0f);  // 0 * 0.5 - 1
  EXPECT_EQ(y[31], 6.5f);   // 15 * 0.5 - 1
  for (int i : {1, 2, 14, 17, 30}) EXPECT_EQ(y[i], -1.0f) << i;
}

TEST(Q4_1, EncodesAHandComputedBlock) {
  // min -1 and max 6.5 give d = 7.5 / 15 = 0.5 (f16 0x3800), m = -1 (0xBC00),
  // 1/d = 2 and q = min(15, trunc((x + 1) * 2 + 0.5)).
  std::vector<float> x(32, -1.0f);  // -> 0
  x[0] = 4.0f;                      // 10.5 -> 10
  x[1] = 6.5f;                      // 15.5 -> 15
  x[2] = 0.74f;                     // 3.98 -> 3
  x[3] = 0.76f;                     // 4.02 -> 4
  x[16] = 0.5f;                     // 3.5 -> 3
  x[17] = -0.76f;                   // 0.98 -> 0
  x[31] = 5.9f;                     // 14.3 -> 14
  std::vector<std::byte> expected = Bytes({0x00, 0x38, 0x00, 0xBC, 0x3A, 0x0F, 0x03, 0x04});
  expected.resize(20, std::byte{0});
  expected[4 + 15] = std::byte{0xE0};
  EXPECT_EQ(Encode(TensorType::kQ4_1, x), expected);
}

// --- q5_0: { f16 d; u8 qh[4]; u8 qs[16]; }, x = (q - 16) * d --------------------

TEST(Q5_0, DecodesAHandBuiltBlock) {
  std::vector<std::byte> block(22, std::byte{0});
  PutU16(block, 0, 0x3400);  // d = 0.25
  // qh (little-endian u32): bit j is bit 4 of element j. Every element has
  // it except elements 1 and 16.
  for (int i = 0; i < 4; ++i) PutByte(block, 2 + i, 0xFF);
  PutByte(block, 2, 0xFD);       // clears bit 1
  PutByte(block, 2 + 2, 0xFE);   // clears bit 16
  PutByte(block, 6 + 0, 0x0F);   // element 0: low 15, element 16: low 0
  PutByte(block, 6 + 1, 0x0F);   // element 1: low 15, element 17: low 0
  PutByte(block, 6 + 15, 0x10);  // element 15: low 0, element 31: low 1
  const std::vector<float> y = Decode(TensorType::kQ5_0, block);
  ASSERT_EQ(y.size(), 32u);
  EXPECT_EQ(y[0], 3.75f);   // (31 - 16) * 0.25
  EXPECT_EQ(y[1], -0.25f);  // (15 - 16) * 0.25
  EXPECT_EQ(y[16], -4.0f);  // (0 - 16) * 0.25
  EXPECT_EQ(y[17], 0.0f);   // (16 - 16) * 0.25
  EXPECT_EQ(y[31], 0.25f);  // (17 - 16) * 0.25
  EXPECT_EQ(y[15], 0.0f);   // 16
}

TEST(Q5_0, EncodesAHandComputedBlock) {
  // The largest magnitude is -4, so d = -4 / -16 = 0.25 (f16 0x3400), 1/d = 4
  // and q = min(31, trunc(4x + 16.5)).
  std::vector<float> x(32, 0.0f);  // -> 16
  x[0] = -4.0f;                    // 0.5 -> 0
  x[1] = 3.75f;                    // 31.5 -> 31
  x[2] = 0.1f;                     // 16.9 -> 16
  x[3] = -0.13f;                   // 15.98 -> 15
  x[16] = 4.0f;                    // 32.5 -> clamped to 31
  x[17] = -2.0f;                   // 8.5 -> 8
  x[31] = 0.125f;                  // 17 -> 17
  // Bit 4 is set for every element but 0, 3 and 17.
  const uint32_t qh = 0xFFFFFFFFu & ~(1u << 0) & ~(1u << 3) & ~(1u << 17);
  std::vector<std::byte> expected =
      Bytes({0x00, 0x34, static_cast<int>(qh & 0xFF), static_cast<int>((qh >> 8) & 0xFF),
             static_cast<int>((qh >> 16) & 0xFF), static_cast<int>(qh >> 24)});
  // Low nibbles: element j in qs[j] bits 0-3, element j + 16 in bits 4-7.
  expected.resize(22, std::byte{0x00});  // 16 -> nibble 0
  expected[6 + 0] = std::byte{0xF0};     // element 0: 0 (nibble 0), element 16: 31 (nibble F)
  expected[6 + 1] = std::byte{0x8F};     // element 1: 31, element 17: 8
  expected[6 + 3] = std::byte{0x0F};     // element 3: 15
  expected[6 + 15] = std::byte{0x10};    // element 31: 17
  EXPECT_EQ(Encode(TensorType::kQ5_0, x), expected);
}

// --- q5_1: { f16 d; f16 m; u8 qh[4]; u8 qs[16]; }, x = q * d + m -------------------

TEST(Q5_1, DecodesAHandBuiltBlock) {
  std::vector<std::byte> block(24, std::byte{0});
  PutU16(block, 0, 0x3C00);      // d = 1
  PutU16(block, 2, 0x3800);      // m = 0.5
  PutByte(block, 4, 0x21);       // qh bits 0 and 5: elements 0 and 5 have bit 4
  PutByte(block, 4 + 3, 0x80);   // qh bit 31: element 31
  PutByte(block, 8 + 0, 0x0F);   // element 0: low 15
  PutByte(block, 8 + 4, 0x10);   // element 20: low 1
  PutByte(block, 8 + 15, 0x20);  // element 31: low 2
  const std::vector<float> y = Decode(TensorType::kQ5_1, block);
  ASSERT_EQ(y.size(), 32u);
  EXPECT_EQ(y[0], 31.5f);   // 31 * 1 + 0.5
  EXPECT_EQ(y[5], 16.5f);   // 16
  EXPECT_EQ(y[20], 1.5f);   // 1
  EXPECT_EQ(y[31], 18.5f);  // 18
  for (int i : {1, 4, 16, 30}) EXPECT_EQ(y[i], 0.5f) << i;
}

TEST(Q5_1, EncodesAHandComputedBlock) {
  // min 0.5 and max 16 give d = 15.5 / 31 = 0.5 (f16 0x3800), m = 0.5, 1/d = 2
  // and q = trunc((x - 0.5) * 2 + 0.5).
  std::vector<float> x(32, 0.5f);  // -> 0
  x[0] = 16.0f;                    // 31.5 -> 31
  x[1] = 8.5f;                     // 16.5 -> 16
  x[2] = 8.2f;                     // 15.9 -> 15
  x[16] = 1.0f;                    // 1.5 -> 1
  x[17] = 8.76f;                   // 17.02 -> 17
  const uint32_t qh = (1u << 0) | (1u << 1) | (1u << 17);
  std::vector<std::byte> expected = Bytes(
      {0x00, 0x38, 0x00, 0x38, static_cast<int>(qh & 0xFF), static_cast<int>((qh >> 8) & 0xFF),
       static_cast<int>((qh >> 16) & 0xFF), static_cast<int>(qh >> 24)});
  expected.resize(24, std::byte{0});
  expected[8 + 0] = std::byte{0x1F};  // element 0: 31 -> F, element 16: 1
  expected[8 + 1] = std::byte{0x10};  // element 1: 16 -> 0, element 17: 17 -> 1
  expected[8 + 2] = std::byte{0x0F};  // element 2: 15
  EXPECT_EQ(Encode(TensorType::kQ5_1, x), expected);
}

}  // namespace
}  // namespace llmcore::quant
