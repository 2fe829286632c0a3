// ModelSources: the configured sources in search order, each once.
#include "llmcore/registry/model_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace llmcore::registry {
namespace {

using ::testing::ElementsAre;

TEST(ModelSources, DirectoriesThenHuggingFaceThenOllamaEachOnce) {
  auto config = config::ParseDaemonConfig(
      "[Models]\nOllamaModels=/o\nHuggingFaceCache=/h1\nDirectory=\nDirectory=/d1\n"
      "HuggingFaceCache=/h2\nDirectory=/d2\n",
      "test.conf");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  config->models.directories.push_back("/d1");  // duplicates are dropped here too
  EXPECT_THAT(ModelSources(*config), ElementsAre(ModelSource{ModelSource::kDirectory, "/d1"},
                                                 ModelSource{ModelSource::kDirectory, "/d2"},
                                                 ModelSource{ModelSource::kHuggingFace, "/h1"},
                                                 ModelSource{ModelSource::kHuggingFace, "/h2"},
                                                 ModelSource{ModelSource::kOllama, "/o"}));
}

TEST(ModelSources, TheDefaultsAreTheBuiltinDirectories) {
  const std::vector<ModelSource> sources = ModelSources(config::DaemonConfig{});
  ASSERT_EQ(sources.size(), config::BuiltinModelDirectories().size());
  for (size_t i = 0; i < sources.size(); ++i) {
    EXPECT_EQ(sources[i].kind, ModelSource::kDirectory);
    EXPECT_EQ(sources[i].root, config::BuiltinModelDirectories()[i]);
  }
  EXPECT_EQ(ModelSourceKindName(ModelSource::kHuggingFace), "huggingface");
}

}  // namespace
}  // namespace llmcore::registry
