// StopMatcher: stop strings split across pieces, held-back text released
// when it turns out not to be a stop, overlapping stop strings, multi-byte
// UTF-8, max tokens, the end of a stream without a stop, validation, and that
// the outcome never depends on how the text is cut into pieces.
#include "llmcore/text/stop_matcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "llmcore/text/rng.h"
#include "llmcore/utf8.h"

namespace llmcore::text {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

StopMatcher Make(std::vector<std::string> stops, uint32_t max_tokens = 0) {
  auto m = StopMatcher::Create(std::move(stops), max_tokens);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? std::move(m).value() : StopMatcher::Create({}, 0).value();
}

// Pushes every piece and returns what each Push released.
std::vector<std::string> PushAll(StopMatcher& m, const std::vector<std::string>& pieces) {
  std::vector<std::string> out;
  for (const std::string& p : pieces) out.push_back(m.Push(p));
  return out;
}

TEST(StopMatcherTest, WithoutStopStringsReleasesEverythingAtOnce) {
  StopMatcher m = Make({});
  EXPECT_THAT(PushAll(m, {"Hello", ", ", "world"}), ElementsAre("Hello", ", ", "world"));
  EXPECT_EQ(m.held_bytes(), 0u);
  EXPECT_FALSE(m.finished());
  EXPECT_EQ(m.token_count(), 3u);
}

TEST(StopMatcherTest, DetectsStopSplitAcrossPieces) {
  StopMatcher m = Make({"<|end|>"});
  EXPECT_EQ(m.Push("Hello <|e"), "Hello ");
  EXPECT_EQ(m.held_bytes(), 3u);  // "<|e" may start the stop
  EXPECT_FALSE(m.finished());
  EXPECT_EQ(m.Push("nd|> and more"), "");
  EXPECT_TRUE(m.finished());
  EXPECT_EQ(m.reason(), FinishReason::kStopString);
  EXPECT_EQ(m.stop_index(), 0u);
  EXPECT_EQ(m.held_bytes(), 0u);
  EXPECT_EQ(m.Push("ignored"), "");
  EXPECT_EQ(m.token_count(), 2u);
}

TEST(StopMatcherTest, DetectsStopSpreadOverManyPieces) {
  StopMatcher m = Make({"STOP"});
  EXPECT_THAT(PushAll(m, {"aS", "T", "O", "P", "b"}), ElementsAre("a", "", "", "", ""));
  EXPECT_EQ(m.reason(), FinishReason::kStopString);
}

TEST(StopMatcherTest, ReleasesHeldTextWhenItIsNotAStop) {
  StopMatcher m = Make({"<|end|>"});
  EXPECT_EQ(m.Push("a<"), "a");
  EXPECT_EQ(m.Push("|x"), "<|x");
  EXPECT_EQ(m.held_bytes(), 0u);
  EXPECT_FALSE(m.finished());
}

TEST(StopMatcherTest, KeepsTheLongestPossibleStartAfterAFalseStart) {
  // "aab": after "aaa" the first "a" cannot start it any more, "aa" can.
  StopMatcher m = Make({"aab"});
  EXPECT_THAT(PushAll(m, {"a", "a", "a", "b"}), ElementsAre("", "", "a", ""));
  EXPECT_EQ(m.reason(), FinishReason::kStopString);
}

TEST(StopMatcherTest, ShorterStopThatCompletesFirstWins) {
  // "ab" is complete before "abc" could be, in whichever order they are given.
  for (const auto& stops :
       {std::vector<std::string>{"ab", "abc"}, std::vector<std::string>{"abc", "ab"}}) {
    StopMatcher m = Make(stops);
    EXPECT_THAT(PushAll(m, {"xa", "bc"}), ElementsAre("x", ""));
    ASSERT_TRUE(m.stop_index().has_value());
    EXPECT_EQ(stops[*m.stop_index()], "ab");
  }
  // The same within one piece.
  StopMatcher m = Make({"abc", "ab"});
  EXPECT_EQ(m.Push("xabc"), "x");
  EXPECT_EQ(m.stop_index(), 1u);
}

TEST(StopMatcherTest, LongestStopWinsWhenTwoEndTogether) {
  StopMatcher m = Make({"b", "ab"});
  EXPECT_EQ(m.Push("xab"), "x");
  EXPECT_EQ(m.stop_index(), 1u);
}

TEST(StopMatcherTest, HoldsOnlyWhatCouldStartSomeStop) {
  StopMatcher m = Make({"abc", "xyz"});
  EXPECT_EQ(m.Push("1ab"), "1");
  EXPECT_EQ(m.held_bytes(), 2u);
  EXPECT_EQ(m.Push("x"), "ab");  // "abx" is no start of "abc"; "x" is of "xyz"
  EXPECT_EQ(m.held_bytes(), 1u);
}

TEST(StopMatcherTest, MatchesMultiByteStopAcrossCharacterPieces) {
  StopMatcher m = Make({"\xE6\x97\xA5\xE6\x9C\xAC"});  // 日本
  // 今日は / 日 / 本語: the lone 日 inside the first piece is not at its end.
  EXPECT_EQ(m.Push("\xE4\xBB\x8A\xE6\x97\xA5\xE3\x81\xAF"), "\xE4\xBB\x8A\xE6\x97\xA5\xE3\x81\xAF");
  EXPECT_EQ(m.Push("\xE6\x97\xA5"), "");
  EXPECT_EQ(m.held_bytes(), 3u);
  EXPECT_EQ(m.Push("\xE6\x9C\xAC\xE8\xAA\x9E"), "");
  EXPECT_EQ(m.reason(), FinishReason::kStopString);
}

TEST(StopMatcherTest, MatchesMultiByteStopSplitInsideACharacter) {
  StopMatcher m = Make({"\xE2\x82\xAC"});  // €
  EXPECT_EQ(m.Push("5\xE2\x82"), "5");
  EXPECT_EQ(m.Push("\xAC!"), "");
  EXPECT_EQ(m.reason(), FinishReason::kStopString);
}

TEST(StopMatcherTest, ReleasesACharacterThatOnlySharesLeadingBytesWithTheStop) {
  StopMatcher m = Make({"\xE2\x82\xAC"});  // € is E2 82 AC; ₂ is E2 82 82
  EXPECT_EQ(m.Push("x\xE2\x82"), "x");
  EXPECT_EQ(m.Push("\x82"), "\xE2\x82\x82");
}

TEST(StopMatcherTest, ReleasedTextIsWholeCharactersWhenPiecesAre) {
  // Pieces of whole characters, stops sharing their first character with the
  // text: every release must be valid UTF-8.
  StopMatcher m = Make({"\xC3\xA9t\xC3\xA9", "\xF0\x9F\x98\x80!"});  // été, 😀!
  const std::vector<std::string> pieces = {"\xC3\xA9", "t",        "\xC3\xA0", "\xF0\x9F\x98\x80",
                                           "?",        "\xC3\xA9", "t"};
  std::string all;
  for (const std::string& p : pieces) {
    const std::string out = m.Push(p);
    EXPECT_TRUE(IsValidUtf8(out)) << out;
    all += out;
  }
  const std::string rest = m.Flush();
  EXPECT_TRUE(IsValidUtf8(rest));
  EXPECT_EQ(all + rest, "\xC3\xA9t\xC3\xA0\xF0\x9F\x98\x80?\xC3\xA9t");
}

TEST(StopMatcherTest, FlushReleasesHeldTextAtTheEndWithoutAStop) {
  StopMatcher m = Make({"<|end|>"});
  EXPECT_THAT(PushAll(m, {"The answer", " is 42 <|en"}), ElementsAre("The answer", " is 42 "));
  EXPECT_EQ(m.Flush(), "<|en");
  EXPECT_TRUE(m.finished());
  EXPECT_EQ(m.reason(), FinishReason::kNone);
  EXPECT_FALSE(m.stop_index().has_value());
  EXPECT_EQ(m.Push("x"), "");
}

TEST(StopMatcherTest, MaxTokensFinishesAfterThatManyPieces) {
  StopMatcher m = Make({}, 3);
  EXPECT_THAT(PushAll(m, {"a", "b", "c", "d"}), ElementsAre("a", "b", "c", ""));
  EXPECT_TRUE(m.finished());
  EXPECT_EQ(m.reason(), FinishReason::kMaxTokens);
  EXPECT_EQ(m.token_count(), 3u);
}

TEST(StopMatcherTest, MaxTokensReleasesHeldText) {
  StopMatcher m = Make({"xyz"}, 2);
  EXPECT_EQ(m.Push("a"), "a");
  EXPECT_EQ(m.Push("bx"), "bx");  // the last token: "x" is no longer held
  EXPECT_EQ(m.reason(), FinishReason::kMaxTokens);
}

TEST(StopMatcherTest, StopInTheLastAllowedTokenIsReportedAsStop) {
  StopMatcher m = Make({"!"}, 2);
  EXPECT_THAT(PushAll(m, {"a", "b!c"}), ElementsAre("a", "b"));
  EXPECT_EQ(m.reason(), FinishReason::kStopString);
}

TEST(StopMatcherTest, EmptyPiecesCountAsTokens) {
  StopMatcher m = Make({}, 2);
  EXPECT_THAT(PushAll(m, {"", ""}), ElementsAre("", ""));
  EXPECT_EQ(m.reason(), FinishReason::kMaxTokens);
}

TEST(StopMatcherTest, RejectsBadStopStrings) {
  const struct {
    std::vector<std::string> stops;
    const char* message;
  } cases[] = {
      {{"ok", ""}, "stop string 1 is empty"},
      {{std::string(StopMatcher::kMaxStopStringBytes + 1, 'x')}, "stop string 0 is longer than"},
      {{"ok", "\xC3"}, "stop string 1 is not valid UTF-8"},
      {std::vector<std::string>(StopMatcher::kMaxStopStrings + 1, "x"), "too many stop strings"},
  };
  for (const auto& c : cases) {
    auto m = StopMatcher::Create(c.stops, 0);
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument) << c.message;
    EXPECT_THAT(m.status().message(), HasSubstr(c.message));
  }
  EXPECT_TRUE(StopMatcher::Create({std::string(StopMatcher::kMaxStopStringBytes, 'x')}, 0).ok());
}

// The text released before finishing, the reason and the stop are the same
// however the text is cut into pieces (one piece, single bytes, random cuts).
TEST(StopMatcherTest, OutcomeDoesNotDependOnHowTextIsCut) {
  const std::vector<std::string> stops = {"aba", "ab", "bb", "cab", "\xC3\xA9"};
  SamplerRng rng(17);
  const std::string alphabet[] = {"a", "b", "c", "\xC3\xA9", "\xC3\xA0"};
  for (int round = 0; round < 500; ++round) {
    std::string text;
    const int length = 1 + static_cast<int>(rng.Next() % 12);
    for (int i = 0; i < length; ++i) text += alphabet[rng.Next() % 5];

    StopMatcher whole = Make(stops);
    std::string expected = whole.Push(text);
    expected += whole.Flush();

    for (int cut_round = 0; cut_round < 4; ++cut_round) {
      StopMatcher m = Make(stops);
      std::string got;
      for (size_t at = 0; at < text.size();) {
        // Byte-wise in the first round, random lengths (0 to 3) otherwise.
        const size_t len = cut_round == 0 ? 1 : static_cast<size_t>(rng.Next() % 4);
        got += m.Push(std::string_view(text).substr(at, len));
        at += len;
      }
      got += m.Flush();
      EXPECT_EQ(got, expected) << text;
      EXPECT_EQ(m.reason(), whole.reason()) << text;
      EXPECT_EQ(m.stop_index(), whole.stop_index()) << text;
    }
  }
}

}  // namespace
}  // namespace llmcore::text
