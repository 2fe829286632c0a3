#include "llmcore/gguf/gguf_file.h"

#include <fmt/format.h>

#include <limits>
#include <type_traits>

#include "llmcore/utf8.h"

namespace llmcore::gguf {
namespace {

// Appends `s` quoted, escaping what would break a one-line rendering or a
// terminal, and cutting after `max_bytes` bytes at a character boundary.
void AppendQuoted(std::string& out, std::string_view s, size_t max_bytes) {
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    const Utf8Decoded decoded = DecodeUtf8(s.substr(i));
    // A stray byte (or a sequence cut short) counts as one, escaped below.
    const size_t len = decoded.kind == Utf8Decoded::Kind::kValid ? decoded.length : 1;
    if (i + len > max_bytes) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (len > 1) {
      out.append(s.substr(i, len));
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
    i += len;
  }
  out += '"';
  if (i < s.size()) out += fmt::format("... ({} bytes)", s.size());
}

template <typename T>
void AppendNumber(std::string& out, T v) {
  if constexpr (std::is_same_v<T, int8_t> || std::is_same_v<T, uint8_t>) {
    out += fmt::format("{}", static_cast<int>(v));  // not as a character
  } else {
    out += fmt::format("{}", v);
  }
}

void AppendValue(std::string& out, const Value& value, size_t max_elements, size_t max_bytes);

void AppendArray(std::string& out, const Array& array, size_t max_elements, size_t max_bytes) {
  const size_t n = array.size();
  out += ValueTypeName(array.element_type);
  out += fmt::format("[{}] [", n);
  std::visit(
      [&](const auto& elements) {
        using E = typename std::decay_t<decltype(elements)>::value_type;
        for (size_t i = 0; i < elements.size() && i < max_elements; ++i) {
          if (i > 0) out += ", ";
          if constexpr (std::is_same_v<E, std::string>) {
            AppendQuoted(out, elements[i], max_bytes);
          } else if constexpr (std::is_same_v<E, Value>) {
            AppendValue(out, elements[i], max_elements, max_bytes);
          } else if constexpr (std::is_same_v<E, uint8_t>) {
            if (array.element_type == ValueType::kBool) {
              out += elements[i] != 0 ? "true" : "false";
            } else {
              AppendNumber(out, elements[i]);
            }
          } else {
            AppendNumber(out, elements[i]);
          }
        }
      },
      array.elements);
  if (n > max_elements) out += max_elements > 0 ? ", ..." : "...";
  out += ']';
}

void AppendValue(std::string& out, const Value& value, size_t max_elements, size_t max_bytes) {
  std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string>) {
          AppendQuoted(out, v, max_bytes);
        } else if constexpr (std::is_same_v<V, Array>) {
          AppendArray(out, v, max_elements, max_bytes);
        } else if constexpr (std::is_same_v<V, bool>) {
          out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<V, double>) {
          // A float32 widened to double would print its binary noise
          // (0.1f as 0.10000000149011612); print it at its own precision.
          if (value.type == ValueType::kFloat32) {
            AppendNumber(out, static_cast<float>(v));
          } else {
            AppendNumber(out, v);
          }
        } else {
          AppendNumber(out, v);
        }
      },
      value.data);
}

std::string TypeDescription(const Value& value) {
  if (const Array* array = value.AsArray()) {
    return fmt::format("array of {}", ValueTypeName(array->element_type));
  }
  return std::string(ValueTypeName(value.type));
}

Status NotFound(std::string_view key) {
  return Status(StatusCode::kNotFound, fmt::format("metadata key '{}' not found", key));
}

Status WrongType(std::string_view key, const Value& value, std::string_view expected) {
  return Status(StatusCode::kInvalidArgument,
                fmt::format("metadata key '{}' is {} ({}), expected {}", key,
                            TypeDescription(value), value.ToDisplayString(4, 64), expected));
}

}  // namespace

size_t Array::size() const {
  return std::visit([](const auto& v) { return v.size(); }, elements);
}

std::optional<uint64_t> Value::AsUint() const {
  if (const auto* u = std::get_if<uint64_t>(&data)) return *u;
  if (const auto* i = std::get_if<int64_t>(&data); i && *i >= 0) return static_cast<uint64_t>(*i);
  return std::nullopt;
}

std::optional<int64_t> Value::AsInt() const {
  if (const auto* i = std::get_if<int64_t>(&data)) return *i;
  if (const auto* u = std::get_if<uint64_t>(&data);
      u && *u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return static_cast<int64_t>(*u);
  }
  return std::nullopt;
}

std::optional<double> Value::AsDouble() const {
  if (const auto* d = std::get_if<double>(&data)) return *d;
  if (const auto* u = std::get_if<uint64_t>(&data)) return static_cast<double>(*u);
  if (const auto* i = std::get_if<int64_t>(&data)) return static_cast<double>(*i);
  return std::nullopt;
}

std::optional<bool> Value::AsBool() const {
  if (const auto* b = std::get_if<bool>(&data)) return *b;
  return std::nullopt;
}

const std::string* Value::AsString() const {
  return std::get_if<std::string>(&data);
}

const Array* Value::AsArray() const {
  return std::get_if<Array>(&data);
}

std::string Value::ToDisplayString(size_t max_array_elements, size_t max_string_bytes) const {
  std::string out;
  AppendValue(out, *this, max_array_elements, max_string_bytes);
  return out;
}

const Value* GgufFile::Find(std::string_view key) const {
  auto it = key_index_.find(key);
  return it == key_index_.end() ? nullptr : &metadata_[it->second].value;
}

const TensorInfo* GgufFile::FindTensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

Result<std::string> GgufFile::GetString(std::string_view key) const {
  const Value* value = Find(key);
  if (value == nullptr) return NotFound(key);
  if (const std::string* s = value->AsString()) return *s;
  return WrongType(key, *value, "string");
}

Result<uint64_t> GgufFile::GetUint(std::string_view key) const {
  const Value* value = Find(key);
  if (value == nullptr) return NotFound(key);
  if (auto u = value->AsUint()) return *u;
  return WrongType(key, *value, "an unsigned integer");
}

Result<int64_t> GgufFile::GetInt(std::string_view key) const {
  const Value* value = Find(key);
  if (value == nullptr) return NotFound(key);
  if (auto i = value->AsInt()) return *i;
  return WrongType(key, *value, "an integer that fits in int64");
}

Result<double> GgufFile::GetDouble(std::string_view key) const {
  const Value* value = Find(key);
  if (value == nullptr) return NotFound(key);
  if (auto d = value->AsDouble()) return *d;
  return WrongType(key, *value, "a number");
}

Result<bool> GgufFile::GetBool(std::string_view key) const {
  const Value* value = Find(key);
  if (value == nullptr) return NotFound(key);
  if (auto b = value->AsBool()) return *b;
  return WrongType(key, *value, "bool");
}

Result<const Array*> GgufFile::GetArray(std::string_view key) const {
  const Value* value = Find(key);
  if (value == nullptr) return NotFound(key);
  if (const Array* a = value->AsArray()) return a;
  return WrongType(key, *value, "an array");
}

std::string GgufFile::architecture() const {
  const Value* value = Find("general.architecture");
  const std::string* s = value != nullptr ? value->AsString() : nullptr;
  return s != nullptr ? *s : std::string();
}

}  // namespace llmcore::gguf
