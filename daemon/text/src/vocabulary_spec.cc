#include "llmcore/text/vocabulary_spec.h"

#include <fmt/format.h>

#include <limits>
#include <span>
#include <type_traits>

namespace llmcore::text {
namespace {

using gguf::Array;
using gguf::GgufFile;
using gguf::Value;

Status WrongType(std::string_view key, std::string_view expected, const Value& value) {
  return Status(StatusCode::kCorrupt, fmt::format("tokenizer: {} should be {} but is {}", key,
                                                  expected, gguf::ValueTypeName(value.type)));
}

const Array* FindArray(const GgufFile& file, std::string_view key, Status* status) {
  const Value* value = file.Find(key);
  if (value == nullptr) return nullptr;
  const Array* array = value->AsArray();
  if (array == nullptr) *status = WrongType(key, "an array", *value);
  return array;
}

Status ReadStrings(const GgufFile& file, std::string_view key, bool required,
                   std::vector<std::string>* out) {
  Status status;
  const Array* array = FindArray(file, key, &status);
  LLMCORE_RETURN_IF_ERROR(status);
  if (array == nullptr) {
    if (!required) return Status::Ok();
    return Status(StatusCode::kNotFound, fmt::format("tokenizer: {} is missing", key));
  }
  auto strings = array->As<std::string>();
  if (!strings) {
    return Status(StatusCode::kCorrupt,
                  fmt::format("tokenizer: {} should hold strings but holds {}", key,
                              gguf::ValueTypeName(array->element_type)));
  }
  out->assign(strings->begin(), strings->end());
  return Status::Ok();
}

Status ReadScores(const GgufFile& file, std::string_view key, std::vector<float>* out) {
  Status status;
  const Array* array = FindArray(file, key, &status);
  LLMCORE_RETURN_IF_ERROR(status);
  if (array == nullptr) return Status::Ok();
  if (auto f = array->As<float>()) {
    out->assign(f->begin(), f->end());
    return Status::Ok();
  }
  if (auto d = array->As<double>()) {
    out->reserve(d->size());
    for (double v : *d) out->push_back(static_cast<float>(v));
    return Status::Ok();
  }
  return Status(StatusCode::kCorrupt, fmt::format("tokenizer: {} should hold floats but holds {}",
                                                  key, gguf::ValueTypeName(array->element_type)));
}

template <typename T>
bool AppendIntegers(const Array& array, std::vector<int32_t>* out) {
  auto values = array.As<T>();
  if (!values) return false;
  out->reserve(values->size());
  for (T v : *values) {
    // Out-of-range types are rejected later; keep them recognisably invalid.
    if constexpr (std::is_signed_v<T>) {
      const auto w = static_cast<int64_t>(v);
      out->push_back(w < std::numeric_limits<int32_t>::min() ||
                             w > std::numeric_limits<int32_t>::max()
                         ? -1
                         : static_cast<int32_t>(w));
    } else {
      const auto w = static_cast<uint64_t>(v);
      out->push_back(w > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())
                         ? -1
                         : static_cast<int32_t>(w));
    }
  }
  return true;
}

Status ReadTokenTypes(const GgufFile& file, std::string_view key, std::vector<int32_t>* out) {
  Status status;
  const Array* array = FindArray(file, key, &status);
  LLMCORE_RETURN_IF_ERROR(status);
  if (array == nullptr) return Status::Ok();
  if (AppendIntegers<int32_t>(*array, out) || AppendIntegers<uint32_t>(*array, out) ||
      AppendIntegers<int8_t>(*array, out) || AppendIntegers<uint8_t>(*array, out) ||
      AppendIntegers<int16_t>(*array, out) || AppendIntegers<uint16_t>(*array, out) ||
      AppendIntegers<int64_t>(*array, out) || AppendIntegers<uint64_t>(*array, out)) {
    return Status::Ok();
  }
  return Status(StatusCode::kCorrupt, fmt::format("tokenizer: {} should hold integers but holds {}",
                                                  key, gguf::ValueTypeName(array->element_type)));
}

Status ReadId(const GgufFile& file, std::string_view key, std::optional<int64_t>* out) {
  const Value* value = file.Find(key);
  if (value == nullptr) return Status::Ok();
  if (auto i = value->AsInt()) {
    *out = *i;
    return Status::Ok();
  }
  if (value->AsUint()) {  // above INT64_MAX: certainly out of range
    *out = std::numeric_limits<int64_t>::max();
    return Status::Ok();
  }
  return WrongType(key, "an integer", *value);
}

Status ReadFlag(const GgufFile& file, std::string_view key, std::optional<bool>* out) {
  const Value* value = file.Find(key);
  if (value == nullptr) return Status::Ok();
  auto b = value->AsBool();
  if (!b) return WrongType(key, "a bool", *value);
  *out = *b;
  return Status::Ok();
}

Status ReadString(const GgufFile& file, std::string_view key, bool required, std::string* out) {
  const Value* value = file.Find(key);
  if (value == nullptr) {
    if (!required) return Status::Ok();
    return Status(StatusCode::kNotFound, fmt::format("tokenizer: {} is missing", key));
  }
  const std::string* s = value->AsString();
  if (s == nullptr) return WrongType(key, "a string", *value);
  *out = *s;
  return Status::Ok();
}

}  // namespace

Result<VocabularySpec> ReadVocabularySpec(const GgufFile& file) {
  VocabularySpec spec;
  LLMCORE_RETURN_IF_ERROR(ReadString(file, "tokenizer.ggml.model", true, &spec.model));
  LLMCORE_RETURN_IF_ERROR(ReadString(file, "tokenizer.ggml.pre", false, &spec.pre));
  LLMCORE_RETURN_IF_ERROR(ReadStrings(file, "tokenizer.ggml.tokens", true, &spec.tokens));
  LLMCORE_RETURN_IF_ERROR(ReadScores(file, "tokenizer.ggml.scores", &spec.scores));
  LLMCORE_RETURN_IF_ERROR(ReadTokenTypes(file, "tokenizer.ggml.token_type", &spec.token_types));
  LLMCORE_RETURN_IF_ERROR(ReadStrings(file, "tokenizer.ggml.merges", false, &spec.merges));
  LLMCORE_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.bos_token_id", &spec.bos_id));
  LLMCORE_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.eos_token_id", &spec.eos_id));
  LLMCORE_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.unknown_token_id", &spec.unk_id));
  LLMCORE_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.padding_token_id", &spec.pad_id));
  LLMCORE_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.seperator_token_id", &spec.sep_id));
  LLMCORE_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.eot_token_id", &spec.eot_id));
  LLMCORE_RETURN_IF_ERROR(ReadId(file, "tokenizer.ggml.eom_token_id", &spec.eom_id));
  LLMCORE_RETURN_IF_ERROR(ReadFlag(file, "tokenizer.ggml.add_bos_token", &spec.add_bos));
  LLMCORE_RETURN_IF_ERROR(ReadFlag(file, "tokenizer.ggml.add_eos_token", &spec.add_eos));
  LLMCORE_RETURN_IF_ERROR(
      ReadFlag(file, "tokenizer.ggml.add_space_prefix", &spec.add_space_prefix));
  return spec;
}

}  // namespace llmcore::text
