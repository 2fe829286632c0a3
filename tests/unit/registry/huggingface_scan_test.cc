// Hugging Face hub cache sources: models--ORG--REPO/snapshots/REV/FILE.gguf
// symlinked into ../../blobs, the newest snapshot, the names.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "llmcore/registry/model_registry.h"
#include "llmcore/registry/open_model_file.h"
#include "llmcore/testing/testing.h"
#include "registry_test_util.h"

namespace llmcore::registry {
namespace {

using llmcore::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Names;
using testing::TinyModel;
using testing::TinyTensor;

// Writes a blob and links it into a snapshot the way huggingface_hub does:
// snapshots/REV/FILE -> ../../blobs/HASH (one more "../" per subdirectory).
void AddHubFile(const TempDir& cache, const std::string& repo_dir, const std::string& revision,
                const std::string& file, const std::string& blob_hash,
                const TinyModel& model = {}) {
  const std::string repo = cache.File(repo_dir);
  testing::WriteTinyModel(repo + "/blobs/" + blob_hash, model);
  std::string up = "../../";
  for (char c : file) {
    if (c == '/') up += "../";
  }
  testing::Symlink(up + "blobs/" + blob_hash, repo + "/snapshots/" + revision + "/" + file);
}

TEST(HuggingFaceScan, NamesFromTheRepositoryAndFile) {
  TempDir cache;
  AddHubFile(cache, "models--Qwen--Qwen2-0.5B-Instruct-GGUF", "rev1",
             "qwen2-0_5b-instruct-q8_0.gguf", "aaa", TinyModel().Architecture("qwen2").FileType(7));
  AddHubFile(cache, "models--Qwen--Qwen2-0.5B-Instruct-GGUF", "rev1", "README.md.gguf.txt", "x");
  AddHubFile(cache, "models--TheOrg--Split", "r", "Q4_K_M/part.gguf", "bbb");
  AddHubFile(cache, "models--gpt2", "r", "gpt2.gguf", "ccc");
  // Not models: datasets and spaces share the cache, locks live in .locks.
  testing::WriteTinyModel(cache.File("datasets--org--data/snapshots/r/d.gguf"));
  testing::WriteTinyModel(cache.File(".locks/models--x--y/l.gguf"));
  testing::WriteText(cache.File("version.txt"), "1");

  ModelRegistry registry;
  const ScanReport report = registry.Scan({{ModelSource::kHuggingFace, cache.path()}});
  EXPECT_THAT(Names(registry),
              ElementsAre("hf:Qwen/Qwen2-0.5B-Instruct-GGUF/qwen2-0_5b-instruct-q8_0",
                          "hf:TheOrg/Split/Q4_K_M/part", "hf:gpt2/gpt2"));
  EXPECT_THAT(report.skipped, IsEmpty());

  auto qwen = registry.Find("hf:Qwen/Qwen2-0.5B-Instruct-GGUF/qwen2-0_5b-instruct-q8_0");
  ASSERT_TRUE(qwen.ok()) << qwen.status().ToString();
  EXPECT_EQ(qwen->kind, ModelSource::kHuggingFace);
  EXPECT_EQ(qwen->root, cache.path());
  EXPECT_EQ(qwen->relative_path,
            "models--Qwen--Qwen2-0.5B-Instruct-GGUF/snapshots/rev1/qwen2-0_5b-instruct-q8_0.gguf");
  EXPECT_EQ(qwen->architecture, "qwen2");
  EXPECT_EQ(qwen->quantization, "Q8_0");
  // The symlink into ../../blobs stays inside the cache: it opens.
  auto fd = OpenModelFile(*qwen);
  EXPECT_TRUE(fd.ok()) << fd.status().ToString();

  auto nested = registry.Find("hf:TheOrg/Split/Q4_K_M/part");
  ASSERT_TRUE(nested.ok());
  EXPECT_TRUE(OpenModelFile(*nested).ok());
}

TEST(HuggingFaceScan, OnlyTheNewestSnapshotCounts) {
  TempDir cache;
  const std::string repo = "models--org--repo";
  AddHubFile(cache, repo, "old", "model.gguf", "old-blob", TinyModel().Architecture("llama"));
  AddHubFile(cache, repo, "old", "dropped-later.gguf", "dropped");
  AddHubFile(cache, repo, "new", "model.gguf", "new-blob", TinyModel().Architecture("qwen3"));
  testing::SetMtime(cache.File(repo + "/snapshots/old"), 1'000'000);
  testing::SetMtime(cache.File(repo + "/snapshots/new"), 2'000'000);

  ModelRegistry registry;
  (void)registry.Scan({{ModelSource::kHuggingFace, cache.path()}});
  EXPECT_THAT(Names(registry), ElementsAre("hf:org/repo/model"));
  EXPECT_EQ(registry.Find("hf:org/repo/model")->architecture, "qwen3");

  // Names sort "new" < "old"; the time decides, not the name.
  testing::SetMtime(cache.File(repo + "/snapshots/old"), 3'000'000);
  (void)registry.Scan({{ModelSource::kHuggingFace, cache.path()}});
  EXPECT_THAT(Names(registry), ElementsAre("hf:org/repo/dropped-later", "hf:org/repo/model"));
  EXPECT_EQ(registry.Find("hf:org/repo/model")->architecture, "llama");
}

TEST(HuggingFaceScan, BadRepositoryDirectoriesAndEscapingLinksAreSkipped) {
  TempDir cache;
  TempDir outside;
  testing::WriteTinyModel(cache.File("models----nothing/snapshots/r/m.gguf"));
  testing::WriteTinyModel(outside.File("evil.gguf"));
  testing::Symlink(outside.File("evil.gguf"), cache.File("models--a--b/snapshots/r/evil.gguf"));
  // A repository without snapshots has nothing to offer, quietly.
  testing::MakeDirs(cache.File("models--a--empty/blobs"));

  ModelRegistry registry;
  const ScanReport report = registry.Scan({{ModelSource::kHuggingFace, cache.path()}});
  EXPECT_THAT(Names(registry), IsEmpty());
  EXPECT_THAT(testing::ReasonFor(report.skipped, cache.File("models----nothing")),
              HasSubstr("not a models--ORG--REPO directory name"));
  EXPECT_THAT(testing::ReasonFor(report.skipped, cache.File("models--a--b/snapshots/r/evil.gguf")),
              HasSubstr("leads outside its model directory"));
  EXPECT_EQ(report.skipped.size(), 2u);
}

}  // namespace
}  // namespace llmcore::registry
