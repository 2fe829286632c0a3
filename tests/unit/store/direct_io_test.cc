// O_DIRECT: the block-aligned middle of the data goes straight into the
// segment; the partial blocks at either end are read buffered.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "llmcore/store/model_store.h"
#include "llmcore/testing/testing.h"
#include "store_test_util.h"

namespace llmcore::store {
namespace {

using testing::ExpectSegmentMatchesFile;
using testing::FaultyIoBackend;
using testing::LogCapture;
using testing::ModelSpec;

std::string FileSystemName(const std::string& dir) {
  struct statfs fs {};
  if (statfs(dir.c_str(), &fs) != 0) return "an unknown file system";
  switch (static_cast<unsigned long>(fs.f_type)) {
    case 0xEF53: return "ext2/3/4";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x01021994: return "tmpfs";
    case 0x794c7630: return "overlayfs";
    case 0x6969: return "nfs";
    case 0x2fc12fc1: return "zfs";
    default: {
      char hex[32];
      std::snprintf(hex, sizeof hex, "file system 0x%lx", static_cast<unsigned long>(fs.f_type));
      return hex;
    }
  }
}

// A directory in the build tree: /tmp may be tmpfs; the build tree is usually
// on a disk file system that supports O_DIRECT.
class BuildTreeDir {
 public:
  BuildTreeDir() {
    std::string pattern = llmcore::testing::BinaryDir() + "/store-direct-io-XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~BuildTreeDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class StoreDirectIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    path_ = dir_.path() + "/model.gguf";
    ModelSpec spec;
    spec.tensors = 9;
    spec.bytes_per_tensor = 300 * 1024;
    file_ = testing::WriteUnalignedModel(path_, spec);
    ASSERT_NE(file_.data_offset() % kDirectIoAlignment, 0u);
    ASSERT_NE((file_.data_offset() + file_.data_size()) % kDirectIoAlignment, 0u);
  }

  // Skips the test when this file system refuses O_DIRECT.
  void RequireDirectIo() {
    int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    auto direct = DefaultIoBackendFactory()->ReopenDirect(fd);
    close(fd);
    if (!direct.ok()) {
      GTEST_SKIP() << "O_DIRECT refused on " << FileSystemName(dir_.path()) << " (" << dir_.path()
                   << "): " << direct.status().ToString();
    }
  }

  BuildTreeDir dir_;
  std::string path_;
  gguf::GgufFile file_;
};

TEST_F(StoreDirectIoTest, ForcedDirectIoGivesIdenticalBytes) {
  RequireDirectIo();
  if (IsSkipped()) return;
  struct Case {
    bool uring;
    uint64_t chunk;
    uint32_t depth;
  };
  for (Case c : {Case{true, 4u << 20, 8}, Case{true, 64 * 1024, 4}, Case{true, 4096, 3},
                 Case{false, 64 * 1024, 1}}) {
    SCOPED_TRACE(::testing::Message() << (c.uring ? "io_uring" : "pread") << " chunk " << c.chunk
                                      << " depth " << c.depth);
    ModelStore store;
    LoadOptions options;
    options.io.direct_io = DirectIoPolicy::kAlways;
    options.io.allow_io_uring = c.uring;
    options.io.chunk_bytes = c.chunk;
    options.io.queue_depth = c.depth;
    LoadReport report;
    auto segment = store.Load(path_, file_, options, &report);
    ASSERT_TRUE(segment.ok()) << segment.status().ToString();
    EXPECT_TRUE(report.direct_io);
    ExpectSegmentMatchesFile(**segment, path_, file_);
  }
}

TEST_F(StoreDirectIoTest, ForcedDirectIoWithAlignmentAboveTheBlockSize) {
  RequireDirectIo();
  if (IsSkipped()) return;
  ModelSpec spec;
  spec.alignment = 16384;
  spec.tensors = 5;
  spec.bytes_per_tensor = 100 * 1024;
  std::string path = dir_.path() + "/aligned.gguf";
  gguf::GgufFile file = testing::WriteModel(path, spec);
  ModelStore store;
  LoadOptions options;
  options.io.direct_io = DirectIoPolicy::kAlways;
  LoadReport report;
  auto segment = store.Load(path, file, options, &report);
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  EXPECT_TRUE(report.direct_io);
  EXPECT_EQ((*segment)->header().data_offset % 16384, 0u);
  ExpectSegmentMatchesFile(**segment, path, file);
}

TEST_F(StoreDirectIoTest, FileSystemRefusingDirectIoFallsBackQuietly) {
  LogCapture log;
  auto backend = std::make_shared<FaultyIoBackend>();
  backend->reopen_direct_error =
      Status(StatusCode::kUnavailable, "the file system refuses O_DIRECT");
  ModelStore store(backend);
  LoadOptions options;
  options.io.direct_io = DirectIoPolicy::kAlways;
  LoadReport report;
  auto segment = store.Load(path_, file_, options, &report);
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  EXPECT_FALSE(report.direct_io);
  ExpectSegmentMatchesFile(**segment, path_, file_);
  EXPECT_EQ(log.Count(LogLevel::kDebug, "the file system refuses O_DIRECT"), 1u);
  EXPECT_EQ(log.CountAtLeastNotice(), 0u);
}

TEST_F(StoreDirectIoTest, AutoReadsAWarmFileBuffered) {
  auto backend = std::make_shared<FaultyIoBackend>();
  backend->residency = 1.0;
  ModelStore store(backend);
  LoadReport report;
  auto segment = store.Load(path_, file_, {}, &report);
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  EXPECT_FALSE(report.direct_io);
}

TEST_F(StoreDirectIoTest, AutoReadsAColdFileWithDirectIo) {
  RequireDirectIo();
  if (IsSkipped()) return;
  auto backend = std::make_shared<FaultyIoBackend>();
  backend->residency = 0.0;
  ModelStore store(backend);
  LoadReport report;
  auto segment = store.Load(path_, file_, {}, &report);
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  EXPECT_TRUE(report.direct_io);
  ExpectSegmentMatchesFile(**segment, path_, file_);
}

TEST_F(StoreDirectIoTest, NeverPolicyReadsBuffered) {
  auto backend = std::make_shared<FaultyIoBackend>();
  backend->residency = 0.0;
  ModelStore store(backend);
  LoadOptions options;
  options.io.direct_io = DirectIoPolicy::kNever;
  LoadReport report;
  auto segment = store.Load(path_, file_, options, &report);
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  EXPECT_FALSE(report.direct_io);
}

TEST_F(StoreDirectIoTest, ResidencyProbeSeesAFreshlyReadFile) {
  int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  std::vector<char> sink(file_.file_size());
  ASSERT_EQ(pread(fd, sink.data(), sink.size(), 0), static_cast<ssize_t>(sink.size()));
  auto warm =
      DefaultIoBackendFactory()->PageCacheResidency(fd, file_.data_offset(), file_.data_size());
  ASSERT_TRUE(warm.ok()) << warm.status().ToString();
  EXPECT_GT(*warm, 0.9);
  close(fd);
}

}  // namespace
}  // namespace llmcore::store
