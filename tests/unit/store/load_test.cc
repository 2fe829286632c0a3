// Loading: every tensor's bytes and the directory equal the file's.
#include <gtest/gtest.h>

#include <algorithm>

#include "llmcore/gguf/reader.h"
#include "llmcore/store/model_store.h"
#include "llmcore/testing/testing.h"
#include "store_test_util.h"

namespace llmcore::store {
namespace {

using testing::ExpectSegmentMatchesFile;
using testing::FaultyIoBackend;
using testing::LogCapture;
using testing::ModelSpec;
using testing::WriteModel;

std::string AsString(const SegmentString& s) {
  return std::string(s.data(), s.size());
}

TEST(StoreLoadTest, BundledModelMatchesTheFile) {
  const std::string path = llmcore::testing::BundledModelPath();
  auto file = gguf::ReadGgufFile(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_FALSE(file->tensors().empty());
  ModelStore store;
  auto segment = store.Load(path);
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  ExpectSegmentMatchesFile(**segment, path, *file);
  EXPECT_EQ((*segment)->source_path(), path);
}

TEST(StoreLoadTest, EveryTestdataModelWithTensorsMatchesTheFile) {
  int loaded = 0;
  for (const std::string& path : llmcore::testing::TestdataGgufFiles()) {
    auto file = gguf::ReadGgufFile(path);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    if (file->tensors().empty()) continue;
    SCOPED_TRACE(path);
    ModelStore store;
    auto segment = store.Load(path, *file);
    ASSERT_TRUE(segment.ok()) << segment.status().ToString();
    ExpectSegmentMatchesFile(**segment, path, *file);
    ++loaded;
  }
  EXPECT_GE(loaded, 1) << "no testdata GGUF with tensors found";
}

TEST(StoreLoadTest, GeneratedModelsOfSeveralAlignmentsMatchTheFile) {
  llmcore::testing::TempDir dir;
  for (uint64_t alignment : {32u, 64u, 4096u, 8192u}) {
    SCOPED_TRACE(alignment);
    ModelSpec spec;
    spec.alignment = alignment;
    spec.tensors = 8;
    const std::string path = dir.File("model-" + std::to_string(alignment) + ".gguf");
    gguf::GgufFile file = WriteModel(path, spec);
    ModelStore store;
    auto segment = store.Load(path, file);
    ASSERT_TRUE(segment.ok()) << segment.status().ToString();
    ExpectSegmentMatchesFile(**segment, path, file);
    EXPECT_EQ((*segment)->header().data_offset % alignment, 0u);
  }
}

TEST(StoreLoadTest, DirectoryHoldsTheBundledModelsHyperparameters) {
  const std::string path = llmcore::testing::BundledModelPath();
  auto file = gguf::ReadGgufFile(path);
  ASSERT_TRUE(file.ok());
  ModelStore store;
  auto segment = store.Load(path, *file);
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  const Segment& s = **segment;
  EXPECT_EQ(AsString(s.directory().architecture), "llama");

  const MetadataEntry* arch = s.FindMetadata("general.architecture");
  ASSERT_NE(arch, nullptr);
  EXPECT_EQ(arch->value_type, static_cast<uint32_t>(gguf::ValueType::kString));
  EXPECT_EQ(AsString(arch->string_value), "llama");

  const MetadataEntry* context = s.FindMetadata("llama.context_length");
  ASSERT_NE(context, nullptr);
  auto want = file->GetUint("llama.context_length");
  ASSERT_TRUE(want.ok());
  EXPECT_EQ(context->uint_value, *want);

  // The vocabulary stays out of the segment.
  EXPECT_EQ(s.FindMetadata("tokenizer.ggml.tokens"), nullptr);
}

TEST(StoreLoadTest, DirectoryCopiesScalarsStringsAndSmallNumericArraysOnly) {
  llmcore::testing::TempDir dir;
  const std::string path = dir.File("model.gguf");
  gguf::GgufFile file = WriteModel(path, ModelSpec{});
  ModelStore store;
  auto segment = store.Load(path, file);
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  const Segment& s = **segment;

  const MetadataEntry* u = s.FindMetadata("llama.context_length");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->value_type, static_cast<uint32_t>(gguf::ValueType::kUint32));
  EXPECT_EQ(u->uint_value, 128u);
  const MetadataEntry* i = s.FindMetadata("test.signed");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->int_value, -7);
  const MetadataEntry* f = s.FindMetadata("llama.rope.freq_base");
  ASSERT_NE(f, nullptr);
  EXPECT_DOUBLE_EQ(f->float_value, 10000.0);
  const MetadataEntry* b = s.FindMetadata("test.flag");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->value_type, static_cast<uint32_t>(gguf::ValueType::kBool));
  EXPECT_EQ(b->uint_value, 1u);
  const MetadataEntry* name = s.FindMetadata("general.name");
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(AsString(name->string_value), "store-test");

  const MetadataEntry* small = s.FindMetadata("test.small_array");
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(small->value_type, static_cast<uint32_t>(gguf::ValueType::kArray));
  EXPECT_EQ(small->array_element_type, static_cast<uint32_t>(gguf::ValueType::kInt32));
  std::vector<double> values(small->array_values.begin(), small->array_values.end());
  EXPECT_EQ(values, (std::vector<double>{1, -2, 3, -4, 5, -6, 7, -8, 9, -10}));

  EXPECT_EQ(s.FindMetadata("test.large_array"), nullptr);  // above kMaxDirectoryArrayElements
  EXPECT_EQ(s.FindMetadata("test.strings"), nullptr);      // arrays of strings stay out
}

TEST(StoreLoadTest, FileWithoutTensorsGivesAnEmptyDataSection) {
  std::string vocab;
  for (const std::string& path : llmcore::testing::TestdataGgufFiles()) {
    auto file = gguf::ReadGgufFile(path);
    if (file.ok() && file->tensors().empty()) {
      vocab = path;
      break;
    }
  }
  if (vocab.empty()) GTEST_SKIP() << "no testdata GGUF without tensors";
  ModelStore store;
  auto segment = store.Load(vocab);
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  EXPECT_EQ((*segment)->directory().tensors.size(), 0u);
  EXPECT_EQ((*segment)->header().data_bytes, 0u);
}

TEST(StoreLoadTest, MemfdIsNamedAfterTheModelFile) {
  ModelStore store;
  auto segment = store.Load(llmcore::testing::BundledModelPath());
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  auto memfds = llmcore::testing::OpenMemfds();
  EXPECT_NE(std::find(memfds.begin(), memfds.end(), "/memfd:llmcore:stories260K.gguf (deleted)"),
            memfds.end());
}

TEST(StoreLoadTest, DefaultOptionsReadWithIoUring) {
  if (!OpenIoUringReader(IoOptions{}).ok()) GTEST_SKIP() << "io_uring unavailable here";
  ModelStore store;
  LoadReport report;
  auto segment = store.Load(llmcore::testing::BundledModelPath(), {}, &report);
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  EXPECT_EQ(report.method, IoMethod::kIoUring);
  EXPECT_FALSE(report.shared);
  EXPECT_EQ(report.bytes_read, (*segment)->header().data_bytes);
}

TEST(StoreLoadTest, HugepagesAreReportedAsTheSystemGrantsThem) {
  ModelStore store;
  LoadOptions options;
  options.io.hugepages = true;
  LoadReport report;
  auto segment = store.Load(llmcore::testing::BundledModelPath(), options, &report);
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  // hugetlb segments are rounded to whole 2 MiB pages; otherwise the answer
  // is the system's shmem THP setting.
  bool hugetlb = (*segment)->size() % (2u << 20) == 0;
  EXPECT_EQ(report.hugepages, hugetlb || DefaultIoBackendFactory()->ShmemTransparentHugepages());

  LoadOptions plain;
  plain.io.hugepages = false;
  ModelStore other;
  LoadReport plain_report;
  auto small = other.Load(llmcore::testing::BundledModelPath(), plain, &plain_report);
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_FALSE(plain_report.hugepages);
}

TEST(StoreLoadTest, NoHugetlbPagesFallsBackQuietlyToNormalPages) {
  LogCapture log;
  auto backend = std::make_shared<FaultyIoBackend>();
  backend->hugetlb_error = Status(StatusCode::kResourceExhausted, "memfd_create (hugetlb): none");
  ModelStore store(backend);
  LoadOptions options;
  options.io.hugepages = true;
  LoadReport report;
  const std::string path = llmcore::testing::BundledModelPath();
  auto segment = store.Load(path, options, &report);
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  EXPECT_EQ(backend->memfds_created.load(), 1);  // the normal one
  EXPECT_EQ(report.hugepages, backend->ShmemTransparentHugepages());
  EXPECT_EQ(log.Count(LogLevel::kDebug, "no hugetlb pages"), 1u);
  EXPECT_EQ(log.CountAtLeastNotice(), 0u);
  auto file = gguf::ReadGgufFile(path);
  ASSERT_TRUE(file.ok());
  ExpectSegmentMatchesFile(**segment, path, *file);
}

}  // namespace
}  // namespace llmcore::store
