// MemorySource, FileSource, BorrowedFdSource, and how the reader uses a source: buffered, and
// passing a failing source's error through.
#include "llmcore/gguf/source.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gguf_bytes.h"
#include "llmcore/gguf/reader.h"
#include "llmcore/testing/testing.h"

namespace llmcore::gguf {
namespace {

using ::llmcore::testing::TempDir;
using ::llmcore::testing::TestdataDir;
using testing::GgufBytes;

std::vector<std::byte> Bytes(std::string_view s) {
  std::vector<std::byte> out;
  for (char c : s) out.push_back(static_cast<std::byte>(c));
  return out;
}

std::string AsString(std::span<const std::byte> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

TEST(MemorySourceTest, ReadsRanges) {
  const auto data = Bytes("0123456789");
  MemorySource source(data, "ten");
  EXPECT_EQ(source.size(), 10u);
  EXPECT_EQ(source.name(), "ten");
  std::vector<std::byte> out(4);
  ASSERT_TRUE(source.ReadAt(3, out).ok());
  EXPECT_EQ(AsString(out), "3456");
  ASSERT_TRUE(source.ReadAt(6, out).ok());
  EXPECT_EQ(AsString(out), "6789");
  EXPECT_TRUE(source.ReadAt(10, std::span<std::byte>()).ok());
}

TEST(MemorySourceTest, RangePastTheEndIsCorrupt) {
  const auto data = Bytes("0123456789");
  MemorySource source(data);
  std::vector<std::byte> out(4);
  EXPECT_EQ(source.ReadAt(7, out).code(), StatusCode::kCorrupt);
  EXPECT_EQ(source.ReadAt(UINT64_MAX - 1, out).code(), StatusCode::kCorrupt);  // wraps
}

TEST(FileSourceTest, MissingFileIsNotFoundAndNamesThePath) {
  TempDir dir;
  const std::string path = dir.File("no-such-model.gguf");
  auto source = FileSource::Open(path);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), StatusCode::kNotFound);
  EXPECT_NE(source.status().message().find(path), std::string::npos) << source.status().message();
}

TEST(FileSourceTest, DirectoryIsRejected) {
  TempDir dir;
  auto source = FileSource::Open(dir.path());
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(source.status().message().find(dir.path()), std::string::npos);
}

TEST(FileSourceTest, ReadsRangesAndRejectsRangesPastTheEnd) {
  TempDir dir;
  const std::string path = dir.File("f");
  ::llmcore::testing::WriteFileBytes(path, Bytes("abcdefgh"));
  auto source = FileSource::Open(path);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ(source->size(), 8u);
  EXPECT_EQ(source->name(), path);
  EXPECT_GE(source->fd(), 0);
  std::vector<std::byte> out(3);
  ASSERT_TRUE(source->ReadAt(5, out).ok());
  EXPECT_EQ(AsString(out), "fgh");
  EXPECT_EQ(source->ReadAt(6, out).code(), StatusCode::kCorrupt);
}

TEST(FileSourceTest, FileThatShrinksAfterOpenIsCorrupt) {
  TempDir dir;
  const std::string path = dir.File("f");
  ::llmcore::testing::WriteFileBytes(path, Bytes("abcdefgh"));
  auto source = FileSource::Open(path);
  ASSERT_TRUE(source.ok());
  ASSERT_EQ(::truncate(path.c_str(), 4), 0);
  std::vector<std::byte> out(3);
  Status status = source->ReadAt(3, out);
  EXPECT_EQ(status.code(), StatusCode::kCorrupt);
  EXPECT_NE(status.message().find(path), std::string::npos) << status.message();
}

TEST(FileSourceTest, MovedSourceKeepsTheFd) {
  TempDir dir;
  const std::string path = dir.File("f");
  ::llmcore::testing::WriteFileBytes(path, Bytes("abcdefgh"));
  const size_t fds_before = ::llmcore::testing::CountOpenFds();
  {
    auto source = FileSource::Open(path);
    ASSERT_TRUE(source.ok());
    FileSource moved = std::move(*source);
    std::vector<std::byte> out(2);
    EXPECT_TRUE(moved.ReadAt(0, out).ok());
  }
  EXPECT_EQ(::llmcore::testing::CountOpenFds(), fds_before);
}

TEST(BorrowedFdSourceTest, ReadsTheOpenFileAndLeavesTheFdOpen) {
  TempDir dir;
  const std::string path = dir.File("f");
  ::llmcore::testing::WriteFileBytes(path, Bytes("abcdefgh"));
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd);
  {
    BorrowedFdSource source(fd.get(), 8, "model.gguf");
    EXPECT_EQ(source.size(), 8u);
    EXPECT_EQ(source.name(), "model.gguf");
    std::vector<std::byte> out(3);
    ASSERT_TRUE(source.ReadAt(5, out).ok());
    EXPECT_EQ(AsString(out), "fgh");
    Status past_end = source.ReadAt(6, out);
    EXPECT_EQ(past_end.code(), StatusCode::kCorrupt);
    EXPECT_NE(past_end.message().find("model.gguf"), std::string::npos) << past_end.message();
  }
  EXPECT_NE(::fcntl(fd.get(), F_GETFD), -1) << "the source closed an fd it does not own";
}

TEST(BorrowedFdSourceTest, FileThatShrinksAfterTheCheckIsCorrupt) {
  TempDir dir;
  const std::string path = dir.File("f");
  ::llmcore::testing::WriteFileBytes(path, Bytes("abcdefgh"));
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd);
  BorrowedFdSource source(fd.get(), 8, path);
  ASSERT_EQ(::truncate(path.c_str(), 4), 0);
  std::vector<std::byte> out(3);
  EXPECT_EQ(source.ReadAt(3, out).code(), StatusCode::kCorrupt);
}

// Counts the reads the parser asks of a source.
class CountingSource final : public RandomAccessSource {
 public:
  explicit CountingSource(RandomAccessSource& inner) : inner_(inner) {}
  uint64_t size() const override { return inner_.size(); }
  Status ReadAt(uint64_t offset, std::span<std::byte> dst) override {
    ++reads_;
    return inner_.ReadAt(offset, dst);
  }
  std::string name() const override { return inner_.name(); }
  int reads() const { return reads_; }

 private:
  RandomAccessSource& inner_;
  int reads_ = 0;
};

TEST(ReaderSourceTest, LargeVocabularyIsReadInLargeChunks) {
  // 408k strings of a few bytes each; one read per field would be ~10^6 reads.
  auto file = FileSource::Open(TestdataDir() + "/vocab/ggml-vocab-llama-bpe.gguf");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  CountingSource counting(*file);
  auto parsed = ReadGguf(counting);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_LE(counting.reads(), static_cast<int>(file->size() / (32 * 1024)) + 8);
}

// Fails every read at or past `fail_from`.
class FailingSource final : public RandomAccessSource {
 public:
  FailingSource(std::span<const std::byte> data, uint64_t fail_from)
      : inner_(data), fail_from_(fail_from) {}
  uint64_t size() const override { return inner_.size(); }
  Status ReadAt(uint64_t offset, std::span<std::byte> dst) override {
    if (offset + dst.size() > fail_from_) {
      return Status(StatusCode::kIoError, "injected read failure");
    }
    return inner_.ReadAt(offset, dst);
  }
  std::string name() const override { return "failing"; }

 private:
  MemorySource inner_;
  uint64_t fail_from_;
};

TEST(ReaderSourceTest, SourceFailureIsAnIoErrorNotAFormatError) {
  GgufBytes b;
  b.Header(0, 1).KeyStr("general.name", "x");
  FailingSource source(b.bytes(), 10);
  FormatError error{Rule::kOverlappingTensors, 777, "untouched"};
  auto parsed = ReadGguf(source, {}, &error);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kIoError);
  EXPECT_NE(parsed.status().message().find("injected read failure"), std::string::npos);
  EXPECT_EQ(error.offset, 777u);  // not filled in: the file broke no rule
}

TEST(ReadGgufFileTest, MissingFileIsNotFoundAndNamesThePath) {
  TempDir dir;
  const std::string path = dir.File("absent.gguf");
  auto parsed = ReadGgufFile(path);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kNotFound);
  EXPECT_NE(parsed.status().message().find(path), std::string::npos);
}

TEST(ReadGgufFileTest, FormatErrorsArePrefixedWithThePath) {
  TempDir dir;
  const std::string path = dir.File("bad.gguf");
  ::llmcore::testing::WriteFileBytes(path, Bytes(std::string_view("GGUF\x01\0\0\0", 8)));
  FormatError error;
  auto parsed = ReadGgufFile(path, {}, &error);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(error.rule, Rule::kUnsupportedVersion);
  EXPECT_EQ(parsed.status().message(), path + ": " + error.ToString());
}

}  // namespace
}  // namespace llmcore::gguf
