#include "store_test_util.h"

#include <chrono>
#include <cstring>
#include <thread>

#include "llmcore/gguf/reader.h"
#include "llmcore/gguf/writer.h"
#include "llmcore/testing/testing.h"

namespace llmcore::store::testing {
namespace {

using gguf::TensorType;
using gguf::ValueType;

std::vector<std::byte> PseudoRandomBytes(uint64_t n, uint64_t seed) {
  std::vector<std::byte> out(n);
  uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
  for (uint64_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<std::byte>(x >> 24);
  }
  return out;
}

gguf::Value ArrayValue(gguf::Array array) {
  gguf::Value v;
  v.type = ValueType::kArray;
  v.data = std::move(array);
  return v;
}

}  // namespace

gguf::GgufFile WriteModel(const std::string& path, const ModelSpec& spec) {
  gguf::GgufWriter writer(spec.alignment);
  EXPECT_TRUE(writer.AddString("general.architecture", "llama").ok());
  EXPECT_TRUE(writer.AddString("general.name", "store-test").ok());
  EXPECT_TRUE(writer.AddUint32("llama.context_length", 128).ok());
  EXPECT_TRUE(writer.AddUint32("llama.block_count", static_cast<uint32_t>(spec.tensors)).ok());
  EXPECT_TRUE(writer.AddFloat32("llama.rope.freq_base", 10000.0f).ok());
  EXPECT_TRUE(writer.AddInt32("test.signed", -7).ok());
  EXPECT_TRUE(writer.AddBool("test.flag", true).ok());
  if (spec.padding > 0) {
    EXPECT_TRUE(writer.AddString("test.padding", std::string(spec.padding, 'p')).ok());
  }
  gguf::Array small;
  small.element_type = ValueType::kInt32;
  small.elements = std::vector<int32_t>{1, -2, 3, -4, 5, -6, 7, -8, 9, -10};
  EXPECT_TRUE(writer.Add("test.small_array", ArrayValue(small)).ok());
  gguf::Array large;
  large.element_type = ValueType::kUint32;
  large.elements = std::vector<uint32_t>(2000, 7);
  EXPECT_TRUE(writer.Add("test.large_array", ArrayValue(large)).ok());
  gguf::Array strings;
  strings.element_type = ValueType::kString;
  strings.elements = std::vector<std::string>{"a", "b", "c"};
  EXPECT_TRUE(writer.Add("test.strings", ArrayValue(strings)).ok());

  const TensorType kTypes[] = {TensorType::kF32,  TensorType::kF16, TensorType::kQ8_0,
                               TensorType::kQ4_0, TensorType::kI8,  TensorType::kBF16};
  for (int i = 0; i < spec.tensors; ++i) {
    TensorType type = kTypes[i % std::size(kTypes)];
    const auto& traits = gguf::Traits(type);
    uint64_t ne0 = 256;
    uint64_t row_bytes = ne0 / traits.block_elements * traits.block_bytes;
    uint64_t rows = std::max<uint64_t>(1, spec.bytes_per_tensor / row_bytes);
    std::vector<uint64_t> shape = {ne0, rows};
    if (i % 3 == 2) shape = {ne0, 1, rows};  // a 3-D one now and then
    auto data = PseudoRandomBytes(rows * row_bytes, spec.seed * 1000 + i);
    EXPECT_TRUE(writer.AddTensor("blk." + std::to_string(i) + ".weight", type, shape, data).ok());
  }
  // A small last tensor, so the data rarely ends on a block boundary.
  auto tail = PseudoRandomBytes(7 * 4, spec.seed);
  EXPECT_TRUE(writer.AddTensor("output_norm.weight", TensorType::kF32, {7}, tail).ok());

  Status written = writer.WriteFile(path);
  EXPECT_TRUE(written.ok()) << written.ToString();
  auto file = gguf::ReadGgufFile(path);
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  return std::move(file).value();
}

gguf::GgufFile WriteUnalignedModel(const std::string& path, ModelSpec spec) {
  for (size_t padding = spec.padding;; padding += 8) {
    spec.padding = padding;
    gguf::GgufFile file = WriteModel(path, spec);
    uint64_t end = file.data_offset() + file.data_size();
    if (file.data_offset() % 4096 != 0 && end % 4096 != 0 &&
        file.data_size() >= 3 * kDirectIoAlignment) {
      return file;
    }
  }
}

void ExpectSegmentMatchesFile(const Segment& segment, const std::string& path,
                              const gguf::GgufFile& file) {
  std::vector<std::byte> bytes = llmcore::testing::ReadFileBytes(path);
  const SegmentHeader& h = segment.header();
  EXPECT_EQ(h.source_file_bytes, bytes.size());
  EXPECT_EQ(h.source_data_offset, file.data_offset());
  EXPECT_EQ(h.data_bytes, file.data_size());
  EXPECT_EQ(h.data_alignment, file.alignment());
  EXPECT_EQ(h.data_offset % file.alignment(), 0u);
  EXPECT_EQ(h.data_offset % kDirectIoAlignment, file.data_offset() % kDirectIoAlignment);

  const TensorDirectory& dir = segment.directory();
  ASSERT_EQ(dir.tensors.size(), file.tensors().size());
  EXPECT_EQ(std::string(dir.architecture.data(), dir.architecture.size()), file.architecture());
  for (size_t i = 0; i < file.tensors().size(); ++i) {
    const gguf::TensorInfo& want = file.tensors()[i];
    const TensorEntry& got = dir.tensors[i];
    SCOPED_TRACE(want.name);
    EXPECT_EQ(std::string(got.name.data(), got.name.size()), want.name);
    EXPECT_EQ(segment.FindTensor(want.name), &got);
    EXPECT_EQ(got.type, static_cast<uint32_t>(want.type));
    EXPECT_EQ(got.n_dims, want.n_dims);
    for (size_t d = 0; d < 4; ++d) EXPECT_EQ(got.ne[d], want.ne[d]) << "dimension " << d;
    EXPECT_EQ(got.offset, want.offset);
    EXPECT_EQ(got.n_bytes, want.n_bytes);
    std::span<const std::byte> data = segment.TensorData(got);
    ASSERT_EQ(data.size(), want.n_bytes);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(data.data()) % file.alignment(), 0u);
    ASSERT_LE(file.data_offset() + want.offset + want.n_bytes, bytes.size());
    EXPECT_EQ(
        std::memcmp(data.data(), bytes.data() + file.data_offset() + want.offset, want.n_bytes), 0)
        << "tensor bytes differ from the file";
  }
}

LogCapture::LogCapture() {
  SetLogLevel(LogLevel::kDebug);
  previous_ = SetLogSink([this](LogLevel level, std::string_view line) {
    std::lock_guard lock(mu_);
    lines_.push_back(Line{level, std::string(line)});
  });
}

LogCapture::~LogCapture() {
  SetLogSink(std::move(previous_));
  SetLogLevel(LogLevel::kInfo);
}

std::vector<LogCapture::Line> LogCapture::lines() const {
  std::lock_guard lock(mu_);
  return lines_;
}

size_t LogCapture::Count(LogLevel level, const std::string& needle) const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const Line& line : lines_) {
    n += line.level == level && line.text.find(needle) != std::string::npos;
  }
  return n;
}

size_t LogCapture::CountAtLeastNotice() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const Line& line : lines_) n += static_cast<int>(line.level) <= 5;
  return n;
}

ResourceBaseline::ResourceBaseline()
    : fds_(llmcore::testing::CountOpenFds()),
      threads_(llmcore::testing::CountThreads()),
      memfds_(llmcore::testing::OpenMemfds().size()) {}

void ResourceBaseline::ExpectNothingLeft(const ModelStore& store) const {
  EXPECT_EQ(store.live_segments(), 0u);
  EXPECT_EQ(llmcore::testing::CountOpenFds(), fds_);
  EXPECT_EQ(llmcore::testing::OpenMemfds().size(), memfds_);
  // io_uring's kernel workers (iou-wrk-*) are threads of this process and
  // leave shortly after their ring is closed.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (llmcore::testing::CountThreads() > threads_ &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(llmcore::testing::CountThreads(), threads_);
}

Result<std::unique_ptr<FileReader>> FaultyIoBackend::OpenReader(const IoOptions& options,
                                                                std::string* fallback_reason) {
  ++readers_opened;
  std::string reason;
  if (!options.allow_io_uring) {
    reason = "io_uring disabled by the load options";
  } else if (!uring_setup_error.ok()) {
    reason = uring_setup_error.ToString();
  } else {
    auto uring = OpenIoUringReader(options, filter);
    if (uring.ok()) {
      if (fallback_reason != nullptr) fallback_reason->clear();
      return uring;
    }
    reason = uring.status().ToString();
  }
  if (fallback_reason != nullptr) *fallback_reason = reason;
  return OpenPreadReader(filter);
}

Result<UniqueFd> FaultyIoBackend::CreateMemfd(const std::string& name, bool hugetlb) {
  if (!memfd_error.ok()) return memfd_error;
  if (hugetlb && !hugetlb_error.ok()) return hugetlb_error;
  auto fd = real_->CreateMemfd(name, hugetlb);
  if (fd.ok()) ++memfds_created;
  return fd;
}

Result<UniqueFd> FaultyIoBackend::ReopenDirect(int fd) {
  if (!reopen_direct_error.ok()) return reopen_direct_error;
  return real_->ReopenDirect(fd);
}

Result<double> FaultyIoBackend::PageCacheResidency(int fd, uint64_t offset, uint64_t length) {
  if (residency) return *residency;
  return real_->PageCacheResidency(fd, offset, length);
}

bool FaultyIoBackend::ShmemTransparentHugepages() {
  return real_->ShmemTransparentHugepages();
}

}  // namespace llmcore::store::testing
