// LoadedModel::Load: a model file becomes a driver instance with its text
// layer; every failure is a Status naming the model.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>

#include "engine_test_util.h"
#include "llmcore/store/model_store.h"
#include "llmcore/testing/testing.h"

namespace llmcore::engine {
namespace {

using testing::CpuDriver;

Result<std::shared_ptr<LoadedModel>> TryLoad(store::ModelStore& store, ModelLoadOptions options) {
  options.n_threads = 1;
  return LoadedModel::Load(store, CpuDriver(), options);
}

TEST(LoadedModelTest, LoadsTheBundledModel) {
  auto model = testing::Stories({.n_ctx = 0, .n_seq = 3, .n_batch = 32});
  EXPECT_EQ(model->name(), "stories260K");
  EXPECT_EQ(model->metadata().architecture(), "llama");
  EXPECT_EQ(model->tokenizer().vocab_size(), 512u);
  EXPECT_EQ(model->n_vocab(), 512u);
  EXPECT_EQ(model->n_embd(), 64u);
  EXPECT_EQ(model->n_ctx(), 128u);  // 0: the trained context, below 4096
  EXPECT_EQ(model->n_seq_max(), 3u);
  EXPECT_EQ(model->n_batch_max(), 32u);
  EXPECT_EQ(model->driver_name(), "cpu");
  EXPECT_EQ(model->device_name(), "cpu");
  EXPECT_GT(model->resident_bytes(), model->metadata().data_size());
  EXPECT_TRUE(model->supports_embeddings());
  EXPECT_FALSE(model->chat_template().has_value());  // stories260K has none
  // The scheduler's extra sequence exists on the instance.
  EXPECT_TRUE(model->instance().SeqLength(3).ok());
  EXPECT_FALSE(model->instance().SeqLength(4).ok());
}

TEST(LoadedModelTest, CapsTheContextAtTheTrainedOne) {
  EXPECT_EQ(testing::Stories({.n_ctx = 1000})->n_ctx(), 128u);
  EXPECT_EQ(testing::Stories({.n_ctx = 64})->n_ctx(), 64u);
}

TEST(LoadedModelTest, ReadsTheFileItIsGiven) {
  // The fd is what counts: the path only names the model in messages.
  const int fd = open(testing::BundledModelPath().c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  store::ModelStore store;
  ModelLoadOptions options;
  options.name = "by-fd";
  options.path = "/nonexistent/stories.gguf";
  options.fd = fd;
  auto model = TryLoad(store, options);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->n_vocab(), 512u);
  EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC) << "Load() must not close the caller's fd";
  close(fd);
}

TEST(LoadedModelTest, MissingFileIsNamed) {
  store::ModelStore store;
  ModelLoadOptions options;
  options.name = "ghost";
  options.path = "/nonexistent/ghost.gguf";
  auto model = TryLoad(store, options);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kNotFound);
  EXPECT_NE(model.status().message().find("ghost: "), std::string::npos)
      << model.status().message();
  EXPECT_NE(model.status().message().find("/nonexistent/ghost.gguf"), std::string::npos);
}

TEST(LoadedModelTest, CorruptFileIsNamed) {
  testing::TempDir dir;
  const std::string path = dir.File("broken.gguf");
  testing::WriteFileBytes(path, std::vector<std::byte>(4096, std::byte{0x5a}));
  store::ModelStore store;
  ModelLoadOptions options;
  options.name = "broken";
  options.path = path;
  auto model = TryLoad(store, options);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(model.status().message().rfind("broken: ", 0), 0u) << model.status().message();
  EXPECT_NE(model.status().message().find("bad-magic"), std::string::npos);
}

TEST(LoadedModelTest, TruncatedFileIsNamed) {
  testing::TempDir dir;
  const std::string path = dir.File("short.gguf");
  auto bytes = testing::ReadFileBytes(testing::BundledModelPath());
  bytes.resize(bytes.size() / 2);
  testing::WriteFileBytes(path, bytes);
  store::ModelStore store;
  ModelLoadOptions options;
  options.name = "short";
  options.path = path;
  auto model = TryLoad(store, options);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(model.status().message().rfind("short: ", 0), 0u) << model.status().message();
}

TEST(LoadedModelTest, CancelledLoadLeavesNothing) {
  store::ModelStore store;
  std::atomic<bool> cancel{true};
  ModelLoadOptions options;
  options.name = "cancelled";
  options.path = testing::GeneratedModelPath("--preset tiny --seed 11");
  options.cancel = &cancel;
  auto model = TryLoad(store, options);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kCancelled) << model.status().ToString();
  EXPECT_EQ(store.live_segments(), 0u);
}

TEST(LoadedModelTest, ReportsProgress) {
  store::ModelStore store;
  uint64_t last = 0, total = 0;
  ModelLoadOptions options;
  options.name = "progress";
  options.path = testing::GeneratedModelPath("--preset tiny --seed 12");
  options.progress = [&](const store::LoadProgress& p) {
    last = p.bytes_done;
    total = p.bytes_total;
  };
  auto model = TryLoad(store, options);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_GT(total, 0u);
  EXPECT_EQ(last, total);
}

TEST(LoadedModelTest, RefusesZeroSequencesOrBatch) {
  store::ModelStore store;
  ModelLoadOptions options;
  options.name = "zero";
  options.path = testing::BundledModelPath();
  options.n_seq_max = 0;
  EXPECT_EQ(TryLoad(store, options).status().code(), StatusCode::kInvalidArgument);
  options.n_seq_max = 1;
  options.n_batch_max = 0;
  EXPECT_EQ(TryLoad(store, options).status().code(), StatusCode::kInvalidArgument);
}

TEST(LoadedModelTest, RecognisesTheChatTemplateOfItsVocabulary) {
  const std::string path =
      testing::GeneratedModelPath("--preset tiny --seed 5 --vocab-from " + testing::TestdataDir() +
                                  "/vocab/ggml-vocab-phi-3.gguf");
  auto model = testing::LoadModel(path, {.n_ctx = 256, .n_seq = 2, .n_batch = 32}, "phi3-shaped");
  ASSERT_TRUE(model->chat_template().has_value());
  EXPECT_EQ(model->chat_template()->format(), text::ChatFormat::kPhi3);
}

TEST(LoadedModelTest, UnrecognisedTemplateIsNoError) {
  const std::string path = testing::TempFile("odd-template.gguf");
  testing::GgufEdits edits;
  edits.set.emplace_back("tokenizer.chat_template",
                         gguf::Value{gguf::ValueType::kString, std::string("{{ nothing known }}")});
  testing::CopyGguf(testing::BundledModelPath(), path, edits);
  auto model = testing::LoadModel(path, {}, "odd");
  EXPECT_FALSE(model->chat_template().has_value());
}

}  // namespace
}  // namespace llmcore::engine
