#include "llmcore/gguf/reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <numeric>
#include <optional>
#include <utility>

#include "byte_cursor.h"
#include "gguf_file_builder.h"
#include "llmcore/checked_math.h"
#include "llmcore/utf8.h"
#include "well_known_keys.h"

namespace llmcore::gguf {
namespace {

constexpr std::array<uint8_t, 4> kMagic = {'G', 'G', 'U', 'F'};
constexpr uint32_t kDepthCap = 32;
constexpr uint64_t kMaxElements = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

// The fewest bytes an item can take in the file; a count is checked against
// the bytes left divided by these before anything is reserved for it.
constexpr uint64_t kMinKeyValueBytes = 8 + 4 + 1;            // key length, type, a 1-byte value
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;  // name length, n_dims, ne[0],
                                                             // type, offset
constexpr uint64_t kMinArrayBytes = 4 + 8;                   // element type, count

constexpr std::array kAllRules = {
    Rule::kBadMagic,          Rule::kBigEndian,           Rule::kUnsupportedVersion,
    Rule::kTruncated,         Rule::kTooManyTensors,      Rule::kTooManyKeys,
    Rule::kStringTooLong,     Rule::kInvalidUtf8,         Rule::kEmptyKey,
    Rule::kDuplicateKey,      Rule::kUnknownValueType,    Rule::kInvalidBool,
    Rule::kArrayTooLong,      Rule::kArrayNestingTooDeep, Rule::kKeyTypeMismatch,
    Rule::kBadAlignment,      Rule::kEmptyTensorName,     Rule::kDuplicateTensorName,
    Rule::kBadDimensionCount, Rule::kZeroDimension,       Rule::kElementCountOverflow,
    Rule::kUnknownTensorType, Rule::kRowNotBlockMultiple, Rule::kMisalignedTensorOffset,
    Rule::kTensorOutOfBounds, Rule::kOverlappingTensors,
};

uint64_t ArrayElementMinBytes(ValueType type) {
  switch (type) {
    case ValueType::kString: return 8;
    case ValueType::kArray: return kMinArrayBytes;
    default: return ValueTypeFixedSize(type);
  }
}

std::string TypeName(ValueType type, ValueType element_type) {
  if (type == ValueType::kArray) return fmt::format("array of {}", ValueTypeName(element_type));
  return std::string(ValueTypeName(type));
}

// One parse of one source. Each Parse* step returns false once the file broke
// a rule (error_ holds which) or the source failed (cursor_.error() says how).
class Parser {
 public:
  Parser(RandomAccessSource& source, const ReadLimits& limits)
      : cursor_(source), limits_(limits), max_depth_(std::min(limits.max_array_depth, kDepthCap)) {}

  Result<GgufFile> Run(FormatError* error) {
    if (ParseHeader() && ParseMetadata() && ParseTensorInfos() && CheckLayout()) {
      return std::move(builder_).Build();
    }
    if (!cursor_.error().ok()) return cursor_.error().WithContext("gguf");
    if (error != nullptr) *error = error_;
    const bool unsupported =
        error_.rule == Rule::kUnsupportedVersion || error_.rule == Rule::kBigEndian;
    return Status(unsupported ? StatusCode::kUnsupported : StatusCode::kCorrupt, error_.ToString());
  }

 private:
  bool Fail(Rule rule, uint64_t offset, std::string detail) {
    error_ = FormatError{rule, offset, std::move(detail)};
    return false;
  }

  // Fails with kTruncated unless `n` bytes are left for a field. `describe`
  // names the field; it is called only on failure, so that the hot paths
  // (vocabularies) build no message strings.
  template <typename Describe>
  bool Need(uint64_t n, const Describe& describe) {
    if (cursor_.remaining() >= n) return true;
    return Fail(Rule::kTruncated, cursor_.position(),
                fmt::format("the file ends inside {} ({} of {} bytes present)", describe(),
                            cursor_.remaining(), n));
  }

  template <typename T, typename Describe>
  bool ReadField(T* value, const Describe& describe) {
    return Need(sizeof(T), describe) && cursor_.ReadLittleEndian(value);
  }

  // A string: a uint64 length, then that many bytes.
  bool ReadString(std::string* out, std::string_view what) {
    const uint64_t at = cursor_.position();
    uint64_t length;
    if (!ReadField(&length, [&] { return fmt::format("the length of {}", what); })) {
      return false;
    }
    if (length > limits_.max_string_bytes) {
      return Fail(Rule::kStringTooLong, at,
                  fmt::format("{} is {} bytes long, the limit is {}", what, length,
                              limits_.max_string_bytes));
    }
    if (length > cursor_.remaining()) {
      return Fail(Rule::kStringTooLong, at,
                  fmt::format("{} is {} bytes long, only {} bytes are left in the file", what,
                              length, cursor_.remaining()));
    }
    return cursor_.ReadString(out, static_cast<size_t>(length));
  }

  // Fails with kInvalidUtf8 unless `s`, read from `at` (its length field),
  // is UTF-8; the offset is that of the first bad byte.
  bool CheckUtf8(const std::string& s, uint64_t at, std::string_view what) {
    if (const size_t bad = FindInvalidUtf8(s); bad != std::string_view::npos) {
      return Fail(Rule::kInvalidUtf8, at + 8 + bad,
                  fmt::format("{} is not valid UTF-8 (byte {} of {})", what, bad, s.size()));
    }
    return true;
  }

  bool ParseHeader() {
    std::array<uint8_t, 4> magic{};
    const size_t have = static_cast<size_t>(std::min<uint64_t>(4, cursor_.remaining()));
    if (!cursor_.Read(magic.data(), have)) return false;
    if (!std::equal(magic.begin(), magic.begin() + have, kMagic.begin())) {
      return Fail(Rule::kBadMagic, 0,
                  fmt::format("the file does not start with \"GGUF\" (first bytes {:02x})",
                              fmt::join(magic.begin(), magic.begin() + have, " ")));
    }
    if (have < 4) {
      return Fail(Rule::kTruncated, 0,
                  fmt::format("the file ends inside the magic ({} of 4 bytes present)", have));
    }

    uint32_t version;
    if (!ReadField(&version, [] { return "the version"; })) return false;
    if (version != 2 && version != 3) {
      const uint32_t swapped = __builtin_bswap32(version);
      if (swapped >= 1 && swapped <= 3) {
        return Fail(Rule::kBigEndian, 4,
                    fmt::format("version {} byte-swapped: a big-endian file, which is not "
                                "supported",
                                swapped));
      }
      return Fail(Rule::kUnsupportedVersion, 4,
                  fmt::format("version {} (only 2 and 3 are supported)", version));
    }
    builder_.set_version(version);

    if (!ReadField(&n_tensors_, [] { return "the tensor count"; })) return false;
    if (!ReadField(&n_keys_, [] { return "the metadata key count"; })) return false;

    const uint64_t left = cursor_.remaining();
    if (n_tensors_ > limits_.max_tensors) {
      return Fail(Rule::kTooManyTensors, 8,
                  fmt::format("{} tensors, the limit is {}", n_tensors_, limits_.max_tensors));
    }
    if (n_tensors_ > left / kMinTensorInfoBytes) {
      return Fail(Rule::kTooManyTensors, 8,
                  fmt::format("{} tensors need at least {} bytes each, the file has {} bytes "
                              "after the header",
                              n_tensors_, kMinTensorInfoBytes, left));
    }
    const uint64_t tensor_bytes = n_tensors_ * kMinTensorInfoBytes;  // <= left, checked above
    if (n_keys_ > limits_.max_keys) {
      return Fail(Rule::kTooManyKeys, 16,
                  fmt::format("{} metadata keys, the limit is {}", n_keys_, limits_.max_keys));
    }
    if (n_keys_ > (left - tensor_bytes) / kMinKeyValueBytes) {
      return Fail(Rule::kTooManyKeys, 16,
                  fmt::format("{} metadata keys (and {} tensors) need more than the {} bytes "
                              "after the header",
                              n_keys_, n_tensors_, left));
    }
    return true;
  }

  bool ParseMetadata() {
    builder_.ReserveMetadata(static_cast<size_t>(n_keys_));
    for (uint64_t i = 0; i < n_keys_; ++i) {
      if (!ParseKeyValue(i)) return false;
    }
    return true;
  }

  bool ParseKeyValue(uint64_t index) {
    KeyValue kv;
    kv.file_offset = cursor_.position();
    const std::string what = fmt::format("metadata key {}", index);
    if (!ReadString(&kv.key, what)) return false;
    if (kv.key.empty()) return Fail(Rule::kEmptyKey, kv.file_offset, what + " is empty");
    if (!CheckUtf8(kv.key, kv.file_offset, what)) return false;
    if (builder_.HasKey(kv.key)) {
      return Fail(Rule::kDuplicateKey, kv.file_offset,
                  fmt::format("metadata key '{}' appears twice", kv.key));
    }

    const uint64_t type_at = cursor_.position();
    uint32_t type_id;
    if (!ReadField(&type_id, [&] { return fmt::format("the type of key '{}'", kv.key); })) {
      return false;
    }
    if (!IsValidValueType(type_id)) {
      return Fail(Rule::kUnknownValueType, type_at,
                  fmt::format("key '{}' has value type {}, which the spec does not define", kv.key,
                              type_id));
    }
    const auto type = static_cast<ValueType>(type_id);
    const internal::WellKnownKey* expected = internal::FindWellKnownKey(kv.key);
    if (expected != nullptr && expected->type != type) {
      return Fail(
          Rule::kKeyTypeMismatch, type_at,
          fmt::format("key '{}' must be {}, not {}", kv.key,
                      TypeName(expected->type, expected->element_type), ValueTypeName(type)));
    }
    current_key_ = kv.key;
    if (!ParseValue(type, &kv.value, 1, expected)) return false;

    if (kv.key == "general.alignment") {
      const uint64_t alignment = *kv.value.AsUint();
      if (!IsPowerOfTwo(alignment)) {
        return Fail(Rule::kBadAlignment, type_at + 4,
                    fmt::format("general.alignment is {}, not a power of two", alignment));
      }
      builder_.set_alignment(alignment);
    }
    builder_.AddKeyValue(std::move(kv));
    return true;
  }

  // Parses a value of `type` whose type field has been read. `depth` is the
  // nesting depth an array value would have. `expected` is the key's entry in
  // the well-known table (top-level values only).
  bool ParseValue(ValueType type, Value* out, uint32_t depth,
                  const internal::WellKnownKey* expected) {
    out->type = type;
    const auto what = [&] { return fmt::format("the value of key '{}'", current_key_); };
    switch (type) {
      case ValueType::kUint8: return ReadScalar<uint8_t, uint64_t>(out, what);
      case ValueType::kInt8: return ReadScalar<int8_t, int64_t>(out, what);
      case ValueType::kUint16: return ReadScalar<uint16_t, uint64_t>(out, what);
      case ValueType::kInt16: return ReadScalar<int16_t, int64_t>(out, what);
      case ValueType::kUint32: return ReadScalar<uint32_t, uint64_t>(out, what);
      case ValueType::kInt32: return ReadScalar<int32_t, int64_t>(out, what);
      case ValueType::kUint64: return ReadScalar<uint64_t, uint64_t>(out, what);
      case ValueType::kInt64: return ReadScalar<int64_t, int64_t>(out, what);
      case ValueType::kFloat32: return ReadScalar<float, double>(out, what);
      case ValueType::kFloat64: return ReadScalar<double, double>(out, what);
      case ValueType::kBool: {
        const uint64_t at = cursor_.position();
        uint8_t byte;
        if (!ReadField(&byte, what)) return false;
        if (byte > 1) {
          return Fail(Rule::kInvalidBool, at,
                      fmt::format("key '{}' has bool value {}, not 0 or 1", current_key_, byte));
        }
        out->data = byte == 1;
        return true;
      }
      case ValueType::kString: {
        std::string s;
        if (!ReadString(&s, what())) return false;
        out->data = std::move(s);
        return true;
      }
      case ValueType::kArray: {
        Array array;
        if (!ParseArray(&array, depth, expected)) return false;
        out->data = std::move(array);
        return true;
      }
    }
    return false;  // unreachable: the type id was validated
  }

  template <typename FileT, typename StoredT, typename What>
  bool ReadScalar(Value* out, const What& what) {
    FileT v;
    if (!ReadField(&v, what)) return false;
    out->data = static_cast<StoredT>(v);
    return true;
  }

  // An array: element type, count, elements.
  bool ParseArray(Array* out, uint32_t depth, const internal::WellKnownKey* expected) {
    const uint64_t type_at = cursor_.position();
    if (depth > max_depth_) {
      return Fail(Rule::kArrayNestingTooDeep, type_at,
                  fmt::format("key '{}' nests arrays {} deep, the limit is {}", current_key_, depth,
                              max_depth_));
    }
    uint32_t type_id;
    if (!ReadField(&type_id, [&] {
          return fmt::format("the element type of an array in key '{}'", current_key_);
        })) {
      return false;
    }
    if (!IsValidValueType(type_id)) {
      return Fail(Rule::kUnknownValueType, type_at,
                  fmt::format("key '{}' has an array of value type {}, which the spec does not "
                              "define",
                              current_key_, type_id));
    }
    const auto type = static_cast<ValueType>(type_id);
    if (expected != nullptr && expected->element_type != type) {
      return Fail(Rule::kKeyTypeMismatch, type_at,
                  fmt::format("key '{}' must be {}, not {}", current_key_,
                              TypeName(expected->type, expected->element_type),
                              TypeName(ValueType::kArray, type)));
    }
    out->element_type = type;

    const uint64_t count_at = cursor_.position();
    uint64_t count;
    if (!ReadField(&count, [&] {
          return fmt::format("the element count of an array in key '{}'", current_key_);
        })) {
      return false;
    }
    if (count > limits_.max_array_elements) {
      return Fail(Rule::kArrayTooLong, count_at,
                  fmt::format("key '{}' has an array of {} elements, the limit is {}", current_key_,
                              count, limits_.max_array_elements));
    }
    const uint64_t min_bytes = ArrayElementMinBytes(type);
    if (count > cursor_.remaining() / min_bytes) {
      return Fail(Rule::kArrayTooLong, count_at,
                  fmt::format("key '{}' has an array of {} {} elements, more than the {} bytes "
                              "left in the file can hold",
                              current_key_, count, ValueTypeName(type), cursor_.remaining()));
    }
    const auto n = static_cast<size_t>(count);

    switch (type) {
      case ValueType::kUint8: return ReadElements<uint8_t>(out, n);
      case ValueType::kInt8: return ReadElements<int8_t>(out, n);
      case ValueType::kUint16: return ReadElements<uint16_t>(out, n);
      case ValueType::kInt16: return ReadElements<int16_t>(out, n);
      case ValueType::kUint32: return ReadElements<uint32_t>(out, n);
      case ValueType::kInt32: return ReadElements<int32_t>(out, n);
      case ValueType::kFloat32: return ReadElements<float>(out, n);
      case ValueType::kUint64: return ReadElements<uint64_t>(out, n);
      case ValueType::kInt64: return ReadElements<int64_t>(out, n);
      case ValueType::kFloat64: return ReadElements<double>(out, n);
      case ValueType::kBool: {
        const uint64_t at = cursor_.position();
        if (!ReadElements<uint8_t>(out, n)) return false;
        const auto& bytes = std::get<std::vector<uint8_t>>(out->elements);
        for (size_t i = 0; i < n; ++i) {
          if (bytes[i] > 1) {
            return Fail(Rule::kInvalidBool, at + i,
                        fmt::format("key '{}' has bool value {} at element {}, not 0 or 1",
                                    current_key_, bytes[i], i));
          }
        }
        return true;
      }
      case ValueType::kString: {
        auto& strings = out->elements.emplace<std::vector<std::string>>(n);
        for (size_t i = 0; i < n; ++i) {
          if (!ReadString(&strings[i], "an array element")) return false;
        }
        return true;
      }
      case ValueType::kArray: {
        auto& values = out->elements.emplace<std::vector<Value>>(n);
        for (size_t i = 0; i < n; ++i) {
          values[i].type = ValueType::kArray;
          Array inner;
          if (!ParseArray(&inner, depth + 1, nullptr)) return false;
          values[i].data = std::move(inner);
        }
        return true;
      }
    }
    return false;  // unreachable: the type id was validated
  }

  // Fixed-size elements; the count was checked against the bytes left.
  template <typename T>
  bool ReadElements(Array* out, size_t n) {
    auto& values = out->elements.emplace<std::vector<T>>();
    return cursor_.ReadLittleEndianArray(&values, n);
  }

  bool ParseTensorInfos() {
    builder_.ReserveTensors(static_cast<size_t>(n_tensors_));
    offset_fields_.reserve(static_cast<size_t>(n_tensors_));
    for (uint64_t i = 0; i < n_tensors_; ++i) {
      if (!ParseTensorInfo(i)) return false;
    }
    return true;
  }

  bool ParseTensorInfo(uint64_t index) {
    TensorInfo t;
    const uint64_t name_at = cursor_.position();
    const std::string what = fmt::format("the name of tensor {}", index);
    if (!ReadString(&t.name, what)) return false;
    if (t.name.empty()) return Fail(Rule::kEmptyTensorName, name_at, what + " is empty");
    if (!CheckUtf8(t.name, name_at, what)) return false;
    if (builder_.HasTensor(t.name)) {
      return Fail(Rule::kDuplicateTensorName, name_at,
                  fmt::format("tensor '{}' appears twice", t.name));
    }

    const uint64_t dims_at = cursor_.position();
    if (!ReadField(&t.n_dims,
                   [&] { return fmt::format("the dimension count of tensor '{}'", t.name); })) {
      return false;
    }
    if (t.n_dims == 0 || t.n_dims > t.ne.size()) {
      return Fail(Rule::kBadDimensionCount, dims_at,
                  fmt::format("tensor '{}' has {} dimensions, not 1 to 4", t.name, t.n_dims));
    }
    uint64_t n_elements = 1;
    for (uint32_t d = 0; d < t.n_dims; ++d) {
      const uint64_t dim_at = cursor_.position();
      if (!ReadField(&t.ne[d],
                     [&] { return fmt::format("dimension {} of tensor '{}'", d, t.name); })) {
        return false;
      }
      if (t.ne[d] == 0) {
        return Fail(Rule::kZeroDimension, dim_at,
                    fmt::format("tensor '{}' has size 0 in dimension {}", t.name, d));
      }
      auto product = CheckedMul(n_elements, t.ne[d]);
      if (!product || *product > kMaxElements) {
        return Fail(Rule::kElementCountOverflow, dim_at,
                    fmt::format("tensor '{}' has more than 2^63-1 elements", t.name));
      }
      n_elements = *product;
    }
    t.n_elements = n_elements;

    const uint64_t type_at = cursor_.position();
    uint32_t type_id;
    if (!ReadField(&type_id, [&] { return fmt::format("the type of tensor '{}'", t.name); })) {
      return false;
    }
    const auto traits = LookupTensorType(type_id);
    if (!traits) {
      return Fail(
          Rule::kUnknownTensorType, type_at,
          fmt::format("tensor '{}' has type id {}, which ggml does not define", t.name, type_id));
    }
    t.type = traits->type;
    if (t.ne[0] % traits->block_elements != 0) {
      return Fail(Rule::kRowNotBlockMultiple, type_at,
                  fmt::format("tensor '{}' of type {} has rows of {} elements, not a multiple "
                              "of the block size {}",
                              t.name, traits->name, t.ne[0], traits->block_elements));
    }

    const uint64_t offset_at = cursor_.position();
    if (!ReadField(&t.offset,
                   [&] { return fmt::format("the data offset of tensor '{}'", t.name); })) {
      return false;
    }
    const uint64_t alignment = builder_.alignment();
    if (t.offset % alignment != 0) {
      return Fail(Rule::kMisalignedTensorOffset, offset_at,
                  fmt::format("tensor '{}' starts at data offset {}, not a multiple of the "
                              "alignment {}",
                              t.name, t.offset, alignment));
    }
    auto n_bytes = CheckedMul(n_elements / traits->block_elements, traits->block_bytes);
    if (!n_bytes) {
      return Fail(Rule::kTensorOutOfBounds, offset_at,
                  fmt::format("tensor '{}' has more than 2^64 bytes of data", t.name));
    }
    t.n_bytes = *n_bytes;
    t.row_bytes = t.ne[0] / traits->block_elements * traits->block_bytes;

    offset_fields_.push_back(offset_at);
    builder_.AddTensor(std::move(t));
    return true;
  }

  bool CheckLayout() {
    const uint64_t file_size = cursor_.size();
    const uint64_t alignment = builder_.alignment();
    // The end of the tensor infos is below the file size, far from 2^64.
    const uint64_t data_offset = *CheckedAlignUp(cursor_.position(), alignment);
    const auto& tensors = builder_.tensors();

    uint64_t data_size = 0;
    for (size_t i = 0; i < tensors.size(); ++i) {
      const TensorInfo& t = tensors[i];
      auto start = CheckedAdd(data_offset, t.offset);
      auto end = start ? CheckedAdd(*start, t.n_bytes) : std::nullopt;
      if (!end || *end > file_size) {
        return Fail(
            Rule::kTensorOutOfBounds, offset_fields_[i],
            fmt::format("tensor '{}' ({} bytes at data offset {}, file offset {}) ends "
                        "past the end of the file ({} bytes)",
                        t.name, t.n_bytes, t.offset,
                        start ? fmt::format("{}", *start) : std::string("> 2^64"), file_size));
      }
      data_size = std::max(data_size, t.offset + t.n_bytes);
    }

    // Sorted by start, a tensor overlaps an earlier one exactly when it starts
    // before the furthest end seen so far.
    std::vector<size_t> order(tensors.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return tensors[a].offset < tensors[b].offset; });
    size_t furthest = 0;
    for (size_t k = 0; k < order.size(); ++k) {
      const size_t i = order[k];
      if (k > 0) {
        const TensorInfo& prev = tensors[furthest];
        if (tensors[i].offset < prev.offset + prev.n_bytes) {
          return Fail(Rule::kOverlappingTensors,
                      std::max(offset_fields_[i], offset_fields_[furthest]),
                      fmt::format("tensors '{}' [{}, {}) and '{}' [{}, {}) overlap", prev.name,
                                  prev.offset, prev.offset + prev.n_bytes, tensors[i].name,
                                  tensors[i].offset, tensors[i].offset + tensors[i].n_bytes));
        }
      }
      if (k == 0 || tensors[i].offset + tensors[i].n_bytes >
                        tensors[furthest].offset + tensors[furthest].n_bytes) {
        furthest = i;
      }
    }

    builder_.set_layout(data_offset, file_size, data_size);
    return true;
  }

  internal::ByteCursor cursor_;
  const ReadLimits& limits_;
  const uint32_t max_depth_;
  GgufFileBuilder builder_;
  FormatError error_;
  uint64_t n_tensors_ = 0;
  uint64_t n_keys_ = 0;
  std::string current_key_;              // the key whose value is being parsed, for messages
  std::vector<uint64_t> offset_fields_;  // file offset of each tensor's offset field
};

}  // namespace

std::string_view RuleName(Rule rule) {
  switch (rule) {
    case Rule::kBadMagic: return "bad-magic";
    case Rule::kBigEndian: return "big-endian";
    case Rule::kUnsupportedVersion: return "unsupported-version";
    case Rule::kTruncated: return "truncated";
    case Rule::kTooManyTensors: return "too-many-tensors";
    case Rule::kTooManyKeys: return "too-many-keys";
    case Rule::kStringTooLong: return "string-too-long";
    case Rule::kInvalidUtf8: return "invalid-utf8";
    case Rule::kEmptyKey: return "empty-key";
    case Rule::kDuplicateKey: return "duplicate-key";
    case Rule::kUnknownValueType: return "unknown-value-type";
    case Rule::kInvalidBool: return "invalid-bool";
    case Rule::kArrayTooLong: return "array-too-long";
    case Rule::kArrayNestingTooDeep: return "array-nesting-too-deep";
    case Rule::kKeyTypeMismatch: return "key-type-mismatch";
    case Rule::kBadAlignment: return "bad-alignment";
    case Rule::kEmptyTensorName: return "empty-tensor-name";
    case Rule::kDuplicateTensorName: return "duplicate-tensor-name";
    case Rule::kBadDimensionCount: return "bad-dimension-count";
    case Rule::kZeroDimension: return "zero-dimension";
    case Rule::kElementCountOverflow: return "element-count-overflow";
    case Rule::kUnknownTensorType: return "unknown-tensor-type";
    case Rule::kRowNotBlockMultiple: return "row-not-block-multiple";
    case Rule::kMisalignedTensorOffset: return "misaligned-tensor-offset";
    case Rule::kTensorOutOfBounds: return "tensor-out-of-bounds";
    case Rule::kOverlappingTensors: return "overlapping-tensors";
  }
  return "unknown-rule";
}

std::span<const Rule> AllRules() {
  return kAllRules;
}

std::string FormatError::ToString() const {
  return fmt::format("gguf: {}: {} (at byte {})", RuleName(rule), detail, offset);
}

Result<GgufFile> ReadGguf(RandomAccessSource& source, const ReadLimits& limits,
                          FormatError* error) {
  return Parser(source, limits).Run(error);
}

Result<GgufFile> ReadGgufFile(const std::string& path, const ReadLimits& limits,
                              FormatError* error) {
  auto source = FileSource::Open(path);
  if (!source.ok()) return source.status();
  auto file = ReadGguf(*source, limits, error);
  if (!file.ok()) return file.status().WithContext(path);
  return file;
}

}  // namespace llmcore::gguf
