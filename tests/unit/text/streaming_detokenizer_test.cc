#include "llmcore/text/streaming_detokenizer.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

#include "llmcore/testing/testing.h"
#include "llmcore/utf8.h"
#include "vocab_vectors.h"

namespace llmcore::text {
namespace {

constexpr std::string_view kMultibyteText =
    "Emoji \xF0\x9F\xA6\x99\xF0\x9F\x9A\x80 and \xF0\x9F\x98\xB6\xE2\x80\x8D\xF0\x9F\x8C\xAB\xEF"
    "\xB8\x8F, CJK \xE6\x88\x91\xE6\x83\xB3\xE5\x9C\xA8 apple \xE5\xB7\xA5\xE4\xBD\x9C, "
    "Khmer \xE1\x9E\x80\xE1\x9E\xB6\xE1\x9E\x93\xE1\x9F\x8B, Cyrillic \xD0\xBD\xD0\xB5\xD1\x89"
    "\xD0\xBE.";

struct Streamed {
  std::vector<std::string> pieces;
  bool held_back = false;  // some Push() kept bytes back
};

Streamed StreamAll(const Tokenizer& t, const std::vector<TokenId>& ids, DecodeOptions options) {
  StreamingDetokenizer detok(t, options);
  Streamed s;
  for (TokenId id : ids) {
    auto piece = detok.Push(id);
    EXPECT_TRUE(piece.ok()) << piece.status().ToString();
    if (!piece.ok()) continue;
    s.pieces.push_back(*piece);
    if (detok.pending_bytes() > 0) s.held_back = true;
  }
  s.pieces.push_back(detok.Finish());
  EXPECT_EQ(detok.pending_bytes(), 0u);
  return s;
}

class StreamingDetokenizerTest : public ::testing::TestWithParam<std::string> {};

TEST_P(StreamingDetokenizerTest, NeverEmitsPartialUtf8AndConcatenatesToDecode) {
  const std::string& name = GetParam();
  const Tokenizer* t = name == "stories260K"
                           ? testing::LoadTokenizer(llmcore::testing::BundledModelPath())
                           : testing::LoadVocab(name);
  ASSERT_NE(t, nullptr);
  auto ids = t->Encode(kMultibyteText, {.add_special = true});
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  for (bool strip : {true, false}) {
    const DecodeOptions options{.render_special = false, .strip_space_prefix = strip};
    const Streamed s = StreamAll(*t, *ids, options);
    std::string joined;
    for (const std::string& piece : s.pieces) {
      EXPECT_TRUE(IsValidUtf8(piece)) << "partial UTF-8 emitted by " << name;
      joined += piece;
    }
    auto decoded = t->Decode(*ids, options);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(joined, *decoded);
    // The text splits characters across tokens in every vocabulary used here,
    // so the hold-back path must have run.
    EXPECT_TRUE(s.held_back) << name;
  }
}

std::string ParamName(const ::testing::TestParamInfo<std::string>& param) {
  std::string name;
  for (char c : param.param) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Vocabularies, StreamingDetokenizerTest,
                         ::testing::Values("stories260K", "llama-spm", "llama-bpe", "qwen2",
                                           "gpt-2", "falcon"),
                         ParamName);

// SentencePiece byte tokens are <0xXX> = id 3 + byte in stories260K.
TokenId ByteToken(uint8_t b) {
  return 3 + b;
}

TEST(StreamingDetokenizerBytesTest, HoldsBackUntilTheCharacterIsComplete) {
  const Tokenizer* t = testing::LoadTokenizer(llmcore::testing::BundledModelPath());
  ASSERT_NE(t, nullptr);
  StreamingDetokenizer detok(*t, {});
  EXPECT_EQ(*detok.Push(ByteToken(0xF0)), "");
  EXPECT_EQ(*detok.Push(ByteToken(0x9F)), "");
  EXPECT_EQ(*detok.Push(ByteToken(0xA6)), "");
  EXPECT_EQ(detok.pending_bytes(), 3u);
  EXPECT_EQ(*detok.Push(ByteToken(0x99)), "\xF0\x9F\xA6\x99");
  EXPECT_EQ(detok.pending_bytes(), 0u);
  EXPECT_EQ(detok.Finish(), "");
}

TEST(StreamingDetokenizerBytesTest, ReplacesInvalidBytesAtOnceAndUnfinishedOnesAtFinish) {
  const Tokenizer* t = testing::LoadTokenizer(llmcore::testing::BundledModelPath());
  ASSERT_NE(t, nullptr);
  StreamingDetokenizer detok(*t, {});
  EXPECT_EQ(*detok.Push(ByteToken(0xFF)), kReplacementCharacter);
  EXPECT_EQ(*detok.Push(ByteToken(0xE2)), "");
  // '(' cannot continue E2: the held byte becomes U+FFFD, '(' follows.
  EXPECT_EQ(*detok.Push(ByteToken('(')), std::string(kReplacementCharacter) + "(");
  EXPECT_EQ(*detok.Push(ByteToken(0xE2)), "");
  EXPECT_EQ(*detok.Push(ByteToken(0x82)), "");
  EXPECT_EQ(detok.Finish(), kReplacementCharacter);
}

TEST(StreamingDetokenizerBytesTest, RejectsUnknownIdsWithoutLosingState) {
  const Tokenizer* t = testing::LoadTokenizer(llmcore::testing::BundledModelPath());
  ASSERT_NE(t, nullptr);
  StreamingDetokenizer detok(*t, {});
  EXPECT_EQ(*detok.Push(ByteToken(0xC3)), "");
  auto bad = detok.Push(100000);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(detok.pending_bytes(), 1u);
  EXPECT_EQ(*detok.Push(ByteToken(0xA9)), "\xC3\xA9");
}

TEST(StreamingDetokenizerBytesTest, SpacePrefixRuleMatchesDecode) {
  const Tokenizer* t = testing::LoadTokenizer(llmcore::testing::BundledModelPath());
  ASSERT_NE(t, nullptr);
  // BOS, " Once", " upon": stripped for a whole text, kept for a continuation.
  StreamingDetokenizer whole(*t, {.render_special = false, .strip_space_prefix = true});
  EXPECT_EQ(*whole.Push(1), "");
  EXPECT_EQ(*whole.Push(403), "Once");
  EXPECT_EQ(*whole.Push(407), " upon");
  StreamingDetokenizer continuation(*t, {.render_special = false, .strip_space_prefix = false});
  EXPECT_EQ(*continuation.Push(403), " Once");
  // Finish starts a new text.
  whole.Finish();
  EXPECT_EQ(*whole.Push(403), "Once");
}

TEST(StreamingDetokenizerBytesTest, RendersControlTokensOnlyWhenAsked) {
  const Tokenizer* t = testing::LoadTokenizer(llmcore::testing::BundledModelPath());
  ASSERT_NE(t, nullptr);
  StreamingDetokenizer hidden(*t, {.render_special = false, .strip_space_prefix = false});
  EXPECT_EQ(*hidden.Push(2), "");
  StreamingDetokenizer shown(*t, {.render_special = true, .strip_space_prefix = false});
  EXPECT_EQ(*shown.Push(2), "</s>");
}

}  // namespace
}  // namespace llmcore::text
