// A vocabulary comes from a model file: every inconsistency must be refused
// with an error that names it, and nothing a vocabulary holds may crash the
// tokenizer. One test per validation rule.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "llmcore/gguf/reader.h"
#include "llmcore/gguf/writer.h"
#include "llmcore/testing/testing.h"
#include "llmcore/text/tokenizer.h"

namespace llmcore::text {
namespace {

using ::testing::HasSubstr;

constexpr int32_t kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kByte = 6;

// A small valid SentencePiece vocabulary: <unk> <s> </s>, 256 byte tokens,
// then a few pieces.
VocabularySpec SpmSpec() {
  VocabularySpec spec;
  spec.model = "llama";
  auto add = [&spec](std::string text, int32_t type, float score) {
    spec.tokens.push_back(std::move(text));
    spec.token_types.push_back(type);
    spec.scores.push_back(score);
  };
  add("<unk>", kUnknown, 0);
  add("<s>", kControl, 0);
  add("</s>", kControl, 0);
  for (int b = 0; b < 256; ++b) {
    char text[8];
    std::snprintf(text, sizeof(text), "<0x%02X>", b);
    add(text, kByte, 0);
  }
  add("\xE2\x96\x81", kNormal, -1);  // ▁
  add("a", kNormal, -2);
  add("b", kNormal, -2);
  add("\xE2\x96\x81"
      "a",
      kNormal, -3);  // ▁a
  add("ab", kNormal, -1.5);
  spec.unk_id = 0;
  spec.bos_id = 1;
  spec.eos_id = 2;
  return spec;
}

// A small valid byte-level vocabulary: the 256 byte characters, "ab", "abc",
// and an end-of-text control token.
VocabularySpec BpeSpec() {
  VocabularySpec spec;
  spec.model = "gpt2";
  spec.pre = "gpt-2";
  // Byte-level characters: printable bytes stand for themselves, the others
  // move to U+0100 and up; token b is the character of byte b.
  uint32_t moved = 0x100;
  for (uint32_t b = 0; b < 256; ++b) {
    const bool self = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    const uint32_t cp = self ? b : moved++;
    std::string text;
    if (cp < 0x80) {
      text.push_back(static_cast<char>(cp));
    } else {
      text.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      text.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
    spec.tokens.push_back(text);
  }
  spec.tokens.push_back("ab");
  spec.tokens.push_back("abc");
  spec.tokens.push_back("<|endoftext|>");
  spec.token_types.assign(spec.tokens.size(), kNormal);
  spec.token_types.back() = kControl;
  spec.merges = {"a b", "ab c"};
  spec.eos_id = static_cast<int64_t>(spec.tokens.size() - 1);
  return spec;
}

Status Build(VocabularySpec spec) {
  auto t = CreateTokenizer(std::move(spec));
  return t.ok() ? Status::Ok() : t.status();
}

void ExpectCorrupt(const Status& status, std::string_view mentions) {
  EXPECT_EQ(status.code(), StatusCode::kCorrupt) << status.ToString();
  EXPECT_THAT(status.message(), HasSubstr(std::string(mentions)));
}

TEST(HostileVocabTest, TheBaselineVocabulariesAreValid) {
  auto spm = CreateTokenizer(SpmSpec());
  ASSERT_TRUE(spm.ok()) << spm.status().ToString();
  auto ids = (*spm)->Encode("ab a");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*(*spm)->Decode(*ids), "ab a");

  auto bpe = CreateTokenizer(BpeSpec());
  ASSERT_TRUE(bpe.ok()) << bpe.status().ToString();
  ids = (*bpe)->Encode("abc");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, std::vector<TokenId>{257});  // "abc": both merges applied
}

TEST(HostileVocabTest, EmptyTokenListIsRefused) {
  VocabularySpec spec = SpmSpec();
  spec.tokens.clear();
  spec.scores.clear();
  spec.token_types.clear();
  ExpectCorrupt(Build(std::move(spec)), "empty");
}

TEST(HostileVocabTest, ScoresOfAnotherLengthAreRefused) {
  VocabularySpec spec = SpmSpec();
  spec.scores.pop_back();
  ExpectCorrupt(Build(std::move(spec)), "tokenizer.ggml.scores");
}

TEST(HostileVocabTest, TokenTypesOfAnotherLengthAreRefused) {
  VocabularySpec spec = BpeSpec();
  spec.token_types.push_back(kNormal);
  ExpectCorrupt(Build(std::move(spec)), "tokenizer.ggml.token_type");
}

TEST(HostileVocabTest, UnknownTokenTypeIsRefused) {
  for (int32_t bad : {7, -1, 1000}) {
    VocabularySpec spec = SpmSpec();
    spec.token_types[261] = bad;
    ExpectCorrupt(Build(std::move(spec)), "token 261 has type");
  }
}

TEST(HostileVocabTest, NanScoreIsRefused) {
  VocabularySpec spec = SpmSpec();
  spec.scores[260] = std::numeric_limits<float>::quiet_NaN();
  ExpectCorrupt(Build(std::move(spec)), "NaN");
}

TEST(HostileVocabTest, DuplicateTokenTextIsRefused) {
  VocabularySpec spec = BpeSpec();
  spec.tokens[257] = "ab";
  ExpectCorrupt(Build(std::move(spec)), "same text");
}

TEST(HostileVocabTest, OutOfRangeSpecialIdsAreRefused) {
  const std::vector<std::pair<std::optional<int64_t> VocabularySpec::*, std::string>> keys = {
      {&VocabularySpec::bos_id, "tokenizer.ggml.bos_token_id"},
      {&VocabularySpec::eos_id, "tokenizer.ggml.eos_token_id"},
      {&VocabularySpec::unk_id, "tokenizer.ggml.unknown_token_id"},
      {&VocabularySpec::eot_id, "tokenizer.ggml.eot_token_id"},
      {&VocabularySpec::eom_id, "tokenizer.ggml.eom_token_id"},
  };
  for (const auto& [member, key] : keys) {
    for (int64_t bad : {int64_t{264}, int64_t{1} << 40, std::numeric_limits<int64_t>::max()}) {
      VocabularySpec spec = SpmSpec();
      spec.*member = bad;
      ExpectCorrupt(Build(std::move(spec)), key);
    }
  }
}

TEST(HostileVocabTest, NoneSentinelsMeanNoSpecialToken) {
  VocabularySpec spec = SpmSpec();
  spec.eos_id = 0xFFFFFFFF;
  spec.eot_id = -1;
  auto t = CreateTokenizer(std::move(spec));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ((*t)->special_ids().eos, kNoToken);
  EXPECT_EQ((*t)->special_ids().eot, kNoToken);
}

TEST(HostileVocabTest, OutOfRangePaddingAndSeparatorAreIgnored) {
  // Informational ids that do not steer encoding: tolerated, as released
  // models carry such values.
  VocabularySpec spec = SpmSpec();
  spec.pad_id = 100000;
  spec.sep_id = 264;
  auto t = CreateTokenizer(std::move(spec));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ((*t)->special_ids().pad, kNoToken);
  EXPECT_EQ((*t)->special_ids().sep, kNoToken);
}

TEST(HostileVocabTest, AddBosWithoutBosIsRefused) {
  VocabularySpec spec = BpeSpec();
  spec.add_bos = true;
  ExpectCorrupt(Build(std::move(spec)), "add_bos_token");
}

TEST(HostileVocabTest, AddEosWithoutEosIsRefused) {
  VocabularySpec spec = SpmSpec();
  spec.eos_id.reset();
  spec.add_eos = true;
  ExpectCorrupt(Build(std::move(spec)), "add_eos_token");
}

TEST(HostileVocabTest, IncompleteByteFallbackIsRefused) {
  VocabularySpec spec = SpmSpec();
  spec.token_types[3 + 0x41] = kNormal;  // <0x41> no longer a byte token
  ExpectCorrupt(Build(std::move(spec)), "<0x41>");
}

TEST(HostileVocabTest, ByteTokenWithOtherTextIsRefused) {
  VocabularySpec spec = SpmSpec();
  spec.tokens[3 + 0x41] = "<0xZZ>";
  ExpectCorrupt(Build(std::move(spec)), "not <0xXX>");
}

TEST(HostileVocabTest, SentencePieceNeedsByteTokensOrUnknown) {
  VocabularySpec spec = SpmSpec();
  for (int b = 0; b < 256; ++b) spec.token_types[3 + static_cast<size_t>(b)] = kNormal;
  spec.tokens[3] = "zero";  // keep one renamed to show types alone decide
  VocabularySpec without_unk = spec;
  without_unk.unk_id.reset();
  ExpectCorrupt(Build(std::move(without_unk)), "neither byte tokens");

  // With <unk> and no byte tokens, characters without a piece become <unk>.
  auto t = CreateTokenizer(std::move(spec));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  auto ids = (*t)->Encode("a\xE2\x82\xAC");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->back(), 0);
}

TEST(HostileVocabTest, MergeNamingAnUnknownTokenIsRefused) {
  VocabularySpec spec = BpeSpec();
  spec.merges.push_back("ab zz");
  ExpectCorrupt(Build(std::move(spec)), "merge 2");
}

TEST(HostileVocabTest, MergeWithoutTwoPartsIsRefused) {
  for (const std::string bad : {"ab", "ab ", " ", ""}) {
    VocabularySpec spec = BpeSpec();
    spec.merges.push_back(bad);
    ExpectCorrupt(Build(std::move(spec)), "not two tokens");
  }
}

TEST(HostileVocabTest, MergeMakingAnUnknownTokenIsRefused) {
  VocabularySpec spec = BpeSpec();
  spec.merges.push_back("b c");  // "bc" is not a token
  ExpectCorrupt(Build(std::move(spec)), "not in the vocabulary");
}

TEST(HostileVocabTest, ByteLevelVocabularyWithoutMergesIsRefused) {
  VocabularySpec spec = BpeSpec();
  spec.merges.clear();
  ExpectCorrupt(Build(std::move(spec)), "tokenizer.ggml.merges");
}

TEST(HostileVocabTest, UnknownModelIsUnsupportedByName) {
  VocabularySpec spec = SpmSpec();
  spec.model = "rwkv";
  const Status status = Build(std::move(spec));
  EXPECT_EQ(status.code(), StatusCode::kUnsupported);
  EXPECT_THAT(status.message(), HasSubstr("'rwkv'"));
}

TEST(HostileVocabTest, OddTokenTextsCannotBreakEncodingOrDecoding) {
  VocabularySpec spec = BpeSpec();
  // Invalid UTF-8, a huge control token, an empty token, a user-defined
  // token that is a prefix of a control token, and a normal token that is not
  // in the byte alphabet.
  spec.tokens.push_back("\xFF\xFE<bad>");
  spec.token_types.push_back(kControl);
  spec.tokens.push_back(std::string(100000, 'x') + "<big>");
  spec.token_types.push_back(kControl);
  spec.tokens.push_back("");
  spec.token_types.push_back(kNormal);
  spec.tokens.push_back("<|");
  spec.token_types.push_back(kUserDefined);
  spec.tokens.push_back("\xE2\x82\xAC");  // "€" as is, not byte-level encoded
  spec.token_types.push_back(kNormal);
  auto t = CreateTokenizer(std::move(spec));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  const std::string text = "<|endoftext|> <| " + std::string(1000, 'x') + "<big> abc";
  for (bool parse : {false, true}) {
    auto ids = (*t)->Encode(text, {.add_special = true, .parse_special = parse});
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    auto back = (*t)->Decode(*ids, {.render_special = true});
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, text);
  }
  for (TokenId id = 0; id < static_cast<TokenId>((*t)->vocab_size()); ++id) {
    ASSERT_TRUE((*t)->TokenPiece(id).ok());
  }
}

TEST(HostileVocabTest, BytesWithoutATokenAreDroppedOrUnknown) {
  // Like falcon's vocabulary, which lacks some control bytes: such a byte is
  // dropped (what the reference tokenizers do) or becomes <unk> if there is one.
  VocabularySpec spec = BpeSpec();
  spec.tokens[0x21] = "<no-exclamation-mark>";
  auto t = CreateTokenizer(spec);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*(*t)->Encode("a!"), std::vector<TokenId>{0x61});
  spec.unk_id = 0x21;
  spec.token_types[0x21] = kUnknown;
  t = CreateTokenizer(spec);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*(*t)->Encode("a!"), (std::vector<TokenId>{0x61, 0x21}));
}

TEST(HostileVocabTest, TurnMarkerStoredAsUserDefinedBecomesControl) {
  // A user-defined token would be matched in plain text; an end-of-turn
  // marker must not be, whatever type the file gives it.
  VocabularySpec spec = SpmSpec();
  spec.tokens.push_back("<|im_end|>");
  spec.token_types.push_back(kUserDefined);
  spec.scores.push_back(0);
  const auto id = static_cast<TokenId>(spec.tokens.size() - 1);
  auto t = CreateTokenizer(std::move(spec));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ((*t)->token_type(id), TokenType::kControl);
  EXPECT_TRUE((*t)->IsEndOfGeneration(id));
  auto plain = (*t)->Encode("a<|im_end|>");
  ASSERT_TRUE(plain.ok());
  EXPECT_THAT(*plain, ::testing::Not(::testing::Contains(id)));
  auto parsed = (*t)->Encode("a<|im_end|>", {.parse_special = true});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->back(), id);
}

// --- The same rules through a GGUF file -----------------------------------

class HostileGgufTest : public ::testing::Test {
 protected:
  Result<std::unique_ptr<Tokenizer>> Load(gguf::GgufWriter& writer) {
    const std::string path = dir_.File("vocab.gguf");
    Status written = writer.WriteFile(path);
    if (!written.ok()) return written;
    auto file = gguf::ReadGgufFile(path);
    if (!file.ok()) return file.status();
    return CreateTokenizer(*file);
  }

  static gguf::Value StringArray(std::vector<std::string> values) {
    gguf::Array array;
    array.element_type = gguf::ValueType::kString;
    array.elements = std::move(values);
    return gguf::Value{gguf::ValueType::kArray, std::move(array)};
  }
  static gguf::Value FloatArray(std::vector<float> values) {
    gguf::Array array;
    array.element_type = gguf::ValueType::kFloat32;
    array.elements = std::move(values);
    return gguf::Value{gguf::ValueType::kArray, std::move(array)};
  }

  llmcore::testing::TempDir dir_;
};

TEST_F(HostileGgufTest, MismatchedArraysInAFileAreRefused) {
  gguf::GgufWriter writer;
  ASSERT_TRUE(writer.AddString("tokenizer.ggml.model", "llama").ok());
  ASSERT_TRUE(writer.Add("tokenizer.ggml.tokens", StringArray({"<unk>", "a", "b"})).ok());
  ASSERT_TRUE(writer.Add("tokenizer.ggml.scores", FloatArray({0, 0})).ok());
  ASSERT_TRUE(writer.AddUint32("tokenizer.ggml.unknown_token_id", 0).ok());
  auto t = Load(writer);
  ASSERT_FALSE(t.ok());
  ExpectCorrupt(t.status(), "tokenizer.ggml.scores has 2 entries for 3 tokens");
}

TEST_F(HostileGgufTest, OutOfRangeBosInAFileIsRefused) {
  gguf::GgufWriter writer;
  ASSERT_TRUE(writer.AddString("tokenizer.ggml.model", "llama").ok());
  ASSERT_TRUE(writer.Add("tokenizer.ggml.tokens", StringArray({"<unk>", "a", "b"})).ok());
  ASSERT_TRUE(writer.AddUint32("tokenizer.ggml.unknown_token_id", 0).ok());
  ASSERT_TRUE(writer.AddUint32("tokenizer.ggml.bos_token_id", 3).ok());
  auto t = Load(writer);
  ASSERT_FALSE(t.ok());
  ExpectCorrupt(t.status(), "tokenizer.ggml.bos_token_id is 3");
}

TEST_F(HostileGgufTest, MissingTokensAreNotFound) {
  gguf::GgufWriter writer;
  ASSERT_TRUE(writer.AddString("tokenizer.ggml.model", "gpt2").ok());
  auto t = Load(writer);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(t.status().message(), HasSubstr("tokenizer.ggml.tokens"));
}

TEST_F(HostileGgufTest, WronglyTypedFlagIsRefused) {
  gguf::GgufWriter writer;
  ASSERT_TRUE(writer.AddString("tokenizer.ggml.model", "llama").ok());
  ASSERT_TRUE(writer.Add("tokenizer.ggml.tokens", StringArray({"<unk>", "a"})).ok());
  ASSERT_TRUE(writer.AddString("tokenizer.ggml.add_bos_token", "yes").ok());
  auto t = Load(writer);
  ASSERT_FALSE(t.ok());
  ExpectCorrupt(t.status(), "tokenizer.ggml.add_bos_token");
}

}  // namespace
}  // namespace llmcore::text
