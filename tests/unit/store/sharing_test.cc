// Sharing: one segment per file, refcounted; the last reference frees it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "llmcore/gguf/reader.h"
#include "llmcore/store/model_store.h"
#include "llmcore/testing/testing.h"
#include "store_test_util.h"

namespace llmcore::store {
namespace {

using testing::FaultyIoBackend;
using testing::ModelSpec;
using testing::ResourceBaseline;
using testing::WriteModel;

size_t CountMemfdsNamed(const std::string& name) {
  auto memfds = llmcore::testing::OpenMemfds();
  return static_cast<size_t>(
      std::count(memfds.begin(), memfds.end(), "/memfd:llmcore:" + name + " (deleted)"));
}

TEST(StoreSharingTest, SameFileTwiceSharesOneSegmentAndOneMemfd) {
  ModelStore store;
  const std::string path = llmcore::testing::BundledModelPath();
  auto file = gguf::ReadGgufFile(path);
  ASSERT_TRUE(file.ok());
  auto first = store.Load(path);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  LoadReport report;
  auto second = store.Load(path, *file, {}, &report);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(first->get(), second->get());
  EXPECT_TRUE(report.shared);
  EXPECT_EQ(report.bytes_read, 0u);
  EXPECT_EQ(store.live_segments(), 1u);
  EXPECT_EQ(CountMemfdsNamed("stories260K.gguf"), 1u);
}

TEST(StoreSharingTest, ReleasingTheLastReferenceClosesTheMemfd) {
  ResourceBaseline baseline;
  ModelStore store;
  const std::string path = llmcore::testing::BundledModelPath();
  auto first = store.Load(path);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = store.Load(path);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  std::shared_ptr<const Segment> a = std::move(*first);
  std::shared_ptr<const Segment> b = std::move(*second);
  a.reset();
  EXPECT_EQ(store.live_segments(), 1u);
  EXPECT_EQ(CountMemfdsNamed("stories260K.gguf"), 1u);
  b.reset();
  EXPECT_EQ(CountMemfdsNamed("stories260K.gguf"), 0u);
  baseline.ExpectNothingLeft(store);
}

TEST(StoreSharingTest, FileLoadedAgainAfterReleaseGetsAFreshSegment) {
  FaultyIoBackend* io = nullptr;
  auto backend = std::make_shared<FaultyIoBackend>();
  io = backend.get();
  ModelStore store(backend);
  const std::string path = llmcore::testing::BundledModelPath();
  {
    auto segment = store.Load(path);
    ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  }
  auto again = store.Load(path);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(io->readers_opened.load(), 2);
  EXPECT_EQ(store.live_segments(), 1u);
}

TEST(StoreSharingTest, ModifiedFileGetsANewSegment) {
  llmcore::testing::TempDir dir;
  const std::string path = dir.File("model.gguf");
  WriteModel(path, ModelSpec{});
  ModelStore store;
  auto before = store.Load(path);
  ASSERT_TRUE(before.ok()) << before.status().ToString();

  // Same size and inode, new modification time: another version of the file.
  timespec times[2] = {{0, UTIME_OMIT}, {12345, 6789}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  auto after = store.Load(path);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_NE(before->get(), after->get());
  EXPECT_EQ(store.live_segments(), 2u);
  EXPECT_EQ(CountMemfdsNamed("model.gguf"), 2u);
}

TEST(StoreSharingTest, ConcurrentLoadsOfOneFileShareOneRead) {
  llmcore::testing::TempDir dir;
  const std::string path = dir.File("model.gguf");
  ModelSpec spec;
  spec.tensors = 12;
  spec.bytes_per_tensor = 1 << 20;
  WriteModel(path, spec);
  auto backend = std::make_shared<FaultyIoBackend>();
  ModelStore store(backend);

  constexpr int kThreads = 4;
  std::vector<std::shared_ptr<const Segment>> got(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto segment = store.Load(path);
      if (!segment.ok()) {
        ++failures;
        return;
      }
      got[t] = std::move(*segment);
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(got[t].get(), got[0].get());
  EXPECT_EQ(backend->readers_opened.load(), 1);
  EXPECT_EQ(store.live_segments(), 1u);
}

TEST(StoreSharingTest, WaiterOfACancelledLoadLoadsTheFileItself) {
  llmcore::testing::TempDir dir;
  const std::string path = dir.File("model.gguf");
  ModelSpec spec;
  spec.bytes_per_tensor = 256 * 1024;
  WriteModel(path, spec);
  ModelStore store;

  std::atomic<bool> cancel{false};
  std::thread waiter;
  Result<std::shared_ptr<const Segment>> waited = Status(StatusCode::kInternal, "not run");
  LoadOptions options;
  options.cancel = &cancel;
  options.io.chunk_bytes = 64 * 1024;
  options.progress = [&](const LoadProgress& p) {
    if (p.bytes_done == 0 || waiter.joinable()) return;
    // Mid-load: another thread asks for the same file, then this load gives up.
    waiter = std::thread([&] { waited = store.Load(path); });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel = true;
  };
  auto first = store.Load(path, options);
  ASSERT_TRUE(waiter.joinable());
  waiter.join();
  EXPECT_EQ(first.status().code(), StatusCode::kCancelled);
  ASSERT_TRUE(waited.ok()) << waited.status().ToString();
  auto file = gguf::ReadGgufFile(path);
  ASSERT_TRUE(file.ok());
  testing::ExpectSegmentMatchesFile(**waited, path, *file);
  EXPECT_EQ(store.live_segments(), 1u);
}

TEST(StoreSharingTest, WaiterSharesTheFirstLoadsError) {
  llmcore::testing::TempDir dir;
  const std::string path = dir.File("model.gguf");
  ModelSpec spec;
  spec.bytes_per_tensor = 256 * 1024;
  WriteModel(path, spec);
  auto backend = std::make_shared<FaultyIoBackend>();
  std::atomic<int> reads{0};
  backend->filter = [&](const ReadRequest&, uint64_t, int64_t result) -> int64_t {
    return ++reads >= 3 ? -EIO : result;
  };
  ModelStore store(backend);

  std::thread waiter;
  Result<std::shared_ptr<const Segment>> waited = Status(StatusCode::kInternal, "not run");
  LoadOptions options;
  options.io.chunk_bytes = 64 * 1024;
  options.progress = [&](const LoadProgress& p) {
    if (p.bytes_done == 0 || waiter.joinable()) return;
    waiter = std::thread([&] { waited = store.Load(path); });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  };
  auto first = store.Load(path, options);
  ASSERT_TRUE(waiter.joinable());
  waiter.join();
  EXPECT_EQ(first.status().code(), StatusCode::kIoError);
  EXPECT_EQ(waited.status().code(), StatusCode::kIoError);
  EXPECT_EQ(waited.status().message(), first.status().message());
  EXPECT_EQ(backend->readers_opened.load(), 1) << "the waiter read the file itself";
  EXPECT_EQ(store.live_segments(), 0u);
}

TEST(StoreSharingTest, SegmentOutlivesItsStore) {
  std::shared_ptr<const Segment> kept;
  {
    ModelStore store;
    auto segment = store.Load(llmcore::testing::BundledModelPath());
    ASSERT_TRUE(segment.ok()) << segment.status().ToString();
    kept = std::move(*segment);
  }
  EXPECT_GT(kept->directory().tensors.size(), 0u);
  EXPECT_EQ(CountMemfdsNamed("stories260K.gguf"), 1u);
  kept.reset();
  EXPECT_EQ(CountMemfdsNamed("stories260K.gguf"), 0u);
}

}  // namespace
}  // namespace llmcore::store
