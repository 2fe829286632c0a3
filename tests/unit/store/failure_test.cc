// Bad files and failing system calls: a clear error, and nothing left behind
// (no segment, fd, memfd, thread or store entry).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "llmcore/gguf/reader.h"
#include "llmcore/store/model_store.h"
#include "llmcore/testing/testing.h"
#include "store_test_util.h"

namespace llmcore::store {
namespace {

using testing::FaultyIoBackend;
using ::testing::HasSubstr;
using testing::ModelSpec;
using testing::ResourceBaseline;

class StoreFailureTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    ModelSpec spec;
    spec.tensors = 6;
    spec.bytes_per_tensor = 128 * 1024;
    file_ = testing::WriteModel(path_, spec);
  }
  LoadOptions Options() const {
    LoadOptions options;
    options.io.allow_io_uring = GetParam();
    options.io.chunk_bytes = 64 * 1024;
    return options;
  }
  // After a failure the store must load the same file normally: no partial
  // entry stands in the way.
  void ExpectCleanReload(ModelStore& store) {
    auto again = store.Load(path_, Options());
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    testing::ExpectSegmentMatchesFile(**again, path_, file_);
  }

  llmcore::testing::TempDir dir_;
  std::string path_ = dir_.File("model.gguf");
  gguf::GgufFile file_;
};

TEST_P(StoreFailureTest, TruncatedFileIsRejected) {
  ResourceBaseline baseline;
  ModelStore store;
  ASSERT_EQ(truncate(path_.c_str(), static_cast<off_t>(file_.file_size() - 1000)), 0);
  auto segment = store.Load(path_, Options());
  EXPECT_EQ(segment.status().code(), StatusCode::kCorrupt);
  EXPECT_THAT(segment.status().message(), HasSubstr(path_));
  baseline.ExpectNothingLeft(store);
}

TEST_P(StoreFailureTest, FileThatShrankAfterParsingIsRejected) {
  ResourceBaseline baseline;
  ModelStore store;
  ASSERT_EQ(truncate(path_.c_str(), static_cast<off_t>(file_.file_size() - 1000)), 0);
  auto segment = store.Load(path_, file_, Options());
  EXPECT_EQ(segment.status().code(), StatusCode::kCorrupt);
  EXPECT_THAT(segment.status().message(), HasSubstr("file changed while loading"));
  baseline.ExpectNothingLeft(store);
}

TEST_P(StoreFailureTest, FileEndingDuringTheReadsIsRejected) {
  ResourceBaseline baseline;
  auto backend = std::make_shared<FaultyIoBackend>();
  std::atomic<int> reads{0};
  backend->filter = [&](const ReadRequest&, uint64_t, int64_t result) -> int64_t {
    return ++reads == 4 ? 0 : result;  // end of file, as if cut while reading
  };
  {
    ModelStore store(backend);
    auto segment = store.Load(path_, file_, Options());
    EXPECT_EQ(segment.status().code(), StatusCode::kCorrupt);
    EXPECT_THAT(segment.status().message(), HasSubstr("file changed while loading"));
    baseline.ExpectNothingLeft(store);
    ExpectCleanReload(store);
  }
}

TEST_P(StoreFailureTest, ReadErrorIsReportedAndLeavesNothing) {
  ResourceBaseline baseline;
  auto backend = std::make_shared<FaultyIoBackend>();
  std::atomic<int> reads{0};
  backend->filter = [&](const ReadRequest&, uint64_t, int64_t result) -> int64_t {
    return ++reads == 3 ? -EIO : result;
  };
  {
    ModelStore store(backend);
    auto segment = store.Load(path_, file_, Options());
    EXPECT_EQ(segment.status().code(), StatusCode::kIoError);
    EXPECT_THAT(segment.status().message(), HasSubstr("Input/output error"));
    baseline.ExpectNothingLeft(store);
    ExpectCleanReload(store);
  }
}

TEST_P(StoreFailureTest, MemfdCreationFailureLeavesNothing) {
  ResourceBaseline baseline;
  auto backend = std::make_shared<FaultyIoBackend>();
  backend->memfd_error =
      Status(StatusCode::kResourceExhausted, "memfd_create: Too many open files");
  ModelStore store(backend);
  auto segment = store.Load(path_, file_, Options());
  EXPECT_EQ(segment.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(segment.status().message(), HasSubstr("memfd_create"));
  EXPECT_EQ(backend->readers_opened.load(), 0);
  baseline.ExpectNothingLeft(store);
}

TEST_P(StoreFailureTest, GarbageFileIsRejected) {
  ResourceBaseline baseline;
  std::vector<std::byte> garbage(10000, std::byte{0x5a});
  llmcore::testing::WriteFileBytes(path_, garbage);
  ModelStore store;
  auto segment = store.Load(path_, Options());
  EXPECT_EQ(segment.status().code(), StatusCode::kCorrupt);
  EXPECT_THAT(segment.status().message(), HasSubstr("bad-magic"));
  baseline.ExpectNothingLeft(store);
}

TEST_P(StoreFailureTest, HostileTensorOffsetIsRejected) {
  // The last tensor's offset rewritten to point far past the end of the file.
  ResourceBaseline baseline;
  std::vector<std::byte> bytes = llmcore::testing::ReadFileBytes(path_);
  const gguf::TensorInfo& last = file_.tensors().back();
  ASSERT_EQ(last.n_dims, 1u);
  // Its info: name, n_dims (uint32), one uint64 dimension, type (uint32), offset (uint64).
  std::string_view all(reinterpret_cast<const char*>(bytes.data()), file_.data_offset());
  size_t name_at = all.rfind(last.name);
  ASSERT_NE(name_at, std::string_view::npos);
  size_t offset_at = name_at + last.name.size() + 4 + 8 + 4;
  uint64_t stored;
  std::memcpy(&stored, bytes.data() + offset_at, 8);
  ASSERT_EQ(stored, last.offset);
  uint64_t hostile = uint64_t{1} << 40;
  std::memcpy(bytes.data() + offset_at, &hostile, 8);
  llmcore::testing::WriteFileBytes(path_, bytes);
  ModelStore store;
  auto segment = store.Load(path_, Options());
  EXPECT_EQ(segment.status().code(), StatusCode::kCorrupt);
  baseline.ExpectNothingLeft(store);
}

TEST_P(StoreFailureTest, MissingFileIsNotFound) {
  ModelStore store;
  auto segment = store.Load(dir_.File("absent.gguf"), Options());
  EXPECT_EQ(segment.status().code(), StatusCode::kNotFound);
}

TEST_P(StoreFailureTest, DirectoryIsNotAModel) {
  ResourceBaseline baseline;
  ModelStore store;
  auto segment = store.Load(dir_.path(), Options());
  EXPECT_EQ(segment.status().code(), StatusCode::kInvalidArgument);
  baseline.ExpectNothingLeft(store);
}

TEST_P(StoreFailureTest, BadOptionsAreRejected) {
  ModelStore store;
  LoadOptions options = Options();
  options.io.queue_depth = 0;
  EXPECT_EQ(store.Load(path_, file_, options).status().code(), StatusCode::kInvalidArgument);
  options = Options();
  options.io.chunk_bytes = 0;
  EXPECT_EQ(store.Load(path_, file_, options).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store.live_segments(), 0u);
}

INSTANTIATE_TEST_SUITE_P(ReadPaths, StoreFailureTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? "IoUring" : "Pread";
                         });

}  // namespace
}  // namespace llmcore::store
