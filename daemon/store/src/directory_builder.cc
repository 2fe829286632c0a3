#include "directory_builder.h"

#include <boost/interprocess/exceptions.hpp>
#include <new>
#include <string>
#include <type_traits>
#include <variant>

#include "llmcore/checked_math.h"
#include "llmcore/gguf/types.h"
#include "llmcore/store/segment_layout.h"

namespace llmcore::store::internal {
namespace {

namespace bip = boost::interprocess;
using gguf::ValueType;

// Doubling from the estimate; past this the file is not a model we can hold.
constexpr uint64_t kMaxDirectoryBytes = uint64_t{1} << 32;
constexpr int kMaxAttempts = 8;

bool IsCopiedArray(const gguf::Array& array) {
  if (array.size() > kMaxDirectoryArrayElements) return false;
  return array.element_type != ValueType::kString && array.element_type != ValueType::kArray;
}

// A generous first guess; a bad_alloc from the managed buffer retries with
// twice as much, so it only needs to be right most of the time.
std::optional<uint64_t> EstimateBytes(const gguf::GgufFile& file) {
  uint64_t total = 64 * 1024;
  for (const auto& tensor : file.tensors()) {
    auto add = CheckedAdd(tensor.name.size(), sizeof(TensorEntry) + 64);
    if (!add) return std::nullopt;
    auto sum = CheckedAdd(total, *add);
    if (!sum) return std::nullopt;
    total = *sum;
  }
  for (const auto& kv : file.metadata()) {
    uint64_t bytes = sizeof(MetadataEntry) + 128 + kv.key.size();
    if (const std::string* s = kv.value.AsString()) bytes += s->size();
    if (const gguf::Array* a = kv.value.AsArray(); a != nullptr && IsCopiedArray(*a)) {
      bytes += a->size() * sizeof(double);
    }
    auto sum = CheckedAdd(total, bytes);
    if (!sum) return std::nullopt;
    total = *sum;
  }
  // The allocator's per-block headers and the trees' slack.
  return CheckedAdd(total, total / 4);
}

// Copies every numeric element of `array` to `out`, converted to double.
void CopyArray(const gguf::Array& array, SegmentVector<double>& out) {
  std::visit(
      [&out](const auto& elements) {
        using Element = typename std::decay_t<decltype(elements)>::value_type;
        if constexpr (std::is_arithmetic_v<Element>) {
          out.reserve(elements.size());
          for (const Element& e : elements) out.push_back(static_cast<double>(e));
        }
      },
      array.elements);
}

void FillMetadata(const gguf::KeyValue& kv, MetadataEntry& entry) {
  entry.key.assign(kv.key.data(), kv.key.size());
  entry.value_type = static_cast<uint32_t>(kv.value.type);
  std::visit(
      [&entry](const auto& data) {
        using Data = std::decay_t<decltype(data)>;
        if constexpr (std::is_same_v<Data, uint64_t>) {
          entry.uint_value = data;
        } else if constexpr (std::is_same_v<Data, int64_t>) {
          entry.int_value = data;
        } else if constexpr (std::is_same_v<Data, double>) {
          entry.float_value = data;
        } else if constexpr (std::is_same_v<Data, bool>) {
          entry.uint_value = data ? 1 : 0;
        } else if constexpr (std::is_same_v<Data, std::string>) {
          entry.string_value.assign(data.data(), data.size());
        } else {
          entry.array_element_type = static_cast<uint32_t>(data.element_type);
          CopyArray(data, entry.array_values);
        }
      },
      kv.value.data);
}

bool IsCopied(const gguf::KeyValue& kv) {
  const gguf::Array* array = kv.value.AsArray();
  return array == nullptr || IsCopiedArray(*array);
}

// Builds into `storage` (of `size` bytes); throws bip::bad_alloc when it is too
// small.
BuiltDirectory BuildInto(const gguf::GgufFile& file, std::vector<std::max_align_t> storage) {
  uint64_t size = storage.size() * sizeof(std::max_align_t);
  DirectoryBuffer buffer(bip::create_only, storage.data(), size);
  SegmentAllocator<char> alloc(buffer.get_segment_manager());
  TensorDirectory* root = buffer.construct<TensorDirectory>(bip::anonymous_instance)(alloc);

  std::string arch = file.architecture();
  root->architecture.assign(arch.data(), arch.size());

  root->tensors.reserve(file.tensors().size());
  for (const auto& tensor : file.tensors()) {
    root->tensors.emplace_back(alloc);
    TensorEntry& entry = root->tensors.back();
    entry.name.assign(tensor.name.data(), tensor.name.size());
    entry.type = static_cast<uint32_t>(tensor.type);
    entry.n_dims = tensor.n_dims;
    for (size_t i = 0; i < 4; ++i) entry.ne[i] = tensor.ne[i];
    entry.offset = tensor.offset;
    entry.n_bytes = tensor.n_bytes;
  }

  size_t copied = 0;
  for (const auto& kv : file.metadata()) copied += IsCopied(kv) ? 1 : 0;
  root->metadata.reserve(copied);
  for (const auto& kv : file.metadata()) {
    if (!IsCopied(kv)) continue;
    root->metadata.emplace_back(alloc);
    FillMetadata(kv, root->metadata.back());
  }

  // Allocations are first-fit from the start, so the free tail can be cut off
  // and only the used part is copied into the segment.
  buffer.get_segment_manager()->shrink_to_fit();
  BuiltDirectory built;
  built.bytes = buffer.get_size();
  built.root_offset = static_cast<uint64_t>(reinterpret_cast<const char*>(root) -
                                            reinterpret_cast<const char*>(storage.data()));
  built.storage = std::move(storage);
  return built;
}

}  // namespace

Result<BuiltDirectory> BuildDirectory(const gguf::GgufFile& file) {
  auto estimate = EstimateBytes(file);
  if (!estimate || *estimate > kMaxDirectoryBytes) {
    return Status(StatusCode::kResourceExhausted, "tensor directory too large");
  }
  uint64_t size = *estimate;
  for (int attempt = 0; attempt < kMaxAttempts && size <= kMaxDirectoryBytes; ++attempt) {
    try {
      std::vector<std::max_align_t> storage((size + sizeof(std::max_align_t) - 1) /
                                            sizeof(std::max_align_t));
      return BuildInto(file, std::move(storage));
    } catch (const bip::bad_alloc&) {
      size *= 2;  // the managed buffer was too small
    } catch (const std::bad_alloc&) {
      return Status(StatusCode::kResourceExhausted, "out of memory building the tensor directory");
    } catch (const std::exception& e) {
      return Status(StatusCode::kInternal,
                    std::string("building the tensor directory: ") + e.what());
    }
  }
  return Status(StatusCode::kResourceExhausted, "tensor directory too large");
}

}  // namespace llmcore::store::internal
