// Behaviour of the tokenizers beyond the conformance vectors: the bundled
// model, BOS/EOS, special-token parsing, end of generation, decoding options,
// refusal of what is not implemented, large inputs.
#include "llmcore/text/tokenizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "llmcore/gguf/reader.h"
#include "llmcore/testing/testing.h"
#include "vocab_vectors.h"

namespace llmcore::text {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using testing::LoadTokenizer;
using testing::LoadVocab;
using ::testing::Not;

const Tokenizer* Stories() {
  return LoadTokenizer(llmcore::testing::BundledModelPath());
}

std::vector<TokenId> Encode(const Tokenizer& t, std::string_view text, EncodeOptions options = {}) {
  auto ids = t.Encode(text, options);
  EXPECT_TRUE(ids.ok()) << ids.status().ToString();
  return ids.ok() ? *ids : std::vector<TokenId>{};
}

std::string Decode(const Tokenizer& t, const std::vector<TokenId>& ids,
                   DecodeOptions options = {}) {
  auto text = t.Decode(ids, options);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : std::string();
}

// --- The bundled model (stories260K, SentencePiece, 512 tokens) -------------

TEST(StoriesTokenizerTest, EncodesReferencePromptWithBos) {
  const Tokenizer* t = Stories();
  ASSERT_NE(t, nullptr);
  EXPECT_THAT(Encode(*t, "Once upon a time, there was a little girl", {.add_special = true}),
              ElementsAre(1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421));
}

TEST(StoriesTokenizerTest, DescribesItsVocabulary) {
  const Tokenizer* t = Stories();
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->kind(), TokenizerKind::kSentencePiece);
  EXPECT_EQ(t->vocab_size(), 512u);
  EXPECT_EQ(t->special_ids().bos, 1);
  EXPECT_EQ(t->special_ids().eos, 2);
  EXPECT_EQ(t->special_ids().unk, 0);
  EXPECT_EQ(t->special_ids().pad, kNoToken);  // stored as 0xFFFFFFFF: none
  EXPECT_EQ(t->special_ids().sep, kNoToken);
  EXPECT_TRUE(t->adds_bos());
  EXPECT_FALSE(t->adds_eos());
  EXPECT_TRUE(t->adds_space_prefix());
  EXPECT_EQ(t->token_type(1), TokenType::kControl);
  EXPECT_EQ(t->token_type(3), TokenType::kByte);
  EXPECT_EQ(t->token_type(512), TokenType::kUndefined);
  EXPECT_EQ(t->token_text(403), "\xE2\x96\x81Once");
  EXPECT_EQ(t->FindToken("\xE2\x96\x81Once"), 403);
  EXPECT_EQ(t->FindToken("no such token"), std::nullopt);
}

TEST(StoriesTokenizerTest, AddSpecialControlsBos) {
  const Tokenizer* t = Stories();
  ASSERT_NE(t, nullptr);
  EXPECT_THAT(Encode(*t, "Once", {.add_special = false}), ElementsAre(403));
  EXPECT_THAT(Encode(*t, "Once", {.add_special = true}), ElementsAre(1, 403));
  EXPECT_THAT(Encode(*t, "", {.add_special = true}), ElementsAre(1));
  EXPECT_THAT(Encode(*t, "", {.add_special = false}), ElementsAre());
}

TEST(StoriesTokenizerTest, MatchesEveryReferencePromptAndGeneratedText) {
  const Tokenizer* t = Stories();
  ASSERT_NE(t, nullptr);
  std::ifstream in(llmcore::testing::TestdataDir() + "/models/stories260K.expected.json");
  ASSERT_TRUE(in.good());
  const auto expected = nlohmann::json::parse(in);
  ASSERT_EQ(expected["cases"].size(), 5u);
  for (const auto& c : expected["cases"]) {
    const std::string prompt = c["prompt"];
    EXPECT_THAT(Encode(*t, prompt, {.add_special = c["bos"].get<bool>()}),
                ElementsAreArray(c["prompt_tokens"].get<std::vector<TokenId>>()))
        << prompt;
    // The reference text is the plain concatenation of the generated pieces: a
    // continuation, so its leading space stays.
    EXPECT_EQ(Decode(*t, c["generated"].get<std::vector<TokenId>>(),
                     {.render_special = false, .strip_space_prefix = false}),
              c["text"].get<std::string>())
        << prompt;
  }
}

TEST(StoriesTokenizerTest, SpellsUnknownCharactersWithByteTokens) {
  const Tokenizer* t = Stories();
  ASSERT_NE(t, nullptr);
  // "Ж" (D0 96) is not in the 512-token vocabulary: byte tokens are 3 + byte.
  ASSERT_FALSE(t->FindToken("\xD0\x96").has_value());
  const std::vector<TokenId> ids = Encode(*t, "\xD0\x96");
  ASSERT_GE(ids.size(), 2u);
  EXPECT_THAT(std::vector<TokenId>(ids.end() - 2, ids.end()), ElementsAre(3 + 0xD0, 3 + 0x96));
  EXPECT_EQ(Decode(*t, ids), "\xD0\x96");
}

TEST(StoriesTokenizerTest, DecodeRoundTripsWithAndWithoutBos) {
  const Tokenizer* t = Stories();
  ASSERT_NE(t, nullptr);
  for (const std::string text : {"Once upon a time", " leading space", "  two", "tab\there",
                                 "new\nline", "emoji \xF0\x9F\xA6\x99!", ""}) {
    EXPECT_EQ(Decode(*t, Encode(*t, text, {.add_special = true})), text);
    EXPECT_EQ(Decode(*t, Encode(*t, text, {.add_special = false})), text);
  }
}

TEST(StoriesTokenizerTest, RenderSpecialShowsBosAndKeepsTheSpace) {
  const Tokenizer* t = Stories();
  ASSERT_NE(t, nullptr);
  const std::vector<TokenId> ids = {1, 403, 407};
  EXPECT_EQ(Decode(*t, ids), "Once upon");
  EXPECT_EQ(Decode(*t, ids, {.render_special = true}), "<s> Once upon");
  EXPECT_EQ(Decode(*t, ids, {.render_special = false, .strip_space_prefix = false}), " Once upon");
}

TEST(StoriesTokenizerTest, TokenPieceDecodesSpacesAndBytes) {
  const Tokenizer* t = Stories();
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(*t->TokenPiece(403), " Once");
  EXPECT_EQ(*t->TokenPiece(3 + '\n'), "\n");
  EXPECT_EQ(*t->TokenPiece(1), "<s>");
  EXPECT_EQ(t->TokenPiece(512).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(t->TokenPiece(-1).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(t->Decode(std::vector<TokenId>{403, 9999}).status().code(), StatusCode::kOutOfRange);
}

TEST(StoriesTokenizerTest, EndOfGenerationIsEos) {
  const Tokenizer* t = Stories();
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->IsEndOfGeneration(2));
  EXPECT_FALSE(t->IsEndOfGeneration(1));
  EXPECT_FALSE(t->IsEndOfGeneration(403));
  EXPECT_FALSE(t->IsEndOfGeneration(-5));
  EXPECT_FALSE(t->IsEndOfGeneration(100000));
  EXPECT_THAT(
      std::vector<TokenId>(t->end_of_generation_ids().begin(), t->end_of_generation_ids().end()),
      ElementsAre(2));
}

TEST(StoriesTokenizerTest, ParseSpecialTurnsControlTextIntoTokens) {
  const Tokenizer* t = Stories();
  ASSERT_NE(t, nullptr);
  // SentencePiece prefixes a space after a special token, too.
  EXPECT_THAT(Encode(*t, "<s>Once", {.parse_special = true}), ElementsAre(1, 403));
  const std::vector<TokenId> plain = Encode(*t, "<s>Once", {.parse_special = false});
  EXPECT_THAT(plain, Not(Contains(1)));
  EXPECT_EQ(Decode(*t, plain), "<s>Once");
}

// --- Input validation --------------------------------------------------------

TEST(TokenizerInputTest, RejectsInvalidUtf8WithItsOffset) {
  for (const char* name : {"llama-spm", "gpt-2"}) {
    const Tokenizer* t = LoadVocab(name);
    ASSERT_NE(t, nullptr);
    auto ids = t->Encode("ok\xC3(");
    ASSERT_FALSE(ids.ok()) << name;
    EXPECT_EQ(ids.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(ids.status().message(), HasSubstr("byte 2"));
    EXPECT_FALSE(t->Encode("\xED\xA0\x80").ok()) << "surrogate accepted by " << name;
    EXPECT_FALSE(t->Encode("\xC0\x80").ok()) << "overlong accepted by " << name;
  }
}

TEST(TokenizerInputTest, EncodesLargeInputsOfOneCharacterClass) {
  // Long runs are single pre-tokenizer words and single BPE words: they must
  // neither exhaust the regex engine nor take quadratic time.
  const Tokenizer* t = LoadVocab("llama-bpe");
  ASSERT_NE(t, nullptr);
  for (const std::string& text : {std::string(1 << 18, ' '), std::string(1 << 18, 'a'),
                                  std::string(1 << 18, '\n'), std::string(1 << 18, '!')}) {
    auto ids = t->Encode(text);
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    EXPECT_FALSE(ids->empty());
    EXPECT_EQ(Decode(*t, *ids), text);
  }
  const Tokenizer* spm = LoadVocab("llama-spm");
  ASSERT_NE(spm, nullptr);
  const std::string words(1 << 18, 'x');
  auto ids = spm->Encode(words);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(Decode(*spm, *ids), words);
}

TEST(TokenizerInputTest, OneTokenizerServesManyThreadsAtOnce) {
  const Tokenizer* t = LoadVocab("qwen2");
  ASSERT_NE(t, nullptr);
  const auto vectors = testing::ReadVectors("qwen2");
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int round = 0; round < 5; ++round) {
        for (const auto& v : vectors) {
          auto ids = t->Encode(v.input);
          if (!ids.ok() || *ids != v.expected) ++mismatches;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// --- Byte-level vocabularies: BOS, special tokens, end of generation ---------

TEST(ByteLevelTokenizerTest, AddsBosWhereTheModelAsks) {
  const Tokenizer* llama3 = LoadVocab("llama-bpe");
  const Tokenizer* qwen2 = LoadVocab("qwen2");
  const Tokenizer* coder = LoadVocab("deepseek-coder");
  ASSERT_NE(llama3, nullptr);
  ASSERT_NE(qwen2, nullptr);
  ASSERT_NE(coder, nullptr);
  EXPECT_EQ(Encode(*llama3, "hi", {.add_special = true}).front(), 128000);
  EXPECT_EQ(Encode(*llama3, "hi", {.add_special = false}), Encode(*llama3, "hi", {}));
  EXPECT_FALSE(qwen2->adds_bos());
  EXPECT_EQ(Encode(*qwen2, "hi", {.add_special = true}), Encode(*qwen2, "hi"));
  EXPECT_EQ(Encode(*coder, "hi", {.add_special = true}).front(), 32013);
  EXPECT_EQ(llama3->kind(), TokenizerKind::kByteLevelBpe);
  EXPECT_EQ(llama3->pre_tokenizer(), "llama-bpe");
}

TEST(ByteLevelTokenizerTest, ParseSpecialOnlyWhenAsked) {
  const Tokenizer* t = LoadVocab("qwen2");
  ASSERT_NE(t, nullptr);
  const std::string chat = "<|im_start|>user\nhello<|im_end|>";
  const std::vector<TokenId> parsed = Encode(*t, chat, {.parse_special = true});
  EXPECT_EQ(parsed.front(), 151644);
  EXPECT_EQ(parsed.back(), 151645);
  EXPECT_EQ(Decode(*t, parsed, {.render_special = true}), chat);
  EXPECT_EQ(Decode(*t, parsed), "user\nhello");

  const std::vector<TokenId> plain = Encode(*t, chat, {.parse_special = false});
  EXPECT_THAT(plain, Not(Contains(151644)));
  EXPECT_THAT(plain, Not(Contains(151645)));
  EXPECT_EQ(Decode(*t, plain), chat);
}

TEST(ByteLevelTokenizerTest, UserDefinedTokensAreAlwaysMatched) {
  const Tokenizer* t = LoadVocab("qwen2");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->token_type(151667), TokenType::kUserDefined);  // <think>
  EXPECT_THAT(Encode(*t, "<think>", {.parse_special = false}), ElementsAre(151667));
  EXPECT_EQ(Decode(*t, {151667}), "<think>");
}

TEST(ByteLevelTokenizerTest, LongestSpecialTokenWins) {
  // mpt's user-defined tokens are runs of 2..24 spaces.
  const Tokenizer* t = LoadVocab("mpt");
  ASSERT_NE(t, nullptr);
  const auto spaces24 = t->FindToken(std::string(24, ' '));
  const auto spaces2 = t->FindToken(std::string(2, ' '));
  ASSERT_TRUE(spaces24 && spaces2);
  EXPECT_THAT(Encode(*t, std::string(26, ' ')), ElementsAre(*spaces24, *spaces2));
}

TEST(ByteLevelTokenizerTest, EndOfGenerationCoversTurnMarkers) {
  const Tokenizer* qwen2 = LoadVocab("qwen2");
  const Tokenizer* llama3 = LoadVocab("llama-bpe");
  ASSERT_NE(qwen2, nullptr);
  ASSERT_NE(llama3, nullptr);
  EXPECT_TRUE(qwen2->IsEndOfGeneration(151643));   // <|endoftext|> (EOS)
  EXPECT_TRUE(qwen2->IsEndOfGeneration(151645));   // <|im_end|>
  EXPECT_FALSE(qwen2->IsEndOfGeneration(151644));  // <|im_start|>
  EXPECT_TRUE(llama3->IsEndOfGeneration(128001));  // <|end_of_text|> (EOS)
  const auto eot = llama3->FindToken("<|eot_id|>");
  ASSERT_TRUE(eot.has_value());
  EXPECT_TRUE(llama3->IsEndOfGeneration(*eot));
  EXPECT_FALSE(llama3->IsEndOfGeneration(128000));  // <|begin_of_text|>
  const Tokenizer* phi3 = LoadVocab("phi-3");
  ASSERT_NE(phi3, nullptr);
  EXPECT_TRUE(phi3->IsEndOfGeneration(32000));   // <|endoftext|> (EOS)
  EXPECT_TRUE(phi3->IsEndOfGeneration(32007));   // <|end|>
  EXPECT_FALSE(phi3->IsEndOfGeneration(32010));  // <|user|>
}

TEST(ByteLevelTokenizerTest, TokenPieceDecodesTheByteAlphabet) {
  const Tokenizer* t = LoadVocab("gpt-2");
  ASSERT_NE(t, nullptr);
  const auto the = t->FindToken("\xC4\xA0the");  // "Ġthe"
  ASSERT_TRUE(the.has_value());
  EXPECT_EQ(*t->TokenPiece(*the), " the");
  const auto newline = t->FindToken("\xC4\x8A");  // "Ċ"
  ASSERT_TRUE(newline.has_value());
  EXPECT_EQ(*t->TokenPiece(*newline), "\n");
  EXPECT_FALSE(t->adds_space_prefix());
  // Byte-level vocabularies add no space, so nothing is stripped.
  EXPECT_EQ(Decode(*t, Encode(*t, " x")), " x");
}

// --- What is not implemented is refused, by name ---------------------------

TEST(UnsupportedTokenizerTest, WordPieceIsRefused) {
  auto file = gguf::ReadGgufFile(testing::VocabPath("bert-bge"));
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto t = CreateTokenizer(*file);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kUnsupported);
  EXPECT_THAT(t.status().message(), HasSubstr("'bert'"));
}

TEST(UnsupportedTokenizerTest, UnknownPreTokenizerIsRefusedByName) {
  VocabularySpec spec = testing::ReadSpec(testing::VocabPath("gpt-2"));
  spec.pre = "my-new-model";
  auto t = CreateTokenizer(std::move(spec));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kUnsupported);
  EXPECT_THAT(t.status().message(), HasSubstr("'my-new-model'"));
}

TEST(UnsupportedTokenizerTest, MissingPreTokenizerIsNotGuessed) {
  // gpt-neox predates tokenizer.ggml.pre.
  auto file = gguf::ReadGgufFile(testing::VocabPath("gpt-neox"));
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto t = CreateTokenizer(*file);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kUnsupported);
  EXPECT_THAT(t.status().message(), HasSubstr("tokenizer.ggml.pre"));
}

TEST(UnsupportedTokenizerTest, NamingThePreTokenizerMakesAnOldFileUsable) {
  // GPT-NeoX and MPT share one vocabulary and the GPT-2 word rules, so the
  // named gpt-neox vocabulary must reproduce the mpt vectors.
  VocabularySpec spec = testing::ReadSpec(testing::VocabPath("gpt-neox"));
  spec.pre = "gpt-2";
  auto t = CreateTokenizer(std::move(spec));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  const auto vectors = testing::ReadVectors("mpt");
  for (const auto& v : vectors) {
    EXPECT_EQ(Encode(**t, v.input), v.expected) << v.input;
  }
}

TEST(UnsupportedTokenizerTest, SupportedPreTokenizersNameEveryTestedFamily) {
  const std::vector<std::string_view> names = SupportedPreTokenizers();
  for (const char* name : {"llama-bpe", "qwen2", "gpt-2", "deepseek-llm", "deepseek-coder",
                           "falcon", "mpt", "starcoder", "refact"}) {
    EXPECT_THAT(names, Contains(std::string_view(name)));
  }
}

TEST(SentencePieceTokenizerTest, BaichuanVocabularyLoadsAndRoundTrips) {
  // No vectors upstream; it must at least load and be lossless.
  const Tokenizer* t = LoadVocab("baichuan");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->kind(), TokenizerKind::kSentencePiece);
  EXPECT_EQ(t->vocab_size(), 64000u);
  for (const std::string text : {"Hello world", "\xE4\xBD\xA0\xE5\xA5\xBD\xEF\xBC\x8C\xE4\xB8\x96",
                                 "tabs\tand\nnewlines  "}) {
    EXPECT_EQ(Decode(*t, Encode(*t, text, {.add_special = true})), text);
  }
}

}  // namespace
}  // namespace llmcore::text
