// GgufWriter: what it writes is read back by ReadGguf unchanged, byte for byte
// where the spec fixes the bytes; what it refuses is refused; a failed write
// leaves nothing behind.
#include "llmcore/gguf/writer.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "llmcore/gguf/reader.h"
#include "llmcore/testing/testing.h"

namespace llmcore::gguf {
namespace {

using testing::ReadFileBytes;
using testing::TempDir;

Value Scalar(ValueType type, std::variant<uint64_t, int64_t, double, bool, std::string> v) {
  Value value;
  value.type = type;
  std::visit([&](auto&& x) { value.data = x; }, v);
  return value;
}

template <typename T>
Value ArrayValue(ValueType element_type, std::vector<T> elements) {
  Array array;
  array.element_type = element_type;
  array.elements = std::move(elements);
  return Value{ValueType::kArray, std::move(array)};
}

// Deep equality of two values, with a message naming the first difference.
::testing::AssertionResult SameValue(const Value& a, const Value& b) {
  if (a.type != b.type) {
    return ::testing::AssertionFailure()
           << "type " << ValueTypeName(a.type) << " vs " << ValueTypeName(b.type);
  }
  if (a.data.index() != b.data.index()) return ::testing::AssertionFailure() << "payload kind";
  if (const auto* x = std::get_if<Array>(&a.data)) {
    const auto& y = std::get<Array>(b.data);
    if (x->element_type != y.element_type || x->elements.index() != y.elements.index()) {
      return ::testing::AssertionFailure() << "array element type";
    }
    if (const auto* vx = std::get_if<std::vector<Value>>(&x->elements)) {
      const auto& vy = std::get<std::vector<Value>>(y.elements);
      if (vx->size() != vy.size()) return ::testing::AssertionFailure() << "nested array size";
      for (size_t i = 0; i < vx->size(); ++i) {
        auto same = SameValue((*vx)[i], vy[i]);
        if (!same) return same << " (in element " << i << ")";
      }
      return ::testing::AssertionSuccess();
    }
    bool equal = std::visit(
        [&](const auto& ex) {
          using V = std::decay_t<decltype(ex)>;
          if constexpr (std::is_same_v<V, std::vector<Value>>) {
            return false;
          } else {
            return ex == std::get<V>(y.elements);
          }
        },
        x->elements);
    return equal ? ::testing::AssertionSuccess()
                 : ::testing::AssertionFailure() << "array elements differ";
  }
  bool equal = std::visit(
      [&](const auto& ex) {
        using V = std::decay_t<decltype(ex)>;
        if constexpr (std::is_same_v<V, Array>) {
          return false;
        } else {
          return ex == std::get<V>(b.data);
        }
      },
      a.data);
  return equal ? ::testing::AssertionSuccess() : ::testing::AssertionFailure() << "value differs";
}

GgufFile ReadBack(const std::string& path) {
  auto file = ReadGgufFile(path);
  if (!file.ok()) throw std::runtime_error(file.status().ToString());
  return std::move(file).value();
}

std::vector<std::string> DirectoryEntries(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(d);
  return names;
}

std::vector<std::byte> RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::byte> bytes(n);
  for (auto& b : bytes) b = static_cast<std::byte>(rng() & 0xFF);
  return bytes;
}

// Every element type ggml defines, from the traits table.
std::vector<TensorTypeTraits> AllTensorTypes() {
  std::vector<TensorTypeTraits> all;
  for (uint32_t id = 0; id < 64; ++id) {
    if (auto traits = LookupTensorType(id)) all.push_back(*traits);
  }
  return all;
}

Status ConstantFill(const GgufWriter::Chunk& chunk, std::byte value) {
  std::memset(chunk.bytes.data(), static_cast<int>(value), chunk.bytes.size());
  return Status::Ok();
}

// --- metadata round trips ---------------------------------------------------------

TEST(GgufWriterMetadata, EveryScalarTypeRoundTrips) {
  static constexpr char kWithNul[] = "h\xC3\xA9llo \0 w\xC3\xB6rld";
  const std::vector<std::pair<std::string, Value>> values = {
      {"t.uint8", Scalar(ValueType::kUint8, uint64_t{255})},
      {"t.int8", Scalar(ValueType::kInt8, int64_t{-128})},
      {"t.uint16", Scalar(ValueType::kUint16, uint64_t{65535})},
      {"t.int16", Scalar(ValueType::kInt16, int64_t{-32768})},
      {"t.uint32", Scalar(ValueType::kUint32, uint64_t{4294967295u})},
      {"t.int32", Scalar(ValueType::kInt32, int64_t{std::numeric_limits<int32_t>::min()})},
      {"t.float32", Scalar(ValueType::kFloat32, double{0.1f})},
      {"t.bool.true", Scalar(ValueType::kBool, true)},
      {"t.bool.false", Scalar(ValueType::kBool, false)},
      {"t.string", Scalar(ValueType::kString, std::string(kWithNul, sizeof(kWithNul) - 1))},
      {"t.string.empty", Scalar(ValueType::kString, std::string())},
      {"t.uint64", Scalar(ValueType::kUint64, std::numeric_limits<uint64_t>::max())},
      {"t.int64", Scalar(ValueType::kInt64, std::numeric_limits<int64_t>::min())},
      {"t.float64", Scalar(ValueType::kFloat64, 1.0 / 3.0)},
  };
  GgufWriter writer;
  for (const auto& [key, value] : values) ASSERT_TRUE(writer.Add(key, value).ok()) << key;
  TempDir dir;
  ASSERT_TRUE(writer.WriteFile(dir.File("m.gguf")).ok());

  GgufFile file = ReadBack(dir.File("m.gguf"));
  EXPECT_EQ(file.version(), 3u);
  ASSERT_EQ(file.metadata().size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(file.metadata()[i].key, values[i].first);  // in the order added
    EXPECT_TRUE(SameValue(file.metadata()[i].value, values[i].second)) << values[i].first;
  }
}

TEST(GgufWriterMetadata, TypedHelpersWriteTheirTypes) {
  GgufWriter writer;
  ASSERT_TRUE(writer.AddString("a.string", "text").ok());
  ASSERT_TRUE(writer.AddUint32("a.u32", 7).ok());
  ASSERT_TRUE(writer.AddUint64("a.u64", uint64_t{1} << 40).ok());
  ASSERT_TRUE(writer.AddInt32("a.i32", -7).ok());
  ASSERT_TRUE(writer.AddFloat32("a.f32", 1.5f).ok());
  ASSERT_TRUE(writer.AddBool("a.bool", true).ok());
  TempDir dir;
  ASSERT_TRUE(writer.WriteFile(dir.File("m.gguf")).ok());
  GgufFile file = ReadBack(dir.File("m.gguf"));
  EXPECT_EQ(file.Find("a.string")->type, ValueType::kString);
  EXPECT_EQ(file.Find("a.u32")->type, ValueType::kUint32);
  EXPECT_EQ(file.Find("a.u64")->type, ValueType::kUint64);
  EXPECT_EQ(file.Find("a.i32")->type, ValueType::kInt32);
  EXPECT_EQ(file.Find("a.f32")->type, ValueType::kFloat32);
  EXPECT_EQ(file.Find("a.bool")->type, ValueType::kBool);
  EXPECT_EQ(*file.GetString("a.string"), "text");
  EXPECT_EQ(*file.GetUint("a.u32"), 7u);
  EXPECT_EQ(*file.GetUint("a.u64"), uint64_t{1} << 40);
  EXPECT_EQ(*file.GetInt("a.i32"), -7);
  EXPECT_EQ(*file.GetDouble("a.f32"), 1.5);
  EXPECT_EQ(*file.GetBool("a.bool"), true);
}

TEST(GgufWriterMetadata, ArraysOfEveryElementTypeRoundTrip) {
  const std::vector<std::pair<std::string, Value>> values = {
      {"a.uint8", ArrayValue<uint8_t>(ValueType::kUint8, {0, 1, 255})},
      {"a.int8", ArrayValue<int8_t>(ValueType::kInt8, {-128, 0, 127})},
      {"a.uint16", ArrayValue<uint16_t>(ValueType::kUint16, {0, 65535})},
      {"a.int16", ArrayValue<int16_t>(ValueType::kInt16, {-32768, 32767})},
      {"a.uint32", ArrayValue<uint32_t>(ValueType::kUint32, {1, 2, 4294967295u})},
      {"a.int32", ArrayValue<int32_t>(ValueType::kInt32, {-1, 2})},
      {"a.float32", ArrayValue<float>(ValueType::kFloat32, {0.5f, -1e30f, 3.25f})},
      {"a.bool", ArrayValue<uint8_t>(ValueType::kBool, {1, 0, 1})},
      {"a.string", ArrayValue<std::string>(ValueType::kString, {"", "a", "▁the", "<0x0A>"})},
      {"a.uint64", ArrayValue<uint64_t>(ValueType::kUint64, {0, ~uint64_t{0}})},
      {"a.int64", ArrayValue<int64_t>(ValueType::kInt64, {std::numeric_limits<int64_t>::min()})},
      {"a.float64", ArrayValue<double>(ValueType::kFloat64, {1e300, -0.0})},
      {"a.empty", ArrayValue<uint32_t>(ValueType::kUint32, {})},
  };
  GgufWriter writer;
  for (const auto& [key, value] : values) ASSERT_TRUE(writer.Add(key, value).ok()) << key;
  TempDir dir;
  ASSERT_TRUE(writer.WriteFile(dir.File("m.gguf")).ok());
  GgufFile file = ReadBack(dir.File("m.gguf"));
  ASSERT_EQ(file.metadata().size(), values.size());
  for (const auto& [key, value] : values) {
    ASSERT_NE(file.Find(key), nullptr) << key;
    EXPECT_TRUE(SameValue(*file.Find(key), value)) << key;
  }
}

TEST(GgufWriterMetadata, NestedArraysRoundTrip) {
  // [[1, 2], [], [3]] and [["a"], ["b", "c"]] and [[[7]], [[8, 9], []]].
  Value ints =
      ArrayValue<Value>(ValueType::kArray, {ArrayValue<uint32_t>(ValueType::kUint32, {1, 2}),
                                            ArrayValue<uint32_t>(ValueType::kUint32, {}),
                                            ArrayValue<uint32_t>(ValueType::kUint32, {3})});
  Value strings = ArrayValue<Value>(ValueType::kArray,
                                    {ArrayValue<std::string>(ValueType::kString, {"a"}),
                                     ArrayValue<std::string>(ValueType::kString, {"b", "c"})});
  Value deep = ArrayValue<Value>(
      ValueType::kArray,
      {ArrayValue<Value>(ValueType::kArray, {ArrayValue<int8_t>(ValueType::kInt8, {7})}),
       ArrayValue<Value>(ValueType::kArray, {ArrayValue<int8_t>(ValueType::kInt8, {8, 9}),
                                             ArrayValue<int8_t>(ValueType::kInt8, {})})});
  GgufWriter writer;
  ASSERT_TRUE(writer.Add("n.ints", ints).ok());
  ASSERT_TRUE(writer.Add("n.strings", strings).ok());
  ASSERT_TRUE(writer.Add("n.deep", deep).ok());
  TempDir dir;
  ASSERT_TRUE(writer.WriteFile(dir.File("m.gguf")).ok());
  GgufFile file = ReadBack(dir.File("m.gguf"));
  EXPECT_TRUE(SameValue(*file.Find("n.ints"), ints));
  EXPECT_TRUE(SameValue(*file.Find("n.strings"), strings));
  EXPECT_TRUE(SameValue(*file.Find("n.deep"), deep));
}

TEST(GgufWriterMetadata, IntegerPayloadsOfEitherKindAreAccepted) {
  GgufWriter writer;
  EXPECT_TRUE(writer.Add("k.a", Scalar(ValueType::kUint8, int64_t{200})).ok());
  EXPECT_TRUE(writer.Add("k.b", Scalar(ValueType::kInt64, uint64_t{5})).ok());
  TempDir dir;
  ASSERT_TRUE(writer.WriteFile(dir.File("m.gguf")).ok());
  GgufFile file = ReadBack(dir.File("m.gguf"));
  EXPECT_EQ(*file.GetUint("k.a"), 200u);
  EXPECT_EQ(*file.GetInt("k.b"), 5);
}

// --- exact bytes ----------------------------------------------------------------

void PutLe(std::vector<std::byte>& out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFF));
}
void PutStr(std::vector<std::byte>& out, const std::string& s) {
  PutLe(out, s.size(), 8);
  for (char c : s) out.push_back(static_cast<std::byte>(c));
}

TEST(GgufWriterLayout, SmallFileHasTheSpecifiedBytes) {
  GgufWriter writer;
  ASSERT_TRUE(writer.AddUint32("k", 0x01020304).ok());
  const std::vector<std::byte> data = RandomBytes(2 * 3 * 4, 1);
  ASSERT_TRUE(writer.AddTensor("w", TensorType::kF32, {2, 3}, data).ok());
  TempDir dir;
  ASSERT_TRUE(writer.WriteFile(dir.File("m.gguf")).ok());

  std::vector<std::byte> expected;
  for (char c : std::string("GGUF")) expected.push_back(static_cast<std::byte>(c));
  PutLe(expected, 3, 4);  // version
  PutLe(expected, 1, 8);  // tensor count
  PutLe(expected, 1, 8);  // key count
  PutStr(expected, "k");
  PutLe(expected, 4, 4);  // uint32
  PutLe(expected, 0x01020304, 4);
  PutStr(expected, "w");
  PutLe(expected, 2, 4);  // n_dims
  PutLe(expected, 2, 8);
  PutLe(expected, 3, 8);
  PutLe(expected, 0, 4);              // f32
  PutLe(expected, 0, 8);              // offset
  expected.resize(96, std::byte{0});  // 82 bytes of header padded to 32
  expected.insert(expected.end(), data.begin(), data.end());
  expected.resize(128, std::byte{0});  // the data padded to 32 too
  EXPECT_EQ(ReadFileBytes(dir.File("m.gguf")), expected);
}

TEST(GgufWriterLayout, DefaultAlignmentWritesNoAlignmentKey) {
  GgufWriter writer;
  ASSERT_TRUE(writer.AddString("general.architecture", "llama").ok());
  ASSERT_TRUE(writer.AddTensor("a", TensorType::kF32, {3}, RandomBytes(12, 2)).ok());
  ASSERT_TRUE(writer.AddTensor("b", TensorType::kF32, {5}, RandomBytes(20, 3)).ok());
  TempDir dir;
  ASSERT_TRUE(writer.WriteFile(dir.File("m.gguf")).ok());
  GgufFile file = ReadBack(dir.File("m.gguf"));
  EXPECT_EQ(file.Find("general.alignment"), nullptr);
  EXPECT_EQ(file.alignment(), 32u);
  EXPECT_EQ(file.data_offset() % 32, 0u);
  EXPECT_EQ(file.FindTensor("a")->offset, 0u);
  EXPECT_EQ(file.FindTensor("b")->offset, 32u);
  EXPECT_EQ(file.file_size() % 32, 0u);
}

TEST(GgufWriterLayout, Alignment64IsWrittenFirstAndHonoured) {
  GgufWriter writer(64);
  ASSERT_TRUE(writer.AddString("general.architecture", "llama").ok());
  ASSERT_TRUE(writer.AddTensor("a", TensorType::kF32, {3}, RandomBytes(12, 2)).ok());
  ASSERT_TRUE(writer.AddTensor("b", TensorType::kF16, {40}, RandomBytes(80, 3)).ok());
  ASSERT_TRUE(writer.AddTensor("c", TensorType::kF32, {1}, RandomBytes(4, 4)).ok());
  TempDir dir;
  ASSERT_TRUE(writer.WriteFile(dir.File("m.gguf")).ok());
  GgufFile file = ReadBack(dir.File("m.gguf"));
  ASSERT_EQ(file.metadata().size(), 2u);
  EXPECT_EQ(file.metadata()[0].key, "general.alignment");
  EXPECT_EQ(file.metadata()[0].value.type, ValueType::kUint32);
  EXPECT_EQ(*file.GetUint("general.alignment"), 64u);
  EXPECT_EQ(file.alignment(), 64u);
  EXPECT_EQ(file.data_offset() % 64, 0u);
  EXPECT_EQ(file.FindTensor("a")->offset, 0u);
  EXPECT_EQ(file.FindTensor("b")->offset, 64u);
  EXPECT_EQ(file.FindTensor("c")->offset, 192u);
  EXPECT_EQ(file.file_size(), file.data_offset() + 256);
}

// Every ggml type, with random bytes: the data lands at the offsets the
// directory gives, unchanged, and everything between is zero.
TEST(GgufWriterLayout, TensorsOfEveryTypeKeepTheirExactBytes) {
  for (uint64_t alignment : {32u, 64u}) {
    GgufWriter writer(alignment);
    std::vector<std::vector<std::byte>> datas;
    const auto types = AllTensorTypes();
    ASSERT_GE(types.size(), 30u);
    for (size_t i = 0; i < types.size(); ++i) {
      const auto& t = types[i];
      datas.push_back(RandomBytes(2 * 3 * t.block_bytes, static_cast<uint32_t>(i)));
      ASSERT_TRUE(writer
                      .AddTensor("t." + std::string(t.name), t.type,
                                 {2 * uint64_t{t.block_elements}, 3}, datas.back())
                      .ok())
          << t.name;
    }
    TempDir dir;
    ASSERT_TRUE(writer.WriteFile(dir.File("m.gguf")).ok());
    GgufFile file = ReadBack(dir.File("m.gguf"));
    const auto bytes = ReadFileBytes(dir.File("m.gguf"));
    ASSERT_EQ(bytes.size(), file.file_size());
    ASSERT_EQ(file.tensors().size(), types.size());
    std::vector<bool> covered(bytes.size(), false);
    for (size_t i = 0; i < types.size(); ++i) {
      const TensorInfo& info = file.tensors()[i];
      EXPECT_EQ(info.name, "t." + std::string(types[i].name));
      EXPECT_EQ(info.type, types[i].type);
      EXPECT_EQ(info.n_dims, 2u);
      EXPECT_EQ(info.ne[0], 2 * uint64_t{types[i].block_elements});
      EXPECT_EQ(info.ne[1], 3u);
      EXPECT_EQ(info.offset % alignment, 0u);
      ASSERT_EQ(info.n_bytes, datas[i].size());
      const uint64_t at = file.data_offset() + info.offset;
      EXPECT_TRUE(std::equal(datas[i].begin(), datas[i].end(), bytes.begin() + at))
          << types[i].name;
      std::fill(covered.begin() + at, covered.begin() + at + info.n_bytes, true);
    }
    for (uint64_t at = file.data_offset(); at < bytes.size(); ++at) {
      if (!covered[at]) {
        ASSERT_EQ(bytes[at], std::byte{0}) << "padding at byte " << at;
      }
    }
    EXPECT_EQ(bytes.size() % alignment, 0u);
  }
}

TEST(GgufWriterLayout, HeaderPaddingIsZero) {
  GgufWriter writer;
  ASSERT_TRUE(writer.AddString("general.name", "x").ok());
  ASSERT_TRUE(writer.AddTensor("w", TensorType::kF32, {1}, RandomBytes(4, 5)).ok());
  TempDir dir;
  ASSERT_TRUE(writer.WriteFile(dir.File("m.gguf")).ok());
  GgufFile file = ReadBack(dir.File("m.gguf"));
  const auto bytes = ReadFileBytes(dir.File("m.gguf"));
  // The last tensor info ends with its 8-byte offset (0).
  const size_t header_end = 4 + 4 + 8 + 8 + (8 + 12 + 4 + 8 + 1) + (8 + 1 + 4 + 8 + 4 + 8);
  ASSERT_GT(file.data_offset(), header_end);
  for (size_t at = header_end; at < file.data_offset(); ++at) {
    ASSERT_EQ(bytes[at], std::byte{0}) << at;
  }
}

TEST(GgufWriterLayout, FileWithoutTensorsIsValid) {
  GgufWriter writer;
  ASSERT_TRUE(writer.AddString("general.architecture", "llama").ok());
  TempDir dir;
  ASSERT_TRUE(writer.WriteFile(dir.File("m.gguf")).ok());
  GgufFile file = ReadBack(dir.File("m.gguf"));
  EXPECT_TRUE(file.tensors().empty());
  EXPECT_EQ(file.file_size() % 32, 0u);
}

// --- fill callbacks ---------------------------------------------------------------

TEST(GgufWriterFill, ChunksAreConsecutiveWholeBlocksWithinTheBuffer) {
  GgufWriter writer;
  writer.set_buffer_bytes(4096);
  const uint64_t rows = 100;
  const uint64_t n_elements = 256 * rows;
  std::vector<GgufWriter::Chunk> seen;
  auto fill = [&](const GgufWriter::Chunk& chunk) {
    seen.push_back(chunk);
    // Element e of block b stores b, so the file shows the chunks in order.
    for (uint64_t b = 0; b < chunk.n_elements / 32; ++b) {
      std::memset(chunk.bytes.data() + b * 34,
                  static_cast<int>((chunk.first_element / 32 + b) & 0xFF), 34);
    }
    return Status::Ok();
  };
  ASSERT_TRUE(writer.AddTensor("q", TensorType::kQ8_0, {256, rows}, fill).ok());
  TempDir dir;
  ASSERT_TRUE(writer.WriteFile(dir.File("m.gguf")).ok());

  ASSERT_GT(seen.size(), 2u);
  uint64_t next = 0;
  for (const auto& chunk : seen) {
    EXPECT_EQ(chunk.first_element, next);
    EXPECT_EQ(chunk.first_element % 32, 0u);
    EXPECT_EQ(chunk.n_elements % 32, 0u);
    EXPECT_EQ(chunk.bytes.size(), chunk.n_elements / 32 * 34);
    EXPECT_LE(chunk.bytes.size(), 4096u);
    next += chunk.n_elements;
  }
  EXPECT_EQ(next, n_elements);

  GgufFile file = ReadBack(dir.File("m.gguf"));
  const auto bytes = ReadFileBytes(dir.File("m.gguf"));
  for (uint64_t b = 0; b < n_elements / 32; ++b) {
    ASSERT_EQ(bytes[file.data_offset() + b * 34 + 33], static_cast<std::byte>(b & 0xFF)) << b;
  }
}

TEST(GgufWriterFill, WritingTwiceGivesTheSameBytes) {
  GgufWriter writer;
  ASSERT_TRUE(writer.AddUint32("k", 1).ok());
  ASSERT_TRUE(
      writer
          .AddTensor("w", TensorType::kF16, {64, 64},
                     [](const GgufWriter::Chunk& c) { return ConstantFill(c, std::byte{7}); })
          .ok());
  TempDir dir;
  ASSERT_TRUE(writer.WriteFile(dir.File("a.gguf")).ok());
  ASSERT_TRUE(writer.WriteFile(dir.File("b.gguf")).ok());
  EXPECT_EQ(ReadFileBytes(dir.File("a.gguf")), ReadFileBytes(dir.File("b.gguf")));
}

// --- failures leave nothing behind --------------------------------------------------

TEST(GgufWriterFailure, FailedFillLeavesNoFile) {
  GgufWriter writer;
  writer.set_buffer_bytes(4096);
  int calls = 0;
  ASSERT_TRUE(
      writer
          .AddTensor("good", TensorType::kF32, {1024},
                     [](const GgufWriter::Chunk& c) { return ConstantFill(c, std::byte{1}); })
          .ok());
  ASSERT_TRUE(writer
                  .AddTensor("bad", TensorType::kF32, {4096},
                             [&](const GgufWriter::Chunk& c) {
                               if (++calls == 2)
                                 return Status(StatusCode::kIoError, "disk on fire");
                               return ConstantFill(c, std::byte{2});
                             })
                  .ok());
  TempDir dir;
  Status status = writer.WriteFile(dir.File("m.gguf"));
  EXPECT_EQ(status.code(), StatusCode::kIoError);
  EXPECT_NE(status.message().find("bad"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("disk on fire"), std::string::npos) << status.message();
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(DirectoryEntries(dir.path()).empty());
}

TEST(GgufWriterFailure, FailedFillKeepsTheExistingFile) {
  TempDir dir;
  const std::vector<std::byte> old = RandomBytes(100, 9);
  testing::WriteFileBytes(dir.File("m.gguf"), old);
  GgufWriter writer;
  ASSERT_TRUE(writer
                  .AddTensor("w", TensorType::kF32, {8},
                             [](const GgufWriter::Chunk&) {
                               return Status(StatusCode::kCancelled, "stop");
                             })
                  .ok());
  EXPECT_EQ(writer.WriteFile(dir.File("m.gguf")).code(), StatusCode::kCancelled);
  EXPECT_EQ(ReadFileBytes(dir.File("m.gguf")), old);
  EXPECT_EQ(DirectoryEntries(dir.path()), std::vector<std::string>{"m.gguf"});
}

TEST(GgufWriterFailure, ThrowingFillIsReportedAsInternal) {
  GgufWriter writer;
  ASSERT_TRUE(
      writer
          .AddTensor("w", TensorType::kF32, {8},
                     [](const GgufWriter::Chunk&) -> Status { throw std::runtime_error("boom"); })
          .ok());
  TempDir dir;
  Status status = writer.WriteFile(dir.File("m.gguf"));
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_NE(status.message().find("boom"), std::string::npos);
  EXPECT_TRUE(DirectoryEntries(dir.path()).empty());
}

TEST(GgufWriterFailure, MissingDirectoryFails) {
  GgufWriter writer;
  TempDir dir;
  Status status = writer.WriteFile(dir.File("no/such/dir/m.gguf"));
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(DirectoryEntries(dir.path()).empty());
}

TEST(GgufWriterFailure, SuccessLeavesOnlyTheTarget) {
  GgufWriter writer;
  ASSERT_TRUE(writer.AddUint32("k", 1).ok());
  TempDir dir;
  ASSERT_TRUE(writer.WriteFile(dir.File("m.gguf")).ok());
  EXPECT_EQ(DirectoryEntries(dir.path()), std::vector<std::string>{"m.gguf"});
}

TEST(GgufWriterFailure, NewFileModeFollowsTheUmask) {
  const mode_t old = umask(022);
  GgufWriter writer;
  TempDir dir;
  Status status = writer.WriteFile(dir.File("m.gguf"));
  umask(old);
  ASSERT_TRUE(status.ok());
  struct stat st {};
  ASSERT_EQ(stat(dir.File("m.gguf").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

// --- refused additions ----------------------------------------------------------------

TEST(GgufWriterRefuses, EmptyLongOrInvalidKeys) {
  GgufWriter writer;
  EXPECT_EQ(writer.AddUint32("", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.AddUint32(std::string(65536, 'k'), 1).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(writer.AddUint32(std::string(65535, 'k'), 1).ok());
  EXPECT_EQ(writer.AddUint32("bad\xC3", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.AddUint32("over\xC0\xAFlong", 1).code(), StatusCode::kInvalidArgument);
}

TEST(GgufWriterRefuses, DuplicateKeys) {
  GgufWriter writer;
  ASSERT_TRUE(writer.AddUint32("k", 1).ok());
  EXPECT_EQ(writer.AddString("k", "x").code(), StatusCode::kAlreadyExists);
  TempDir dir;
  ASSERT_TRUE(writer.WriteFile(dir.File("m.gguf")).ok());
  GgufFile file = ReadBack(dir.File("m.gguf"));
  ASSERT_EQ(file.metadata().size(), 1u);
  EXPECT_EQ(*file.GetUint("k"), 1u);
}

TEST(GgufWriterRefuses, TheAlignmentKey) {
  GgufWriter writer(64);
  EXPECT_EQ(writer.AddUint32("general.alignment", 64).code(), StatusCode::kInvalidArgument);
}

TEST(GgufWriterRefuses, PayloadsThatDoNotMatchTheirType) {
  GgufWriter writer;
  EXPECT_EQ(writer.Add("a", Scalar(ValueType::kUint32, std::string("1"))).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.Add("b", Scalar(ValueType::kString, uint64_t{1})).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.Add("c", Scalar(ValueType::kFloat32, uint64_t{1})).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.Add("d", Scalar(ValueType::kBool, uint64_t{1})).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.Add("e", Scalar(ValueType::kArray, uint64_t{1})).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.Add("f", Scalar(static_cast<ValueType>(13), uint64_t{1})).code(),
            StatusCode::kInvalidArgument);
}

TEST(GgufWriterRefuses, ValuesThatDoNotFitTheirWidth) {
  GgufWriter writer;
  EXPECT_EQ(writer.Add("a", Scalar(ValueType::kUint8, uint64_t{256})).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.Add("b", Scalar(ValueType::kInt8, int64_t{-129})).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.Add("c", Scalar(ValueType::kUint32, int64_t{-1})).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.Add("d", Scalar(ValueType::kInt64, ~uint64_t{0})).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.Add("e", Scalar(ValueType::kFloat32, 1e300)).code(),
            StatusCode::kInvalidArgument);
  // Infinity and NaN are float32 values.
  EXPECT_TRUE(writer.Add("f", Scalar(ValueType::kFloat32, HUGE_VAL)).ok());
}

TEST(GgufWriterRefuses, MalformedArrays) {
  GgufWriter writer;
  // Elements stored in the vector of another type.
  EXPECT_EQ(writer.Add("a", ArrayValue<int32_t>(ValueType::kUint32, {1})).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.Add("b", ArrayValue<double>(ValueType::kFloat32, {1.0})).code(),
            StatusCode::kInvalidArgument);
  // Booleans other than 0 and 1.
  EXPECT_EQ(writer.Add("c", ArrayValue<uint8_t>(ValueType::kBool, {0, 2})).code(),
            StatusCode::kInvalidArgument);
  // An array of arrays holding a scalar.
  EXPECT_EQ(
      writer
          .Add("d", ArrayValue<Value>(ValueType::kArray, {Scalar(ValueType::kUint32, uint64_t{1})}))
          .code(),
      StatusCode::kInvalidArgument);
  // A nested array with a bad element deeper down.
  EXPECT_EQ(writer
                .Add("e", ArrayValue<Value>(ValueType::kArray,
                                            {ArrayValue<uint8_t>(ValueType::kBool, {3})}))
                .code(),
            StatusCode::kInvalidArgument);
  // Nothing refused was written.
  TempDir dir;
  ASSERT_TRUE(writer.WriteFile(dir.File("m.gguf")).ok());
  EXPECT_TRUE(ReadBack(dir.File("m.gguf")).metadata().empty());
}

TEST(GgufWriterRefuses, BadTensorNames) {
  GgufWriter writer;
  const auto data = RandomBytes(4, 1);
  EXPECT_EQ(writer.AddTensor("", TensorType::kF32, {1}, data).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.AddTensor(std::string(64, 'n'), TensorType::kF32, {1}, data).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(writer.AddTensor(std::string(63, 'n'), TensorType::kF32, {1}, data).ok());
  EXPECT_EQ(writer.AddTensor("\xFF", TensorType::kF32, {1}, data).code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(writer.AddTensor("w", TensorType::kF32, {1}, data).ok());
  EXPECT_EQ(writer.AddTensor("w", TensorType::kF16, {2}, data).code(), StatusCode::kAlreadyExists);
}

TEST(GgufWriterRefuses, BadShapes) {
  GgufWriter writer;
  auto fill = [](const GgufWriter::Chunk& c) { return ConstantFill(c, std::byte{0}); };
  EXPECT_EQ(writer.AddTensor("a", TensorType::kF32, {}, fill).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.AddTensor("b", TensorType::kF32, {1, 1, 1, 1, 1}, fill).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.AddTensor("c", TensorType::kF32, {4, 0}, fill).code(),
            StatusCode::kInvalidArgument);
  Status row = writer.AddTensor("d", TensorType::kQ4_0, {48, 2}, fill);
  EXPECT_EQ(row.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(row.message().find("multiple of"), std::string::npos) << row.message();
  EXPECT_EQ(writer.AddTensor("e", TensorType::kQ4_K, {128}, fill).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(writer.AddTensor("f", TensorType::kF32, {1, 1, 1, 1}, fill).ok());
}

TEST(GgufWriterRefuses, ElementCountsAndSizesThatOverflow) {
  GgufWriter writer;
  auto fill = [](const GgufWriter::Chunk& c) { return ConstantFill(c, std::byte{0}); };
  const uint64_t big = uint64_t{1} << 32;
  EXPECT_EQ(writer.AddTensor("a", TensorType::kF32, {big, big}, fill).code(),
            StatusCode::kInvalidArgument);  // 2^64 elements
  EXPECT_EQ(writer.AddTensor("b", TensorType::kI8, {big, big / 2}, fill).code(),
            StatusCode::kInvalidArgument);  // 2^63 elements: above INT64_MAX
  // 2^62 f32 elements fit int64, their 2^64 bytes do not.
  EXPECT_EQ(writer.AddTensor("c", TensorType::kF32, {big, big / 4}, fill).code(),
            StatusCode::kInvalidArgument);
}

TEST(GgufWriterRefuses, UnknownTensorTypes) {
  GgufWriter writer;
  auto fill = [](const GgufWriter::Chunk& c) { return ConstantFill(c, std::byte{0}); };
  for (uint32_t id : {4u, 5u, 31u, 40u, 1000u}) {
    EXPECT_EQ(writer.AddTensor("t", static_cast<TensorType>(id), {32}, fill).code(),
              StatusCode::kInvalidArgument)
        << id;
  }
}

TEST(GgufWriterRefuses, DataOfTheWrongSizeAndMissingFills) {
  GgufWriter writer;
  EXPECT_EQ(writer.AddTensor("a", TensorType::kF32, {4}, RandomBytes(15, 1)).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.AddTensor("b", TensorType::kQ8_0, {32}, RandomBytes(32, 1)).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.AddTensor("c", TensorType::kF32, {4}, GgufWriter::TensorFill()).code(),
            StatusCode::kInvalidArgument);
  // The refused names stay free.
  EXPECT_TRUE(writer.AddTensor("a", TensorType::kF32, {4}, RandomBytes(16, 1)).ok());
}

TEST(GgufWriterRefuses, AlignmentsOutsideTheSpec) {
  for (uint64_t alignment : {0u, 4u, 48u, 100u}) {
    GgufWriter writer(alignment);
    EXPECT_EQ(writer.AddTensor("w", TensorType::kF32, {1}, RandomBytes(4, 1)).code(),
              StatusCode::kInvalidArgument)
        << alignment;
    TempDir dir;
    EXPECT_EQ(writer.WriteFile(dir.File("m.gguf")).code(), StatusCode::kInvalidArgument)
        << alignment;
    EXPECT_TRUE(DirectoryEntries(dir.path()).empty());
  }
  GgufWriter too_big(uint64_t{1} << 32);
  TempDir dir;
  EXPECT_EQ(too_big.WriteFile(dir.File("m.gguf")).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace llmcore::gguf
