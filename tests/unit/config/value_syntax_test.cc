// The value syntax of llmcored.conf: what each parser accepts, what it
// refuses (with the expected form in the message), and that formatting
// parses back to the same value.
#include "llmcore/config/value_syntax.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace llmcore::config {
namespace {

using std::chrono::microseconds;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

TEST(ParseInteger, AcceptsDecimalsInsideTheRange) {
  EXPECT_EQ(*ParseInteger("0", 0, 10), 0u);
  EXPECT_EQ(*ParseInteger("10", 0, 10), 10u);
  EXPECT_EQ(*ParseInteger("007", 0, 10), 7u);
  EXPECT_EQ(*ParseInteger("18446744073709551615", 0, UINT64_MAX), UINT64_MAX);
}

TEST(ParseInteger, RefusesAnythingElseNamingTheRange) {
  for (const char* text : {"", "-1", "+1", "0x10", "1e3", "1 000", "1_000", " 1", "1 ", "11",
                           "18446744073709551616", "ten"}) {
    const auto result = ParseInteger(text, 0, 10);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(result.status().message(), HasSubstr("is not an integer from 0 to 10")) << text;
  }
}

TEST(ParseSize, AcceptsBytesAndBinarySuffixes) {
  EXPECT_EQ(*ParseSize("4096"), 4096u);
  EXPECT_EQ(*ParseSize("256K"), 256u << 10);
  EXPECT_EQ(*ParseSize("3M"), 3u << 20);
  EXPECT_EQ(*ParseSize("8G"), uint64_t{8} << 30);
  EXPECT_EQ(*ParseSize("0"), 0u);
}

TEST(ParseSize, RefusesOtherSuffixesAndOverflow) {
  for (const char* text :
       {"", "K", "1k", "1KB", "1KiB", "1T", "1 K", "1.5G", "-1", "17179869184G"}) {
    const auto result = ParseSize(text);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_THAT(result.status().message(), HasSubstr("is not a size")) << text;
  }
}

TEST(ParseSize, ChecksTheRange) {
  const auto result = ParseSize("2G", 1, 1 << 30);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("'2G' is not a size from 1 to 1G"));
}

TEST(ParseTimeSpan, AcceptsSecondsUnitsCombinationsAndInfinity) {
  EXPECT_EQ(*ParseTimeSpan("300"), microseconds(300s));
  EXPECT_EQ(*ParseTimeSpan("0"), microseconds(0));
  EXPECT_EQ(*ParseTimeSpan("5min"), microseconds(5min));
  EXPECT_EQ(*ParseTimeSpan("1h"), microseconds(1h));
  EXPECT_EQ(*ParseTimeSpan("2d"), microseconds(48h));
  EXPECT_EQ(*ParseTimeSpan("1h 30min"), microseconds(90min));
  EXPECT_EQ(*ParseTimeSpan("1h30min"), microseconds(90min));
  EXPECT_EQ(*ParseTimeSpan("5 min"), microseconds(5min));
  EXPECT_EQ(*ParseTimeSpan("10s"), microseconds(10s));
  EXPECT_EQ(*ParseTimeSpan("10sec"), microseconds(10s));
  EXPECT_EQ(*ParseTimeSpan("1min 5"), microseconds(65s));
  EXPECT_EQ(*ParseTimeSpan("1s 500ms 7us"), microseconds(1'500'007));
  EXPECT_EQ(*ParseTimeSpan("infinity"), kInfiniteTimeSpan);
}

TEST(ParseTimeSpan, RefusesOtherFormsShowingExamples) {
  for (const char* text : {"", "soon", "5 minutes", "5m", "5MIN", "-5", "1.5h", "30min 1h", "1h 1h",
                           "1s 1sec", "5min ", " 5min", "Infinity", "infinity 1s"}) {
    const auto result = ParseTimeSpan(text);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_THAT(result.status().message(),
                HasSubstr("is not a time span (e.g. 300, 5min, 1h, infinity)"))
        << text;
  }
}

TEST(ParseTimeSpan, RefusesSpansThatOverflow) {
  for (const char* text : {"106751992d", "18446744073709551615us"}) {
    const auto result = ParseTimeSpan(text);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_THAT(result.status().message(), HasSubstr("too long a time span")) << text;
  }
}

TEST(ParsePercent, AcceptsOneToOneHundred) {
  EXPECT_EQ(*ParsePercent("1%"), 1u);
  EXPECT_EQ(*ParsePercent("80%"), 80u);
  EXPECT_EQ(*ParsePercent("100%"), 100u);
  for (const char* text : {"", "%", "0%", "101%", "80", "80 %", "8.5%", "-5%", "80%%"}) {
    const auto result = ParsePercent(text);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_THAT(result.status().message(), HasSubstr("is not a percentage from 1% to 100%"))
        << text;
  }
}

TEST(ParseMemoryLimit, TakesAPercentageOrASize) {
  EXPECT_EQ(*ParseMemoryLimit("80%"), MemoryLimit::Percent(80));
  EXPECT_EQ(*ParseMemoryLimit("24G"), MemoryLimit::Bytes(uint64_t{24} << 30));
  EXPECT_EQ(*ParseMemoryLimit("1"), MemoryLimit::Bytes(1));
  EXPECT_THAT(ParseMemoryLimit("lots").status().message(),
              HasSubstr("is not a percentage or a size (e.g. 80%, 16G)"));
  EXPECT_THAT(ParseMemoryLimit("0").status().message(), HasSubstr("is not a size from 1"));
  EXPECT_THAT(ParseMemoryLimit("120%").status().message(), HasSubstr("is not a percentage"));
}

TEST(FormatValues, WritesTheShortestFormThatParsesBack) {
  EXPECT_EQ(FormatSize(0), "0");
  EXPECT_EQ(FormatSize(1000), "1000");
  EXPECT_EQ(FormatSize(256 << 10), "256K");
  EXPECT_EQ(FormatSize(uint64_t{3} << 30), "3G");
  EXPECT_EQ(FormatSize((uint64_t{1} << 30) + 1024), "1048577K");
  EXPECT_EQ(FormatTimeSpan(microseconds(0)), "0");
  EXPECT_EQ(FormatTimeSpan(microseconds(5min)), "5min");
  EXPECT_EQ(FormatTimeSpan(microseconds(90min)), "1h 30min");
  EXPECT_EQ(FormatTimeSpan(microseconds(1'500'007)), "1s 500ms 7us");
  EXPECT_EQ(FormatTimeSpan(kInfiniteTimeSpan), "infinity");
  EXPECT_EQ(FormatMemoryLimit(MemoryLimit::Percent(80)), "80%");
  EXPECT_EQ(FormatMemoryLimit(MemoryLimit::Bytes(uint64_t{16} << 30)), "16G");

  for (uint64_t bytes : {uint64_t{0}, uint64_t{1}, uint64_t{1023}, uint64_t{1} << 40, UINT64_MAX}) {
    EXPECT_EQ(*ParseSize(FormatSize(bytes)), bytes);
  }
  for (int64_t us : {int64_t{1}, int64_t{999}, int64_t{86'400'000'001}, INT64_MAX - 1}) {
    EXPECT_EQ(*ParseTimeSpan(FormatTimeSpan(microseconds(us))), microseconds(us)) << us;
  }
}

}  // namespace
}  // namespace llmcore::config
