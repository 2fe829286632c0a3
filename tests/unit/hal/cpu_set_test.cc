#include "llmcore/hal/cpu_set.h"

#include <gtest/gtest.h>

#include <string>

namespace llmcore::hal {
namespace {

TEST(FormatCpuListTest, CollapsesRunsIntoRanges) {
  EXPECT_EQ(FormatCpuList({}), "");
  EXPECT_EQ(FormatCpuList({3}), "3");
  EXPECT_EQ(FormatCpuList({0, 1, 2, 3, 8, 10, 11}), "0-3,8,10-11");
  EXPECT_EQ(FormatCpuList({0, 2, 4}), "0,2,4");
}

TEST(ParseCpuListTest, ReadsNumbersRangesAndStrides) {
  EXPECT_EQ(*ParseCpuList("0-3,8,10-11"), (CpuSet{0, 1, 2, 3, 8, 10, 11}));
  EXPECT_EQ(*ParseCpuList("7"), (CpuSet{7}));
  EXPECT_EQ(*ParseCpuList("0-8:4"), (CpuSet{0, 4, 8}));
}

TEST(ParseCpuListTest, AcceptsKernelFileFormatting) {
  // /sys and /proc files end with a newline.
  EXPECT_EQ(*ParseCpuList("0-1\n"), (CpuSet{0, 1}));
  EXPECT_EQ(*ParseCpuList("  2, 4-5 "), (CpuSet{2, 4, 5}));
  EXPECT_EQ(*ParseCpuList(""), CpuSet{});
  EXPECT_EQ(*ParseCpuList("\n"), CpuSet{});
}

TEST(ParseCpuListTest, SortsAndRemovesDuplicates) {
  EXPECT_EQ(*ParseCpuList("5,1-3,2,1"), (CpuSet{1, 2, 3, 5}));
}

TEST(ParseCpuListTest, RoundTripsThroughFormat) {
  const CpuSet cpus = {0, 1, 2, 5, 7, 8, 9, 100};
  EXPECT_EQ(*ParseCpuList(FormatCpuList(cpus)), cpus);
}

TEST(ParseCpuListTest, RejectsMalformedText) {
  for (const char* text : {"a", "1-", "-1", "1,,2", ",1", "1,", "3-1", "1.5", "0x3", "1-2:0",
                           "1-4:x", "65536", "0-65536", "99999999999999999999", "1 2"}) {
    const Result<CpuSet> parsed = ParseCpuList(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_NE(parsed.status().message().find("cpu list"), std::string::npos) << text;
  }
}

TEST(ParseCpuListTest, ErrorNamesTheBadItem) {
  const Result<CpuSet> parsed = ParseCpuList("0-3,9-7,12");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("\"9-7\""), std::string::npos)
      << parsed.status().message();
}

TEST(ParseCpuListTest, LongOverlappingInputStaysBounded) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "0-65535,";
  text += "0";
  const Result<CpuSet> parsed = ParseCpuList(text);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->size(), static_cast<size_t>(kMaxCpus));
}

TEST(CpuSetTest, IntersectAndSubtract) {
  const CpuSet a = {0, 1, 2, 3, 8};
  const CpuSet b = {2, 3, 4, 8, 9};
  EXPECT_EQ(Intersect(a, b), (CpuSet{2, 3, 8}));
  EXPECT_EQ(Subtract(a, b), (CpuSet{0, 1}));
  EXPECT_EQ(Subtract(b, a), (CpuSet{4, 9}));
}

}  // namespace
}  // namespace llmcore::hal
