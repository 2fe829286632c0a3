// The 256-element K-quants (q4_K, q5_K, q6_K): blocks built by hand byte by
// byte (super-block scales, packed 6-bit sub-block scales and mins, nibbles,
// high bits) decode to the floats computed by hand; inputs that lie exactly
// on a grid encode to the bytes computed by hand and decode back exactly.
#include <gtest/gtest.h>

#include <vector>

#include "llmcore/quant/quantize.h"
#include "quant_test_util.h"

namespace llmcore::quant {
namespace {

using testing::Decode;
using testing::Encode;
using testing::PutByte;
using testing::PutU16;

// The 6-bit scales and mins shared by the q4_K and q5_K blocks below:
//   sub-block 0: scale 1, min 2       sub-block 3: scale 63, min 0
//   sub-block 4: scale 17, min 33     sub-block 7: scale 40, min 5
//   others: 0, 0.
// Sub-blocks 0-3 keep 6 bits in bytes 0-3 (scales) and 4-7 (mins); 4-7 keep
// their low 4 bits in the nibbles of bytes 8-11 (scale low, min high) and
// their top 2 bits in bits 6-7 of bytes 0-3 (scales) and 4-7 (mins).
void PutSharedScales(std::vector<std::byte>& block, size_t at) {
  PutByte(block, at + 0, 0x41);   // scale 0 = 1; top bits of scale 4 (17 >> 4 = 1)
  PutByte(block, at + 3, 0xBF);   // scale 3 = 63; top bits of scale 7 (40 >> 4 = 2)
  PutByte(block, at + 4, 0x82);   // min 0 = 2; top bits of min 4 (33 >> 4 = 2)
  PutByte(block, at + 7, 0x00);   // min 3 = 0; top bits of min 7 (5 >> 4 = 0)
  PutByte(block, at + 8, 0x11);   // scale 4 low 1, min 4 low 1
  PutByte(block, at + 11, 0x58);  // scale 7 low 8, min 7 low 5
}

// --- q4_K: { f16 d; f16 dmin; u8 scales[12]; u8 qs[128]; } ------------------------

TEST(Q4_K, DecodesAHandBuiltBlock) {
  std::vector<std::byte> block(144, std::byte{0});
  PutU16(block, 0, 0x3800);  // d = 0.5
  PutU16(block, 2, 0x3400);  // dmin = 0.25
  PutSharedScales(block, 4);
  // qs at 16: sub-blocks 2k and 2k+1 share qs[32k..32k+31], low and high
  // nibbles.
  PutByte(block, 16 + 0, 0x0F);        // sub-block 0, element 0: 15
  PutByte(block, 16 + 33, 0xA0);       // sub-block 3, element 1: 10
  PutByte(block, 16 + 64 + 2, 0x07);   // sub-block 4, element 2: 7
  PutByte(block, 16 + 96 + 31, 0xC0);  // sub-block 7, element 31: 12
  const std::vector<float> y = Decode(TensorType::kQ4_K, block);
  ASSERT_EQ(y.size(), 256u);
  // x = (d * scale) * q - dmin * min.
  EXPECT_EQ(y[0], 7.0f);       // 0.5 * 15 - 0.25 * 2
  EXPECT_EQ(y[97], 315.0f);    // 31.5 * 10 - 0
  EXPECT_EQ(y[130], 51.25f);   // 8.5 * 7 - 0.25 * 33
  EXPECT_EQ(y[255], 238.75f);  // 20 * 12 - 0.25 * 5
  // Level 0 everywhere else: -dmin * min of the sub-block.
  for (int i = 1; i < 32; ++i) EXPECT_EQ(y[i], -0.5f) << i;
  for (int i = 32; i < 128; ++i) {
    if (i != 97) {
      EXPECT_EQ(y[i], 0.0f) << i;
    }
  }
  for (int i = 128; i < 160; ++i) {
    if (i != 130) {
      EXPECT_EQ(y[i], -8.25f) << i;
    }
  }
  for (int i = 160; i < 224; ++i) EXPECT_EQ(y[i], 0.0f) << i;
  for (int i = 224; i < 255; ++i) EXPECT_EQ(y[i], -1.25f) << i;
}

TEST(Q4_K, EncodesValuesOnAGridExactly) {
  // Every sub-block holds the 16 levels k * 63/64 (k = 0..15, twice): the
  // search finds step 63/64 and min 0 in each, so every 6-bit scale is 63
  // (scales[0..3] = 63 | 3 << 6, scales[8..11] = 63 & 15), every min 0,
  // d = (63/64) / 63 = 2^-6 (f16 0x2400) and dmin = 0.
  std::vector<float> x(256);
  for (int i = 0; i < 256; ++i) x[i] = static_cast<float>((i * 7) % 16) * (63.0f / 64.0f);
  std::vector<std::byte> expected(144, std::byte{0});
  PutU16(expected, 0, 0x2400);
  for (int s = 0; s < 4; ++s) PutByte(expected, 4 + s, 0xFF);
  for (int s = 8; s < 12; ++s) PutByte(expected, 4 + s, 0x0F);
  for (int pair = 0; pair < 4; ++pair) {
    for (int l = 0; l < 32; ++l) {
      const int lo = (((64 * pair + l) * 7) % 16);
      const int hi = (((64 * pair + 32 + l) * 7) % 16);
      PutByte(expected, 16 + 32 * pair + l, lo | (hi << 4));
    }
  }
  const auto bytes = Encode(TensorType::kQ4_K, x);
  EXPECT_EQ(bytes, expected);
  EXPECT_EQ(Decode(TensorType::kQ4_K, bytes), x);
}

// --- q5_K: { f16 d; f16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]; } -------------

TEST(Q5_K, DecodesAHandBuiltBlock) {
  std::vector<std::byte> block(176, std::byte{0});
  PutU16(block, 0, 0x3800);  // d = 0.5
  PutU16(block, 2, 0x3400);  // dmin = 0.25
  PutSharedScales(block, 4);
  // qh at 16: bit s of qh[l] is bit 4 of element l of sub-block s.
  PutByte(block, 16 + 0, 0x81);  // sub-block 0 and 7, element 0
  PutByte(block, 16 + 1, 0x08);  // sub-block 3, element 1
  PutByte(block, 16 + 2, 0x10);  // sub-block 4, element 2
  // qs at 48, as q4_K's.
  PutByte(block, 48 + 0, 0x0F);        // sub-block 0, element 0: low 15 (+16 = 31)
  PutByte(block, 48 + 33, 0xA0);       // sub-block 3, element 1: low 10 (+16 = 26)
  PutByte(block, 48 + 96, 0x30);       // sub-block 7, element 0: low 3 (+16 = 19)
  PutByte(block, 48 + 96 + 31, 0xC0);  // sub-block 7, element 31: 12
  const std::vector<float> y = Decode(TensorType::kQ5_K, block);
  ASSERT_EQ(y.size(), 256u);
  EXPECT_EQ(y[0], 15.0f);      // 0.5 * 31 - 0.25 * 2
  EXPECT_EQ(y[97], 819.0f);    // 31.5 * 26 - 0
  EXPECT_EQ(y[130], 127.75f);  // 8.5 * 16 - 0.25 * 33
  EXPECT_EQ(y[224], 378.75f);  // 20 * 19 - 0.25 * 5
  EXPECT_EQ(y[255], 238.75f);  // 20 * 12 - 0.25 * 5
  for (int i = 1; i < 32; ++i) EXPECT_EQ(y[i], -0.5f) << i;
  for (int i = 32; i < 128; ++i) {
    if (i != 97) {
      EXPECT_EQ(y[i], 0.0f) << i;
    }
  }
  for (int i = 128; i < 160; ++i) {
    if (i != 130) {
      EXPECT_EQ(y[i], -8.25f) << i;
    }
  }
  for (int i = 160; i < 224; ++i) EXPECT_EQ(y[i], 0.0f) << i;
  for (int i = 225; i < 255; ++i) EXPECT_EQ(y[i], -1.25f) << i;
}

TEST(Q5_K, EncodesValuesOnAGridExactly) {
  // The 32 levels k * 63/64 (k = 0..31) in every sub-block: scales 63, mins
  // 0, d = 2^-6, dmin = 0; bit 4 of each level goes to qh.
  std::vector<float> x(256);
  auto level = [](int i) { return (i * 7) % 32; };
  for (int i = 0; i < 256; ++i) x[i] = static_cast<float>(level(i)) * (63.0f / 64.0f);
  std::vector<std::byte> expected(176, std::byte{0});
  PutU16(expected, 0, 0x2400);
  for (int s = 0; s < 4; ++s) PutByte(expected, 4 + s, 0xFF);
  for (int s = 8; s < 12; ++s) PutByte(expected, 4 + s, 0x0F);
  for (int l = 0; l < 32; ++l) {
    int qh = 0;
    for (int s = 0; s < 8; ++s) qh |= (level(32 * s + l) >> 4) << s;
    PutByte(expected, 16 + l, qh);
  }
  for (int pair = 0; pair < 4; ++pair) {
    for (int l = 0; l < 32; ++l) {
      const int lo = level(64 * pair + l) & 15;
      const int hi = level(64 * pair + 32 + l) & 15;
      PutByte(expected, 48 + 32 * pair + l, lo | (hi << 4));
    }
  }
  const auto bytes = Encode(TensorType::kQ5_K, x);
  EXPECT_EQ(bytes, expected);
  EXPECT_EQ(Decode(TensorType::kQ5_K, bytes), x);
}

// --- q6_K: { u8 ql[128]; u8 qh[64]; int8 scales[16]; f16 d; } -----------------------

TEST(Q6_K, DecodesAHandBuiltBlock) {
  std::vector<std::byte> block(210, std::byte{0});
  // Sub-block scales (int8 at 192) and d = 0.5 (f16 at 208).
  const int scales[16] = {2, -3, 1, 0, 5, 0, 4, 0, -128, 0, 0, 0, 0, 0, 0, 127};
  for (int s = 0; s < 16; ++s) PutByte(block, 192 + s, scales[s] & 0xFF);
  PutU16(block, 208, 0x3800);
  // Element 128h + l + 32k (l < 32, k < 4) of half h: its low 4 bits are a
  // nibble of ql[64h + l + 32 (k % 2)] (low for k < 2, high for k >= 2), its
  // top 2 bits are bits 2k..2k+1 of qh[32h + l]. Raw levels (q + 32):
  PutByte(block, 0, 0x0F);         // element 0 (k 0): low nibble 15 ...
  PutByte(block, 128 + 0, 0x03);   // ... top bits 3: raw 63
  PutByte(block, 17, 0x00);        // element 17 (k 0): low 0 ...
  PutByte(block, 128 + 17, 0x02);  // ... top 2: raw 32
  PutByte(block, 40, 0x01);        // element 40 (l 8, k 1): low 1, top 0: raw 1
  PutByte(block, 6, 0x50);         // element 70 (l 6, k 2): high nibble 5 ...
  PutByte(block, 128 + 6, 0x30);   // ... bits 4-5 = 3: raw 53
  PutByte(block, 36, 0xA0);        // element 100 (l 4, k 3): high nibble 10 ...
  PutByte(block, 128 + 4, 0x80);   // ... bits 6-7 = 2: raw 42
  PutByte(block, 64, 0x01);        // element 128 (half 1, l 0, k 0): low 1 ...
  PutByte(block, 128 + 32, 0x02);  // ... top 2: raw 33
  PutByte(block, 127, 0xF0);       // element 255 (half 1, l 31, k 3): high 15 ...
  PutByte(block, 128 + 63, 0x40);  // ... bits 6-7 = 1: raw 31
  const std::vector<float> y = Decode(TensorType::kQ6_K, block);
  ASSERT_EQ(y.size(), 256u);
  // x = (d * scale) * (raw - 32); element e has scale scales[e / 16].
  EXPECT_EQ(y[0], 31.0f);     // 1 * 31
  EXPECT_EQ(y[17], 0.0f);     // -1.5 * 0
  EXPECT_EQ(y[40], -15.5f);   // 0.5 * -31
  EXPECT_EQ(y[70], 52.5f);    // 2.5 * 21
  EXPECT_EQ(y[100], 20.0f);   // 2 * 10
  EXPECT_EQ(y[128], -64.0f);  // -64 * 1
  EXPECT_EQ(y[255], -63.5f);  // 63.5 * -1
  // Every other element has raw level 0 (q = -32).
  for (int i = 0; i < 256; ++i) {
    if (i == 0 || i == 17 || i == 40 || i == 70 || i == 100 || i == 128 || i == 255) continue;
    EXPECT_EQ(y[i], 0.5f * static_cast<float>(scales[i / 16]) * -32.0f) << i;
  }
}

TEST(Q6_K, EncodesValuesOnAGridExactly) {
  // Every sub-block holds levels k / 8 with k in -32..31, -32 included: each
  // sub-block's scale is 1/8, the largest (positive) sets d = (1/8) / -128 =
  // -2^-10 (f16 0x9400), every 8-bit scale is -128, and raw levels are k + 32.
  std::vector<float> x(256);
  auto level = [](int i) { return i % 16 == 0 ? -32 : (i * 13) % 64 - 32; };
  for (int i = 0; i < 256; ++i) x[i] = static_cast<float>(level(i)) / 8.0f;
  std::vector<std::byte> expected(210, std::byte{0});
  for (int half = 0; half < 2; ++half) {
    for (int l = 0; l < 32; ++l) {
      int raw[4];
      for (int k = 0; k < 4; ++k) raw[k] = level(128 * half + 32 * k + l) + 32;
      PutByte(expected, 64 * half + l, (raw[0] & 15) | ((raw[2] & 15) << 4));
      PutByte(expected, 64 * half + 32 + l, (raw[1] & 15) | ((raw[3] & 15) << 4));
      PutByte(expected, 128 + 32 * half + l,
              (raw[0] >> 4) | ((raw[1] >> 4) << 2) | ((raw[2] >> 4) << 4) | ((raw[3] >> 4) << 6));
    }
  }
  for (int s = 0; s < 16; ++s) PutByte(expected, 192 + s, 0x80);
  PutU16(expected, 208, 0x9400);
  const auto bytes = Encode(TensorType::kQ6_K, x);
  EXPECT_EQ(bytes, expected);
  EXPECT_EQ(Decode(TensorType::kQ6_K, bytes), x);
}

// An all-zero super-block has zero scales, mins and levels: all zero bytes.
TEST(KQuants, ZeroBlocksAreAllZeroBytes) {
  const std::vector<float> zeros(256, 0.0f);
  EXPECT_EQ(Encode(TensorType::kQ4_K, zeros), std::vector<std::byte>(144, std::byte{0}));
  EXPECT_EQ(Encode(TensorType::kQ5_K, zeros), std::vector<std::byte>(176, std::byte{0}));
  EXPECT_EQ(Encode(TensorType::kQ6_K, zeros), std::vector<std::byte>(210, std::byte{0}));
}

}  // namespace
}  // namespace llmcore::quant
