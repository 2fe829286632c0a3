#include "meminfo.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

#include "read_file.h"

namespace llmcore::hal::internal {
namespace {

constexpr std::string_view kProcMeminfo =
    "MemTotal:       24683620 kB\n"
    "MemFree:        24200228 kB\n"
    "MemAvailable:   24302000 kB\n"
    "HugePages_Total:       0\n";

constexpr std::string_view kNodeMeminfo =
    "Node 0 MemTotal:        4417312 kB\n"
    "Node 0 MemFree:         3933972 kB\n"
    "Node 0 MemUsed:          483340 kB\n";

TEST(MeminfoTest, ReadsKilobyteFields) {
  EXPECT_EQ(FindMeminfoBytes(kProcMeminfo, "MemTotal"), 24683620ull * 1024);
  EXPECT_EQ(FindMeminfoBytes(kProcMeminfo, "MemAvailable"), 24302000ull * 1024);
}

TEST(MeminfoTest, SkipsThePerNodePrefix) {
  EXPECT_EQ(FindMeminfoBytes(kNodeMeminfo, "MemFree"), 3933972ull * 1024);
  EXPECT_EQ(FindMeminfoBytes("Node 12 MemFree: 7 kB", "MemFree"), 7ull * 1024);
}

TEST(MeminfoTest, AFieldWithoutUnitIsACount) {
  EXPECT_EQ(FindMeminfoBytes(kProcMeminfo, "HugePages_Total"), 0u);
  EXPECT_EQ(FindMeminfoBytes("X: 42\r\n", "X"), 42u);
}

TEST(MeminfoTest, MissingOrMalformedFieldsAreAbsent) {
  EXPECT_FALSE(FindMeminfoBytes(kProcMeminfo, "SwapTotal"));
  EXPECT_FALSE(FindMeminfoBytes(kProcMeminfo, "Mem"));  // a prefix of a key is not the key
  EXPECT_FALSE(FindMeminfoBytes("MemTotal: lots kB\n", "MemTotal"));
  EXPECT_FALSE(FindMeminfoBytes("MemTotal: -5 kB\n", "MemTotal"));
  EXPECT_FALSE(FindMeminfoBytes("MemTotal: 5 MB\n", "MemTotal"));
  EXPECT_FALSE(FindMeminfoBytes("MemTotal: 5 kB trailing\n", "MemTotal"));
  EXPECT_FALSE(FindMeminfoBytes("MemTotal:\n", "MemTotal"));
  EXPECT_FALSE(FindMeminfoBytes("", "MemTotal"));
  EXPECT_FALSE(FindMeminfoBytes("Node x MemTotal: 5 kB", "MemTotal"));
}

TEST(MeminfoTest, OverflowingSizesAreAbsent) {
  EXPECT_FALSE(FindMeminfoBytes("MemTotal: 18446744073709551615 kB\n", "MemTotal"));
  EXPECT_FALSE(FindMeminfoBytes("MemTotal: 99999999999999999999999 kB\n", "MemTotal"));
}

TEST(MeminfoTest, ThisMachineHasATotal) {
  const MemoryCounters counters = ReadMachineMemory();
  ASSERT_TRUE(counters.total_bytes.has_value());
  EXPECT_GT(*counters.total_bytes, 0u);
}

TEST(ReadWholeFileTest, ReadsProcFilesThatReportSizeZero) {
  const Result<std::string> text = ReadWholeFile("/proc/self/status", 1 << 20);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_NE(text->find("Cpus_allowed_list:"), std::string::npos);
}

TEST(ReadWholeFileTest, MissingFileIsNotFound) {
  const Result<std::string> text = ReadWholeFile("/nonexistent/llmcore-hal", 1024);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), StatusCode::kNotFound);
  EXPECT_NE(text.status().message().find("/nonexistent/llmcore-hal"), std::string::npos);
}

TEST(ReadWholeFileTest, RefusesFilesOverTheLimit) {
  char path[] = "/tmp/llmcore-hal-test-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string data(4097, 'x');
  ASSERT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  close(fd);
  EXPECT_TRUE(ReadWholeFile(path, 4097).ok());
  const Result<std::string> text = ReadWholeFile(path, 4096);
  unlink(path);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace llmcore::hal::internal
