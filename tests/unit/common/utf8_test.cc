#include "llmcore/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace llmcore {
namespace {

using Kind = Utf8Decoded::Kind;

TEST(Utf8Test, DecodesEachSequenceLength) {
  for (const auto& [bytes, cp] :
       std::vector<std::pair<std::string, uint32_t>>{{"A", 0x41},
                                                     {"\xC3\xA9", 0xE9},
                                                     {"\xE2\x82\xAC", 0x20AC},
                                                     {"\xF0\x9F\xA6\x99", 0x1F999},
                                                     {"\xF4\x8F\xBF\xBF", 0x10FFFF}}) {
    const Utf8Decoded d = DecodeUtf8(bytes);
    EXPECT_EQ(d.kind, Kind::kValid) << bytes;
    EXPECT_EQ(d.code_point, cp);
    EXPECT_EQ(d.length, bytes.size());
  }
}

TEST(Utf8Test, ReportsIncompleteSequencesThatAreValidSoFar) {
  for (const std::string bytes : {"\xC3", "\xE2\x82", "\xF0\x9F\xA6", "\xF0"}) {
    const Utf8Decoded d = DecodeUtf8(bytes);
    EXPECT_EQ(d.kind, Kind::kIncomplete);
    EXPECT_EQ(d.length, bytes.size());
  }
}

TEST(Utf8Test, RejectsOverlongSurrogateAndOutOfRangeForms) {
  struct Case {
    std::string bytes;
    size_t invalid_length;  // the maximal invalid subpart
  };
  for (const Case& c : std::vector<Case>{{"\xC0\x80", 1},          // overlong NUL
                                         {"\xE0\x80\x80", 1},      // overlong
                                         {"\xED\xA0\x80", 1},      // surrogate D800
                                         {"\xF4\x90\x80\x80", 1},  // above U+10FFFF
                                         {"\xF5\x80", 1},          // never a lead byte
                                         {"\x80", 1},              // lone continuation
                                         {"\xE2\x82"
                                          "A",
                                          2},  // truncated, then ASCII
                                         {"\xF0\x9F\xA6"
                                          "A",
                                          3}}) {
    const Utf8Decoded d = DecodeUtf8(c.bytes);
    EXPECT_EQ(d.kind, Kind::kInvalid);
    EXPECT_EQ(d.length, c.invalid_length);
  }
}

TEST(Utf8Test, FindsTheFirstInvalidByte) {
  EXPECT_EQ(FindInvalidUtf8(""), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("plain \xE2\x82\xAC text"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("ab\xFF"), 2u);
  EXPECT_EQ(FindInvalidUtf8("abc\xE2\x82"), 3u);  // truncated at the end is invalid too
  EXPECT_TRUE(IsValidUtf8(std::string("nul\0inside", 10)));
  EXPECT_FALSE(IsValidUtf8("\xED\xBF\xBF"));
}

TEST(Utf8Test, CompletePrefixExcludesOnlyAnUnfinishedTail) {
  EXPECT_EQ(CompleteUtf8PrefixLength(""), 0u);
  EXPECT_EQ(CompleteUtf8PrefixLength("abc"), 3u);
  EXPECT_EQ(CompleteUtf8PrefixLength("ab\xF0\x9F\xA6"), 2u);
  EXPECT_EQ(CompleteUtf8PrefixLength("ab\xF0\x9F\xA6\x99"), 6u);
  EXPECT_EQ(CompleteUtf8PrefixLength("\xE2"), 0u);
  // Bytes that can never become valid are not held back.
  EXPECT_EQ(CompleteUtf8PrefixLength("ab\xFF"), 3u);
  EXPECT_EQ(CompleteUtf8PrefixLength("\xE2"
                                     "A"),
            2u);
}

TEST(Utf8Test, SanitizeReplacesEachMaximalInvalidSubpart) {
  EXPECT_EQ(SanitizeUtf8("ok \xE2\x82\xAC"), "ok \xE2\x82\xAC");
  EXPECT_EQ(SanitizeUtf8("a\xFF"
                         "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(SanitizeUtf8("\xF0\x9F\xA6"
                         "x"),
            "\xEF\xBF\xBDx");                                       // one subpart, one U+FFFD
  EXPECT_EQ(SanitizeUtf8("\xE0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // two subparts
  EXPECT_EQ(SanitizeUtf8("end\xE2\x82"), "end\xEF\xBF\xBD");
}

TEST(Utf8Test, AppendEncodesScalarValuesAndReplacesOthers) {
  std::string s;
  AppendUtf8(0x24, &s);
  AppendUtf8(0xA2, &s);
  AppendUtf8(0x20AC, &s);
  AppendUtf8(0x10348, &s);
  EXPECT_EQ(s, "$\xC2\xA2\xE2\x82\xAC\xF0\x90\x8D\x88");
  s.clear();
  AppendUtf8(0xD800, &s);
  AppendUtf8(0x110000, &s);
  EXPECT_EQ(s, "\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace llmcore
