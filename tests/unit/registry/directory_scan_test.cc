// Directory sources: names from paths, nesting depth, what is skipped and
// why, symlinks, duplicate names across sources, Find and List.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "llmcore/log.h"
#include "llmcore/registry/model_registry.h"
#include "llmcore/testing/testing.h"
#include "registry_test_util.h"

namespace llmcore::registry {
namespace {

using llmcore::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Names;
using testing::Paths;
using testing::ReasonFor;
using testing::TinyModel;
using testing::TinyTensor;
using testing::WriteTinyModel;

ModelSource Dir(const TempDir& dir) {
  return {ModelSource::kDirectory, dir.path()};
}

TEST(DirectoryScan, NamesArePathsWithoutTheSuffixDownToThreeLevels) {
  TempDir dir;
  testing::CopyBundledModel(dir.File("stories260K.gguf"));
  WriteTinyModel(dir.File("llama/7b-q8.gguf"));
  WriteTinyModel(dir.File("a/b/two.gguf"));
  WriteTinyModel(dir.File("a/b/c/three.gguf"));
  WriteTinyModel(dir.File("a/b/c/d/four.gguf"));  // too deep
  WriteTinyModel(dir.File("notes.txt"));          // wrong suffix
  WriteTinyModel(dir.File("UPPER.GGUF"));         // the suffix is case-sensitive
  WriteTinyModel(dir.File(".hidden.gguf"));
  WriteTinyModel(dir.File(".cache/in-hidden-dir.gguf"));
  testing::MakeDirs(dir.File("dir.gguf"));  // a directory is not a model

  ModelRegistry registry;
  const ScanReport report = registry.Scan({Dir(dir)});
  EXPECT_THAT(Names(registry), ElementsAre("a/b/c/three", "a/b/two", "llama/7b-q8", "stories260K"));
  EXPECT_EQ(report.models, 4u);
  EXPECT_THAT(report.skipped, IsEmpty());
  EXPECT_THAT(report.duplicates, IsEmpty());

  auto entry = registry.Find("a/b/c/three");
  ASSERT_TRUE(entry.ok()) << entry.status().ToString();
  EXPECT_EQ(entry->relative_path, "a/b/c/three.gguf");
  EXPECT_EQ(entry->path, dir.File("a/b/c/three.gguf"));
}

TEST(DirectoryScan, UnusableFilesAreSkippedWithTheirReason) {
  TempDir dir;
  WriteTinyModel(dir.File("good.gguf"));
  testing::WriteText(dir.File("corrupt.gguf"), "GGUF but not really");
  testing::WriteText(dir.File("text.gguf"), "hello");
  testing::WriteText(dir.File("empty.gguf"), "");
  WriteTinyModel(dir.File("vocab-only.gguf"), TinyModel().Tensors(std::vector<TinyTensor>{}));
  WriteTinyModel(dir.File("no-arch.gguf"), TinyModel().Architecture(""));
  WriteTinyModel(dir.File("with space.gguf"));
  WriteTinyModel(dir.File("hf:fake.gguf"));
  ASSERT_EQ(::mkfifo(dir.File("fifo.gguf").c_str(), 0644), 0);  // must not block the scan

  ModelRegistry registry;
  const ScanReport report = registry.Scan({Dir(dir)});
  EXPECT_THAT(Names(registry), ElementsAre("good"));
  EXPECT_EQ(report.skipped.size(), 8u);
  EXPECT_THAT(ReasonFor(report.skipped, dir.File("corrupt.gguf")), HasSubstr("gguf: "));
  EXPECT_THAT(ReasonFor(report.skipped, dir.File("text.gguf")), HasSubstr("bad-magic"));
  EXPECT_THAT(ReasonFor(report.skipped, dir.File("empty.gguf")), HasSubstr("truncated"));
  EXPECT_THAT(ReasonFor(report.skipped, dir.File("vocab-only.gguf")), HasSubstr("no tensors"));
  EXPECT_THAT(ReasonFor(report.skipped, dir.File("no-arch.gguf")),
              HasSubstr("no general.architecture"));
  EXPECT_THAT(ReasonFor(report.skipped, dir.File("with space.gguf")),
              HasSubstr("'with space' is not a valid model name"));
  EXPECT_THAT(ReasonFor(report.skipped, dir.File("hf:fake.gguf")), HasSubstr("':' is reserved"));
  EXPECT_THAT(ReasonFor(report.skipped, dir.File("fifo.gguf")), HasSubstr("is not a regular file"));
}

TEST(DirectoryScan, SkippedFilesAreLoggedAsWarnings) {
  TempDir dir;
  testing::WriteText(dir.File("corrupt.gguf"), "nope");
  std::vector<std::string> warnings;
  LogSink previous = SetLogSink([&warnings](LogLevel level, std::string_view line) {
    if (level == LogLevel::kWarning) warnings.emplace_back(line);
  });
  ModelRegistry registry;
  (void)registry.Scan({Dir(dir)});
  SetLogSink(previous);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr(dir.File("corrupt.gguf")));
  EXPECT_THAT(warnings[0], HasSubstr("bad-magic"));
}

TEST(DirectoryScan, SymlinkedFilesInsideTheRootCountButSymlinkedDirectoriesAreNotEntered) {
  TempDir dir;
  TempDir outside;
  WriteTinyModel(dir.File("models/real.gguf"));
  testing::Symlink("models/real.gguf", dir.File("alias.gguf"));
  testing::Symlink("models", dir.File("linked-dir"));
  WriteTinyModel(outside.File("elsewhere/secret.gguf"));
  testing::Symlink(outside.File("elsewhere"), dir.File("outside-dir"));
  const std::string outside_name = std::filesystem::path(outside.path()).filename();
  testing::Symlink("../" + outside_name + "/elsewhere/secret.gguf", dir.File("escape.gguf"));
  testing::Symlink(outside.File("elsewhere/secret.gguf"), dir.File("absolute.gguf"));

  ModelRegistry registry;
  const ScanReport report = registry.Scan({Dir(dir)});
  EXPECT_THAT(Names(registry), ElementsAre("alias", "models/real"));
  EXPECT_THAT(ReasonFor(report.skipped, dir.File("escape.gguf")),
              HasSubstr("leads outside its model directory"));
  EXPECT_THAT(ReasonFor(report.skipped, dir.File("absolute.gguf")),
              HasSubstr("leads outside its model directory"));
  EXPECT_EQ(report.skipped.size(), 2u);
  auto alias = registry.Find("alias");
  ASSERT_TRUE(alias.ok());
  EXPECT_EQ(alias->relative_path, "alias.gguf");
  EXPECT_EQ(alias->architecture, "llama");
}

TEST(DirectoryScan, AMissingRootIsNoError) {
  TempDir dir;
  ModelRegistry registry;
  const ScanReport report = registry.Scan({{ModelSource::kDirectory, dir.File("absent")}});
  EXPECT_EQ(report.models, 0u);
  EXPECT_THAT(report.skipped, IsEmpty());
}

TEST(DirectoryScan, ARootThatIsAFileIsReported) {
  TempDir dir;
  testing::WriteText(dir.File("file"), "x");
  ModelRegistry registry;
  const ScanReport report = registry.Scan({{ModelSource::kDirectory, dir.File("file")}});
  EXPECT_THAT(Paths(report.skipped), ElementsAre(dir.File("file")));
  EXPECT_THAT(report.skipped[0].reason, HasSubstr("cannot open the model directory"));
}

TEST(DirectoryScan, TheEarlierSourceWinsADuplicateName) {
  TempDir first;
  TempDir second;
  WriteTinyModel(first.File("shared.gguf"), TinyModel().Architecture("llama"));
  WriteTinyModel(second.File("shared.gguf"), TinyModel().Architecture("qwen2"));
  WriteTinyModel(second.File("only-second.gguf"));
  // A corrupt file does not take the name from a good one later on.
  testing::WriteText(first.File("broken.gguf"), "nope");
  WriteTinyModel(second.File("broken.gguf"), TinyModel().Architecture("qwen3"));

  ModelRegistry registry;
  const ScanReport report = registry.Scan({Dir(first), Dir(second)});
  EXPECT_THAT(Names(registry), ElementsAre("broken", "only-second", "shared"));
  EXPECT_EQ(registry.Find("shared")->architecture, "llama");
  EXPECT_EQ(registry.Find("broken")->architecture, "qwen3");
  EXPECT_THAT(Paths(report.duplicates), ElementsAre(second.File("shared.gguf")));
  EXPECT_THAT(report.duplicates[0].reason,
              HasSubstr("'shared' is already taken by " + first.File("shared.gguf")));
  EXPECT_THAT(Paths(report.skipped), ElementsAre(first.File("broken.gguf")));
}

TEST(DirectoryScan, FindRefusesBadNamesAndReportsUnknownOnes) {
  TempDir dir;
  WriteTinyModel(dir.File("m.gguf"));
  ModelRegistry registry;
  (void)registry.Scan({Dir(dir)});

  auto unknown = registry.Find("nope");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr("no model named 'nope'"));

  for (const char* bad : {"", "../m", "/m", "a//b", "m/", "a b", "a/./b"}) {
    auto result = registry.Find(bad);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(result.status().message(), HasSubstr("is not a valid model name")) << bad;
  }
  EXPECT_TRUE(registry.Find("m").ok());
}

TEST(DirectoryScan, AnEmptyRegistryListsNothing) {
  ModelRegistry registry;
  EXPECT_THAT(registry.List(), IsEmpty());
  EXPECT_EQ(registry.Find("stories260K").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace llmcore::registry
