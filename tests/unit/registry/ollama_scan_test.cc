// Ollama store sources: manifests under manifests/registry.ollama.ai naming
// a model layer's blob, the names, and manifests that are skipped.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "llmcore/registry/model_registry.h"
#include "llmcore/registry/open_model_file.h"
#include "llmcore/testing/testing.h"
#include "registry_test_util.h"

namespace llmcore::registry {
namespace {

using llmcore::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Names;
using testing::ReasonFor;
using testing::TinyModel;
using testing::TinyTensor;

std::string Hex(char digit) {
  return std::string(64, digit);
}

std::string Manifest(const std::string& model_digest) {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
  "config":{"mediaType":"application/vnd.docker.container.image.v1+json",
            "digest":"sha256:)" +
         Hex('c') + R"(","size":485},
  "layers":[{"mediaType":"application/vnd.ollama.image.license","digest":"sha256:)" +
         Hex('d') +
         R"(","size":7},
            {"mediaType":"application/vnd.ollama.image.model","digest":")" +
         model_digest +
         R"(","size":1234},
            {"mediaType":"application/vnd.ollama.image.template","digest":"sha256:)" +
         Hex('e') + R"(","size":9}]})";
}

class OllamaScan : public ::testing::Test {
 protected:
  std::string ManifestPath(const std::string& ns, const std::string& model,
                           const std::string& tag) const {
    return store_.File("manifests/registry.ollama.ai/" + ns + "/" + model + "/" + tag);
  }
  void AddModel(const std::string& ns, const std::string& model, const std::string& tag,
                char digest, const testing::TinyModel& gguf = {}) {
    testing::WriteTinyModel(store_.File("blobs/sha256-" + Hex(digest)), gguf);
    testing::WriteText(ManifestPath(ns, model, tag), Manifest("sha256:" + Hex(digest)));
  }
  ScanReport Scan() { return registry_.Scan({{ModelSource::kOllama, store_.path()}}); }

  TempDir store_;
  ModelRegistry registry_;
};

TEST_F(OllamaScan, LibraryModelsLoseTheirNamespace) {
  AddModel("library", "llama3.2", "1b", '1', TinyModel().Architecture("llama").FileType(15));
  AddModel("library", "llama3.2", "latest", '1', TinyModel().Architecture("llama").FileType(15));
  AddModel("alice", "tiny", "v2", '2', TinyModel().Architecture("qwen3"));
  const ScanReport report = Scan();
  EXPECT_THAT(Names(registry_),
              ElementsAre("ollama:alice/tiny:v2", "ollama:llama3.2:1b", "ollama:llama3.2:latest"));
  EXPECT_TRUE(report.skipped.empty());

  auto entry = registry_.Find("ollama:llama3.2:1b");
  ASSERT_TRUE(entry.ok()) << entry.status().ToString();
  EXPECT_EQ(entry->kind, ModelSource::kOllama);
  EXPECT_EQ(entry->relative_path, "blobs/sha256-" + Hex('1'));
  EXPECT_EQ(entry->path, store_.File("blobs/sha256-" + Hex('1')));
  EXPECT_EQ(entry->quantization, "Q4_K_M");
  EXPECT_TRUE(OpenModelFile(*entry).ok());
  EXPECT_EQ(registry_.Find("ollama:alice/tiny:v2")->architecture, "qwen3");
}

TEST_F(OllamaScan, BadManifestsAreSkippedWithTheirReason) {
  AddModel("library", "good", "1", '1');
  testing::WriteText(ManifestPath("library", "notjson", "1"), "{oops");
  testing::WriteText(ManifestPath("library", "nolayers", "1"), R"({"schemaVersion":2})");
  testing::WriteText(ManifestPath("library", "nomodel", "1"),
                     R"({"layers":[{"mediaType":"application/vnd.ollama.image.license"}]})");
  testing::WriteText(ManifestPath("library", "baddigest", "1"), Manifest("sha256:../../etc"));
  testing::WriteText(ManifestPath("library", "upperhex", "1"), Manifest("sha256:" + Hex('A')));
  testing::WriteText(ManifestPath("library", "noblob", "1"), Manifest("sha256:" + Hex('9')));
  testing::WriteText(ManifestPath("library", "huge", "1"), std::string((1 << 20) + 1, ' '));

  const ScanReport report = Scan();
  EXPECT_THAT(Names(registry_), ElementsAre("ollama:good:1"));
  EXPECT_THAT(ReasonFor(report.skipped, ManifestPath("library", "notjson", "1")),
              HasSubstr("not a JSON object"));
  EXPECT_THAT(ReasonFor(report.skipped, ManifestPath("library", "nolayers", "1")),
              HasSubstr("no \"layers\" array"));
  EXPECT_THAT(ReasonFor(report.skipped, ManifestPath("library", "nomodel", "1")),
              HasSubstr("no layer of mediaType application/vnd.ollama.image.model"));
  EXPECT_THAT(ReasonFor(report.skipped, ManifestPath("library", "baddigest", "1")),
              HasSubstr("digest is not sha256:<64 hex digits>"));
  EXPECT_THAT(ReasonFor(report.skipped, ManifestPath("library", "upperhex", "1")),
              HasSubstr("digest is not sha256:<64 hex digits>"));
  EXPECT_THAT(ReasonFor(report.skipped, store_.File("blobs/sha256-" + Hex('9'))),
              HasSubstr("No such file"));
  EXPECT_THAT(ReasonFor(report.skipped, ManifestPath("library", "huge", "1")),
              HasSubstr("not a manifest"));
  EXPECT_EQ(report.skipped.size(), 7u);
}

TEST_F(OllamaScan, AStoreWithoutManifestsHasNoModels) {
  testing::MakeDirs(store_.File("blobs"));
  const ScanReport report = Scan();
  EXPECT_EQ(report.models, 0u);
  EXPECT_TRUE(report.skipped.empty());
}

}  // namespace
}  // namespace llmcore::registry
