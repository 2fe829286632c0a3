// Rescanning: added, removed and changed files show up; unchanged files
// keep their entry; readers see the old or the new list, never a mix.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "llmcore/registry/model_registry.h"
#include "llmcore/testing/testing.h"
#include "registry_test_util.h"

namespace llmcore::registry {
namespace {

using llmcore::testing::TempDir;
using ::testing::ElementsAre;
using testing::Names;
using testing::TinyModel;
using testing::TinyTensor;
using testing::WriteTinyModel;

TEST(Rescan, PicksUpAddedRemovedAndChangedFiles) {
  TempDir dir;
  const std::vector<ModelSource> sources = {{ModelSource::kDirectory, dir.path()}};
  WriteTinyModel(dir.File("a.gguf"), TinyModel().Architecture("llama"));
  WriteTinyModel(dir.File("b.gguf"));
  ModelRegistry registry;
  EXPECT_EQ(registry.Scan(sources).models, 2u);
  EXPECT_THAT(Names(registry), ElementsAre("a", "b"));

  ASSERT_EQ(::unlink(dir.File("b.gguf").c_str()), 0);
  WriteTinyModel(dir.File("sub/c.gguf"));
  // A replaced file (new size and time) is read again.
  WriteTinyModel(dir.File("a.gguf"), TinyModel().Architecture("qwen2").TokenCount(20));
  testing::SetMtime(dir.File("a.gguf"), 2'000'000'000);

  EXPECT_EQ(registry.Scan(sources).models, 2u);
  EXPECT_THAT(Names(registry), ElementsAre("a", "sub/c"));
  EXPECT_EQ(registry.Find("a")->architecture, "qwen2");
  EXPECT_EQ(registry.Find("b").status().code(), StatusCode::kNotFound);

  EXPECT_EQ(registry.Scan({}).models, 0u);
  EXPECT_TRUE(registry.List().empty());
}

TEST(Rescan, AnUnchangedFileIsNotReadAgain) {
  TempDir dir;
  const std::vector<ModelSource> sources = {{ModelSource::kDirectory, dir.path()}};
  WriteTinyModel(dir.File("a.gguf"), TinyModel().Architecture("llama"));
  testing::SetMtime(dir.File("a.gguf"), 1'000'000'000);
  ModelRegistry registry;
  (void)registry.Scan(sources);
  const ModelEntry before = *registry.Find("a");
  (void)registry.Scan(sources);
  EXPECT_EQ(*registry.Find("a"), before);

  // Same size and time: the scan keeps what it knew (the metadata is not
  // read again), which shows that unchanged files cost no reading.
  WriteTinyModel(dir.File("a.gguf"), TinyModel().Architecture("qwen3"));
  testing::SetMtime(dir.File("a.gguf"), 1'000'000'000);
  (void)registry.Scan(sources);
  EXPECT_EQ(registry.Find("a")->architecture, "llama");

  testing::SetMtime(dir.File("a.gguf"), 1'000'000'001);
  (void)registry.Scan(sources);
  EXPECT_EQ(registry.Find("a")->architecture, "qwen3");
}

TEST(Rescan, ReadersDuringScansSeeWholeLists) {
  TempDir one;
  TempDir two;
  for (int i = 0; i < 5; ++i) WriteTinyModel(one.File("one-" + std::to_string(i) + ".gguf"));
  for (int i = 0; i < 7; ++i) WriteTinyModel(two.File("two-" + std::to_string(i) + ".gguf"));
  const std::vector<ModelSource> first = {{ModelSource::kDirectory, one.path()}};
  const std::vector<ModelSource> second = {{ModelSource::kDirectory, two.path()}};
  ModelRegistry registry;
  (void)registry.Scan(first);

  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    while (!done.load()) {
      const size_t n = registry.List().size();
      if (n != 5 && n != 7) torn.fetch_add(1);
    }
  });
  for (int i = 0; i < 20; ++i) (void)registry.Scan(i % 2 == 0 ? second : first);
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
}

}  // namespace
}  // namespace llmcore::registry
