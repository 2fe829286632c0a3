// Progress reports and cancellation.
#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "llmcore/store/model_store.h"
#include "llmcore/testing/testing.h"
#include "store_test_util.h"

namespace llmcore::store {
namespace {

using testing::FaultyIoBackend;
using testing::ModelSpec;
using testing::ResourceBaseline;

class StoreProgressTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    ModelSpec spec;
    spec.tensors = 8;
    spec.bytes_per_tensor = 256 * 1024;
    file_ = testing::WriteModel(path_, spec);
  }
  LoadOptions Options() const {
    LoadOptions options;
    options.io.allow_io_uring = GetParam();
    options.io.chunk_bytes = 64 * 1024;
    return options;
  }

  llmcore::testing::TempDir dir_;
  std::string path_ = dir_.File("model.gguf");
  gguf::GgufFile file_;
};

TEST_P(StoreProgressTest, ProgressIsMonotonicAndEndsAtTheTotal) {
  std::vector<LoadProgress> seen;
  LoadOptions options = Options();
  options.progress = [&](const LoadProgress& p) { seen.push_back(p); };
  ModelStore store;
  auto segment = store.Load(path_, file_, options);
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  ASSERT_GT(seen.size(), 2u);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].bytes_total, file_.data_size());
    EXPECT_LE(seen[i].bytes_done, seen[i].bytes_total);
    if (i > 0) {
      EXPECT_GE(seen[i].bytes_done, seen[i - 1].bytes_done);
    }
  }
  EXPECT_EQ(seen.front().bytes_done, 0u);
  EXPECT_EQ(seen.back().bytes_done, file_.data_size());
}

TEST_P(StoreProgressTest, CancelFromTheProgressCallbackLeavesNothing) {
  ResourceBaseline baseline;
  {
    ModelStore store;
    std::atomic<bool> cancel{false};
    uint64_t last_done = 0;
    LoadOptions options = Options();
    options.cancel = &cancel;
    options.progress = [&](const LoadProgress& p) {
      last_done = p.bytes_done;
      if (p.bytes_done > 0) cancel = true;
    };
    auto segment = store.Load(path_, file_, options);
    EXPECT_EQ(segment.status().code(), StatusCode::kCancelled);
    EXPECT_LT(last_done, file_.data_size()) << "the load went on after the cancel";
    baseline.ExpectNothingLeft(store);
  }
}

TEST_P(StoreProgressTest, CancelAtTheLastReadStillCancels) {
  ResourceBaseline baseline;
  ModelStore store;
  std::atomic<bool> cancel{false};
  LoadOptions options = Options();
  options.cancel = &cancel;
  options.progress = [&](const LoadProgress& p) {
    if (p.bytes_done == p.bytes_total) cancel = true;
  };
  auto segment = store.Load(path_, file_, options);
  EXPECT_EQ(segment.status().code(), StatusCode::kCancelled);
  baseline.ExpectNothingLeft(store);
}

TEST_P(StoreProgressTest, CancelledBeforeStartingTouchesNothing) {
  auto backend = std::make_shared<FaultyIoBackend>();
  ModelStore store(backend);
  std::atomic<bool> cancel{true};
  LoadOptions options = Options();
  options.cancel = &cancel;
  auto segment = store.Load(path_, file_, options);
  EXPECT_EQ(segment.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(backend->memfds_created.load(), 0);
  EXPECT_EQ(backend->readers_opened.load(), 0);
  EXPECT_EQ(store.live_segments(), 0u);
}

INSTANTIATE_TEST_SUITE_P(ReadPaths, StoreProgressTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? "IoUring" : "Pread";
                         });

}  // namespace
}  // namespace llmcore::store
