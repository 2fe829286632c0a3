// libFuzzer target: ReadGguf over arbitrary bytes, then a walk over every
// value and tensor of what it accepted.
//
// Besides crashes, leaks and hangs (the sanitizers and libFuzzer), the walk
// checks the promises GgufFile makes to its users (gguf_file.h) and traps
// when one is broken, so an input the reader wrongly accepts is a finding.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>

#include "llmcore/gguf/reader.h"
#include "llmcore/gguf/source.h"

namespace {

using llmcore::gguf::Array;
using llmcore::gguf::GgufFile;
using llmcore::gguf::TensorInfo;
using llmcore::gguf::Value;
using llmcore::gguf::ValueType;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

void WalkValue(const Value& value, uint32_t depth);

void WalkArray(const Array& array, uint32_t depth) {
  Check(depth <= llmcore::gguf::ReadLimits{}.max_array_depth);
  Check(llmcore::gguf::IsValidValueType(static_cast<uint32_t>(array.element_type)));
  size_t n = array.size();
  if (auto values = array.As<Value>()) {
    Check(array.element_type == ValueType::kArray);
    Check(values->size() == n);
    for (const Value& v : *values) WalkValue(v, depth + 1);
  }
  if (auto bools = array.As<uint8_t>(); bools && array.element_type == ValueType::kBool) {
    for (uint8_t b : *bools) Check(b <= 1);
  }
  (void)array.As<std::string>();
  (void)array.As<float>();
}

void WalkValue(const Value& value, uint32_t depth) {
  (void)value.AsUint();
  (void)value.AsInt();
  (void)value.AsDouble();
  (void)value.AsBool();
  (void)value.AsString();
  const std::string shown = value.ToDisplayString();
  Check(!shown.empty());
  (void)value.ToDisplayString(0, 0);
  (void)value.ToDisplayString(3, 5);
  if (const Array* array = value.AsArray()) {
    Check(value.type == ValueType::kArray);
    WalkArray(*array, depth);
  }
}

void WalkFile(const GgufFile& file) {
  Check(file.version() == 2 || file.version() == 3);
  Check(file.alignment() != 0 && (file.alignment() & (file.alignment() - 1)) == 0);
  Check(file.data_offset() % file.alignment() == 0);
  for (const auto& kv : file.metadata()) {
    Check(!kv.key.empty());
    Check(file.Find(kv.key) == &kv.value);
    Check(kv.file_offset < file.file_size());
    WalkValue(kv.value, 1);
    (void)file.GetString(kv.key);
    (void)file.GetUint(kv.key);
    (void)file.GetInt(kv.key);
    (void)file.GetDouble(kv.key);
    (void)file.GetBool(kv.key);
    (void)file.GetArray(kv.key);
  }
  (void)file.architecture();
  uint64_t end = 0;
  for (const TensorInfo& t : file.tensors()) {
    Check(!t.name.empty());
    Check(file.FindTensor(t.name) == &t);
    Check(t.n_dims >= 1 && t.n_dims <= 4);
    uint64_t n = 1;
    for (uint32_t d = 0; d < 4; ++d) {
      Check(t.ne[d] >= 1);
      Check(d < t.n_dims || t.ne[d] == 1);
      Check(!__builtin_mul_overflow(n, t.ne[d], &n));
    }
    Check(n == t.n_elements);
    Check(n <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
    const auto& traits = llmcore::gguf::Traits(t.type);
    Check(t.ne[0] % traits.block_elements == 0);
    Check(t.n_bytes == n / traits.block_elements * traits.block_bytes);
    Check(t.offset % file.alignment() == 0);
    Check(file.data_offset() + t.offset + t.n_bytes <= file.file_size());
    end = std::max(end, t.offset + t.n_bytes);
  }
  Check(end == file.data_size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  llmcore::gguf::MemorySource source(
      std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size));
  llmcore::gguf::FormatError error;
  auto file = llmcore::gguf::ReadGguf(source, {}, &error);
  if (file.ok()) {
    WalkFile(*file);
  } else {
    Check(!file.status().message().empty());
    Check(error.offset <= size);
  }
  return 0;
}
