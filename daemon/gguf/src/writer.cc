#include "llmcore/gguf/writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include "llmcore/checked_math.h"
#include "llmcore/log.h"
#include "llmcore/unique_fd.h"

namespace llmcore::gguf {

// Numbers are copied to the file with memcpy; the format is little-endian.
static_assert(std::endian::native == std::endian::little,
              "GgufWriter assumes a little-endian host");

namespace {

constexpr uint32_t kGgufVersion = 3;
constexpr uint64_t kDefaultAlignment = 32;
constexpr size_t kMaxKeyBytes = 65535;
// ggml keeps names in a 64-byte array including the terminating NUL.
constexpr size_t kMaxTensorNameBytes = 63;
constexpr size_t kMinBufferBytes = 4096;

using Bytes = std::vector<std::byte>;

template <typename T>
void Put(Bytes& out, T value) {
  static_assert(std::is_trivially_copyable_v<T>);
  const auto* p = reinterpret_cast<const std::byte*>(&value);
  out.insert(out.end(), p, p + sizeof(T));
}

void PutString(Bytes& out, std::string_view s) {
  Put<uint64_t>(out, s.size());
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  out.insert(out.end(), p, p + s.size());
}

template <typename T>
void PutVector(Bytes& out, const std::vector<T>& v) {
  const auto* p = reinterpret_cast<const std::byte*>(v.data());
  out.insert(out.end(), p, p + v.size() * sizeof(T));
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

Status Invalid(std::string message) {
  return Status(StatusCode::kInvalidArgument, "gguf writer: " + std::move(message));
}

// Integer payloads may come as either kind; std::in_range compares them with
// any width's range without a conversion that could wrap.
template <typename T>
Status PutInteger(Bytes& out, const Value& value, std::string_view what) {
  std::optional<T> narrowed;
  if (const auto* u = std::get_if<uint64_t>(&value.data)) {
    if (std::in_range<T>(*u)) narrowed = static_cast<T>(*u);
  } else if (const auto* i = std::get_if<int64_t>(&value.data)) {
    if (std::in_range<T>(*i)) narrowed = static_cast<T>(*i);
  } else {
    return Invalid(std::string(what) + ": integer type without an integer payload");
  }
  if (!narrowed) {
    return Invalid(std::string(what) + ": value does not fit in " +
                   std::string(ValueTypeName(value.type)));
  }
  Put<T>(out, *narrowed);
  return Status::Ok();
}

Status EncodeArray(Bytes& out, const Array& array, std::string_view what);

// Encodes a value's payload (without its type id).
Status EncodePayload(Bytes& out, const Value& value, std::string_view what) {
  switch (value.type) {
    case ValueType::kUint8: return PutInteger<uint8_t>(out, value, what);
    case ValueType::kInt8: return PutInteger<int8_t>(out, value, what);
    case ValueType::kUint16: return PutInteger<uint16_t>(out, value, what);
    case ValueType::kInt16: return PutInteger<int16_t>(out, value, what);
    case ValueType::kUint32: return PutInteger<uint32_t>(out, value, what);
    case ValueType::kInt32: return PutInteger<int32_t>(out, value, what);
    case ValueType::kUint64: return PutInteger<uint64_t>(out, value, what);
    case ValueType::kInt64: return PutInteger<int64_t>(out, value, what);
    case ValueType::kFloat32:
    case ValueType::kFloat64: {
      const auto* d = std::get_if<double>(&value.data);
      if (d == nullptr) return Invalid(std::string(what) + ": float type without a double payload");
      if (value.type == ValueType::kFloat64) {
        Put<double>(out, *d);
      } else {
        // Converting a finite double beyond float's range is undefined.
        if (std::isfinite(*d) && std::fabs(*d) > FLT_MAX) {
          return Invalid(std::string(what) + ": value does not fit in float32");
        }
        Put<float>(out, static_cast<float>(*d));
      }
      return Status::Ok();
    }
    case ValueType::kBool: {
      const auto* b = std::get_if<bool>(&value.data);
      if (b == nullptr) return Invalid(std::string(what) + ": bool type without a bool payload");
      Put<uint8_t>(out, *b ? 1 : 0);
      return Status::Ok();
    }
    case ValueType::kString: {
      const auto* s = std::get_if<std::string>(&value.data);
      if (s == nullptr) return Invalid(std::string(what) + ": string type without a string");
      PutString(out, *s);
      return Status::Ok();
    }
    case ValueType::kArray: {
      const auto* a = std::get_if<Array>(&value.data);
      if (a == nullptr) return Invalid(std::string(what) + ": array type without an Array");
      return EncodeArray(out, *a, what);
    }
  }
  return Invalid(std::string(what) + ": unknown value type " +
                 std::to_string(static_cast<uint32_t>(value.type)));
}

template <typename T>
const std::vector<T>* Elements(const Array& array) {
  return std::get_if<std::vector<T>>(&array.elements);
}

// Encodes element type, count and elements.
Status EncodeArray(Bytes& out, const Array& array, std::string_view what) {
  const std::string mismatch = std::string(what) + ": array of " +
                               std::string(ValueTypeName(array.element_type)) +
                               " stored in the wrong vector type";
  Put<uint32_t>(out, static_cast<uint32_t>(array.element_type));
  auto put_fixed = [&]<typename T>(const std::vector<T>* v) -> Status {
    if (v == nullptr) return Invalid(mismatch);
    Put<uint64_t>(out, v->size());
    PutVector(out, *v);
    return Status::Ok();
  };
  switch (array.element_type) {
    case ValueType::kUint8: return put_fixed(Elements<uint8_t>(array));
    case ValueType::kInt8: return put_fixed(Elements<int8_t>(array));
    case ValueType::kUint16: return put_fixed(Elements<uint16_t>(array));
    case ValueType::kInt16: return put_fixed(Elements<int16_t>(array));
    case ValueType::kUint32: return put_fixed(Elements<uint32_t>(array));
    case ValueType::kInt32: return put_fixed(Elements<int32_t>(array));
    case ValueType::kFloat32: return put_fixed(Elements<float>(array));
    case ValueType::kUint64: return put_fixed(Elements<uint64_t>(array));
    case ValueType::kInt64: return put_fixed(Elements<int64_t>(array));
    case ValueType::kFloat64: return put_fixed(Elements<double>(array));
    case ValueType::kBool: {
      const auto* v = Elements<uint8_t>(array);
      if (v == nullptr) return Invalid(mismatch);
      if (std::any_of(v->begin(), v->end(), [](uint8_t b) { return b > 1; })) {
        return Invalid(std::string(what) + ": bool array element other than 0 or 1");
      }
      return put_fixed(v);
    }
    case ValueType::kString: {
      const auto* v = Elements<std::string>(array);
      if (v == nullptr) return Invalid(mismatch);
      Put<uint64_t>(out, v->size());
      for (const auto& s : *v) PutString(out, s);
      return Status::Ok();
    }
    case ValueType::kArray: {
      const auto* v = Elements<Value>(array);
      if (v == nullptr) return Invalid(mismatch);
      Put<uint64_t>(out, v->size());
      for (const auto& element : *v) {
        // Inside an array each nested array is written without a type id.
        const auto* nested = std::get_if<Array>(&element.data);
        if (element.type != ValueType::kArray || nested == nullptr) {
          return Invalid(std::string(what) + ": element of an array of arrays is not an array");
        }
        LLMCORE_RETURN_IF_ERROR(EncodeArray(out, *nested, what));
      }
      return Status::Ok();
    }
  }
  return Invalid(std::string(what) + ": unknown array element type " +
                 std::to_string(static_cast<uint32_t>(array.element_type)));
}

// Writes through a fixed buffer so the file is written in large pieces
// whatever the size of the things appended.
class BufferedFile {
 public:
  BufferedFile(int fd, size_t capacity) : fd_(fd), buffer_(capacity) {}

  uint64_t position() const { return flushed_ + used_; }

  std::span<std::byte> FreeSpace() { return std::span(buffer_).subspan(used_); }
  void Commit(size_t n) { used_ += n; }

  Status Append(std::span<const std::byte> data) {
    while (!data.empty()) {
      if (used_ == buffer_.size()) LLMCORE_RETURN_IF_ERROR(Flush());
      size_t n = std::min(data.size(), buffer_.size() - used_);
      std::memcpy(buffer_.data() + used_, data.data(), n);
      used_ += n;
      data = data.subspan(n);
    }
    return Status::Ok();
  }

  Status AppendZeros(uint64_t n) {
    while (n > 0) {
      if (used_ == buffer_.size()) LLMCORE_RETURN_IF_ERROR(Flush());
      size_t k = static_cast<size_t>(std::min<uint64_t>(n, buffer_.size() - used_));
      std::memset(buffer_.data() + used_, 0, k);
      used_ += k;
      n -= k;
    }
    return Status::Ok();
  }

  Status Flush() {
    size_t done = 0;
    while (done < used_) {
      ssize_t n = ::write(fd_, buffer_.data() + done, used_ - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, "write");
      }
      if (n == 0) return ErrnoStatus(EIO, "write");  // would loop forever
      done += static_cast<size_t>(n);
    }
    flushed_ += used_;
    used_ = 0;
    return Status::Ok();
  }

 private:
  int fd_;
  std::vector<std::byte> buffer_;
  size_t used_ = 0;
  uint64_t flushed_ = 0;
};

// Removes the temporary file unless the write went through.
class TempFileGuard {
 public:
  explicit TempFileGuard(std::string path) : path_(std::move(path)) {}
  ~TempFileGuard() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;
  void Disarm() { path_.clear(); }

 private:
  std::string path_;
};

std::string DirectoryOf(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Creates a new file next to `path` that no one else can have opened; the
// mode follows the umask like any new file.
Result<std::pair<UniqueFd, std::string>> CreateTempFile(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  const std::string dir = DirectoryOf(path);
  // Cut so that the suffix keeps the name under NAME_MAX.
  const std::string base =
      path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1).substr(0, 200);
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string temp = dir + "/." + base + ".tmp-" + std::to_string(::getpid()) + "-" +
                       std::to_string(counter.fetch_add(1));
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return std::make_pair(UniqueFd(fd), std::move(temp));
    if (errno != EEXIST) return ErrnoStatus(errno, "create a temporary file in " + dir);
  }
  return Status(StatusCode::kAlreadyExists, "no free temporary file name next to " + path);
}

}  // namespace

GgufWriter::GgufWriter(uint64_t alignment) : alignment_(alignment) {}

void GgufWriter::set_buffer_bytes(size_t bytes) {
  buffer_bytes_ = std::max(bytes, kMinBufferBytes);
}

Status GgufWriter::CheckAlignment() const {
  if (!IsPowerOfTwo(alignment_) || alignment_ < 8 || alignment_ > (uint64_t{1} << 31)) {
    return Invalid("alignment " + std::to_string(alignment_) +
                   " is not a power of two from 8 to 2^31");
  }
  return Status::Ok();
}

Status GgufWriter::AddEncoded(std::string key, const Value& value) {
  if (key.empty()) return Invalid("empty metadata key");
  if (key.size() > kMaxKeyBytes) {
    return Invalid("metadata key of " + std::to_string(key.size()) + " bytes (at most 65535)");
  }
  if (!IsValidUtf8(key)) return Invalid("metadata key is not valid UTF-8");
  if (key == "general.alignment") {
    return Invalid("general.alignment is set through the writer's constructor");
  }
  if (keys_.contains(key)) {
    return Status(StatusCode::kAlreadyExists, "gguf writer: duplicate metadata key " + key);
  }
  Bytes encoded;
  PutString(encoded, key);
  Put<uint32_t>(encoded, static_cast<uint32_t>(value.type));
  LLMCORE_RETURN_IF_ERROR(EncodePayload(encoded, value, key));
  kv_bytes_.insert(kv_bytes_.end(), encoded.begin(), encoded.end());
  ++kv_count_;
  keys_.insert(std::move(key));
  return Status::Ok();
}

Status GgufWriter::Add(std::string key, Value value) {
  return AddEncoded(std::move(key), value);
}

Status GgufWriter::AddString(std::string key, std::string value) {
  return AddEncoded(std::move(key), Value{ValueType::kString, std::move(value)});
}

Status GgufWriter::AddUint32(std::string key, uint32_t value) {
  return AddEncoded(std::move(key), Value{ValueType::kUint32, uint64_t{value}});
}

Status GgufWriter::AddUint64(std::string key, uint64_t value) {
  return AddEncoded(std::move(key), Value{ValueType::kUint64, value});
}

Status GgufWriter::AddInt32(std::string key, int32_t value) {
  return AddEncoded(std::move(key), Value{ValueType::kInt32, int64_t{value}});
}

Status GgufWriter::AddFloat32(std::string key, float value) {
  return AddEncoded(std::move(key), Value{ValueType::kFloat32, double{value}});
}

Status GgufWriter::AddBool(std::string key, bool value) {
  return AddEncoded(std::move(key), Value{ValueType::kBool, value});
}

Status GgufWriter::AddTensor(std::string name, TensorType type, std::vector<uint64_t> shape,
                             TensorFill fill) {
  return AddTensorImpl(std::move(name), type, std::move(shape), std::move(fill), std::nullopt);
}

Status GgufWriter::AddTensor(std::string name, TensorType type, std::vector<uint64_t> shape,
                             std::span<const std::byte> data) {
  auto copy = std::make_shared<const Bytes>(data.begin(), data.end());
  const auto traits = LookupTensorType(static_cast<uint32_t>(type));
  const uint64_t block_elements = traits ? traits->block_elements : 1;
  const uint64_t block_bytes = traits ? traits->block_bytes : 1;
  TensorFill fill = [copy, block_elements, block_bytes](const Chunk& chunk) {
    std::memcpy(chunk.bytes.data(),
                copy->data() + chunk.first_element / block_elements * block_bytes,
                chunk.bytes.size());
    return Status::Ok();
  };
  return AddTensorImpl(std::move(name), type, std::move(shape), std::move(fill), data.size());
}

Status GgufWriter::AddTensorImpl(std::string name, TensorType type, std::vector<uint64_t> shape,
                                 TensorFill fill, std::optional<uint64_t> data_bytes) {
  LLMCORE_RETURN_IF_ERROR(CheckAlignment());
  if (name.empty()) return Invalid("empty tensor name");
  if (name.size() > kMaxTensorNameBytes) {
    return Invalid("tensor name " + name + " is longer than 63 bytes");
  }
  if (!IsValidUtf8(name)) return Invalid("tensor name is not valid UTF-8");
  if (names_.contains(name)) {
    return Status(StatusCode::kAlreadyExists, "gguf writer: duplicate tensor name " + name);
  }
  const auto traits = LookupTensorType(static_cast<uint32_t>(type));
  if (!traits) {
    return Invalid(name + ": unknown tensor type " + std::to_string(static_cast<uint32_t>(type)));
  }
  if (shape.empty() || shape.size() > 4) {
    return Invalid(name + ": " + std::to_string(shape.size()) + " dimensions (1 to 4 allowed)");
  }
  uint64_t n_elements = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0) return Invalid(name + ": dimension " + std::to_string(i) + " is zero");
    auto product = CheckedMul(n_elements, shape[i]);
    if (!product || *product > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Invalid(name + ": element count overflows int64");
    }
    n_elements = *product;
  }
  if (shape[0] % traits->block_elements != 0) {
    return Invalid(name + ": ne[0] = " + std::to_string(shape[0]) + " is not a multiple of " +
                   std::string(traits->name) + "'s block size " +
                   std::to_string(traits->block_elements));
  }
  auto n_bytes = CheckedMul(n_elements / traits->block_elements, traits->block_bytes);
  auto end = n_bytes ? CheckedAdd(data_size_, *n_bytes) : std::nullopt;
  auto padded_end = end ? CheckedAlignUp(*end, alignment_) : std::nullopt;
  if (!padded_end || *padded_end > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Invalid(name + ": tensor data size overflows");
  }
  if (data_bytes && *data_bytes != *n_bytes) {
    return Invalid(name + ": " + std::to_string(*data_bytes) + " bytes of data, the shape needs " +
                   std::to_string(*n_bytes));
  }
  if (!fill) return Invalid(name + ": no fill callback");
  tensors_.push_back(PendingTensor{name, type, std::move(shape), n_elements, *n_bytes, data_size_,
                                   std::move(fill)});
  data_size_ = *padded_end;
  names_.insert(std::move(name));
  return Status::Ok();
}

Status GgufWriter::WriteFile(const std::string& path) const {
  LLMCORE_RETURN_IF_ERROR(CheckAlignment());
  try {
    Bytes header;
    header.reserve(kv_bytes_.size() + 64 + tensors_.size() * 96);
    const std::byte magic[4] = {std::byte{'G'}, std::byte{'G'}, std::byte{'U'}, std::byte{'F'}};
    header.insert(header.end(), std::begin(magic), std::end(magic));
    Put<uint32_t>(header, kGgufVersion);
    Put<uint64_t>(header, tensors_.size());
    const bool write_alignment = alignment_ != kDefaultAlignment;
    Put<uint64_t>(header, kv_count_ + (write_alignment ? 1 : 0));
    if (write_alignment) {
      PutString(header, "general.alignment");
      Put<uint32_t>(header, static_cast<uint32_t>(ValueType::kUint32));
      Put<uint32_t>(header, static_cast<uint32_t>(alignment_));
    }
    header.insert(header.end(), kv_bytes_.begin(), kv_bytes_.end());
    for (const auto& t : tensors_) {
      PutString(header, t.name);
      Put<uint32_t>(header, static_cast<uint32_t>(t.shape.size()));
      for (uint64_t d : t.shape) Put<uint64_t>(header, d);
      Put<uint32_t>(header, static_cast<uint32_t>(t.type));
      Put<uint64_t>(header, t.offset);
    }
    const auto data_start = CheckedAlignUp(header.size(), alignment_);
    const auto total = data_start ? CheckedAdd(*data_start, data_size_) : std::nullopt;
    if (!total || *total > static_cast<uint64_t>(std::numeric_limits<off_t>::max())) {
      return Invalid("file size overflows");
    }

    LLMCORE_ASSIGN_OR_RETURN(auto created, CreateTempFile(path));
    auto& [fd, temp_path] = created;
    TempFileGuard guard(temp_path);

    // Reserving the space up front fails fast on a full disk and keeps the
    // file contiguous; file systems without fallocate just skip it.
    if (*total > 0 && ::fallocate(fd.get(), 0, 0, static_cast<off_t>(*total)) != 0 &&
        errno != EOPNOTSUPP && errno != ENOSYS) {
      return ErrnoStatus(errno, "reserve " + std::to_string(*total) + " bytes for " + path);
    }

    BufferedFile out(fd.get(), buffer_bytes_);
    LLMCORE_RETURN_IF_ERROR(out.Append(header));
    LLMCORE_RETURN_IF_ERROR(out.AppendZeros(*data_start - header.size()));
    for (const auto& t : tensors_) {
      LLMCORE_RETURN_IF_ERROR(out.AppendZeros(*data_start + t.offset - out.position()));
      const auto& traits = Traits(t.type);
      const uint64_t total_blocks = t.n_elements / traits.block_elements;
      uint64_t done_blocks = 0;
      while (done_blocks < total_blocks) {
        auto space = out.FreeSpace();
        if (space.size() < traits.block_bytes) {
          LLMCORE_RETURN_IF_ERROR(out.Flush());
          continue;
        }
        const uint64_t blocks =
            std::min<uint64_t>(total_blocks - done_blocks, space.size() / traits.block_bytes);
        const size_t n_bytes = static_cast<size_t>(blocks * traits.block_bytes);
        Chunk chunk{done_blocks * traits.block_elements, blocks * traits.block_elements,
                    space.first(n_bytes)};
        Status filled;
        try {
          filled = t.fill(chunk);
        } catch (const std::exception& e) {
          filled = Status(StatusCode::kInternal, std::string("fill threw: ") + e.what());
        } catch (...) {
          filled = Status(StatusCode::kInternal, "fill threw");
        }
        if (!filled.ok()) return filled.WithContext("gguf writer: tensor " + t.name);
        out.Commit(n_bytes);
        done_blocks += blocks;
      }
    }
    LLMCORE_RETURN_IF_ERROR(out.AppendZeros(*total - out.position()));
    LLMCORE_RETURN_IF_ERROR(out.Flush());
    if (out.position() != *total) {
      return Status(StatusCode::kInternal, "gguf writer: wrote " + std::to_string(out.position()) +
                                               " bytes, planned " + std::to_string(*total));
    }
    if (::fsync(fd.get()) != 0) return ErrnoStatus(errno, "fsync " + temp_path);
    if (::close(fd.Release()) != 0) return ErrnoStatus(errno, "close " + temp_path);
    if (::rename(temp_path.c_str(), path.c_str()) != 0) {
      return ErrnoStatus(errno, "rename " + temp_path + " to " + path);
    }
    guard.Disarm();
    // The rename is durable only once the directory is; the file itself is
    // complete either way, so a failure here is worth a warning, not an error.
    UniqueFd dir(::open(DirectoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir || ::fsync(dir.get()) != 0) {
      Logf(LogLevel::kWarning, "gguf writer: fsync of the directory of {} failed: {}", path,
           std::strerror(errno));
    }
    return Status::Ok();
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::kResourceExhausted, "gguf writer: out of memory writing " + path);
  } catch (const std::exception& e) {
    return Status(StatusCode::kInternal, std::string("gguf writer: ") + e.what());
  }
}

}  // namespace llmcore::gguf
