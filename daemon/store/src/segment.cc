#include "llmcore/store/segment.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "aligned_map.h"
#include "llmcore/checked_math.h"

namespace llmcore::store {
namespace {

Status Corrupt(const std::string& what) {
  return Status(StatusCode::kCorrupt, "segment: " + what);
}

// Checks the directory's strings and vectors against [lo, hi), the bytes of
// the directory in this mapping. The directory came from a trusted writer;
// these checks turn a damaged or mismatched one into an error rather than a
// wild read.
class DirectoryChecker {
 public:
  DirectoryChecker(const std::byte* lo, const std::byte* hi)
      : lo_(reinterpret_cast<uintptr_t>(lo)), hi_(reinterpret_cast<uintptr_t>(hi)) {}

  bool Contains(const void* p, uint64_t count, uint64_t element_bytes, uint64_t align) const {
    auto bytes = CheckedMul(count, element_bytes);
    if (!bytes) return false;
    if (*bytes == 0) return true;
    auto at = reinterpret_cast<uintptr_t>(p);
    return at >= lo_ && at <= hi_ && *bytes <= hi_ - at && at % align == 0;
  }

  bool Check(const SegmentString& s) const { return Contains(s.data(), s.size(), 1, 1); }

  template <typename T>
  bool Check(const SegmentVector<T>& v) const {
    return Contains(v.data(), v.size(), sizeof(T), alignof(T));
  }

 private:
  uintptr_t lo_;
  uintptr_t hi_;
};

Status CheckLayout(const std::byte* base, uint64_t size) {
  SegmentHeader h;
  std::memcpy(&h, base, sizeof h);
  if (h.magic != kSegmentMagic) {
    return Status(StatusCode::kInvalidArgument, "not a model segment (bad magic)");
  }
  if (h.layout_version != kSegmentLayoutVersion || h.header_bytes != sizeof(SegmentHeader)) {
    return Status(StatusCode::kUnsupported,
                  "segment layout version " + std::to_string(h.layout_version) +
                      " (this build reads version " + std::to_string(kSegmentLayoutVersion) + ")");
  }
  if (h.boost_version != BOOST_VERSION) {
    return Status(StatusCode::kUnsupported,
                  "segment written with Boost " + std::to_string(h.boost_version) +
                      ", this build uses " + std::to_string(BOOST_VERSION));
  }
  if (h.segment_bytes != size) {
    return Corrupt("header says " + std::to_string(h.segment_bytes) + " bytes, the fd has " +
                   std::to_string(size));
  }
  auto directory_end = CheckedAdd(h.directory_offset, h.directory_bytes);
  auto data_end = CheckedAdd(h.data_offset, h.data_bytes);
  if (h.directory_offset < kSegmentHeaderBytes || !directory_end ||
      *directory_end > h.data_offset || !data_end || *data_end > size) {
    return Corrupt("directory or data outside the segment");
  }
  auto root_end = CheckedAdd(h.directory_root_offset, sizeof(TensorDirectory));
  if (h.directory_root_offset < h.directory_offset || !root_end || *root_end > *directory_end ||
      h.directory_root_offset % alignof(TensorDirectory) != 0) {
    return Corrupt("directory root outside the directory");
  }
  if (!IsPowerOfTwo(h.data_alignment) || h.data_offset % h.data_alignment != 0) {
    return Corrupt("bad data alignment");
  }

  const auto* dir = reinterpret_cast<const TensorDirectory*>(base + h.directory_root_offset);
  DirectoryChecker checker(base + h.directory_offset, base + *directory_end);
  if (!checker.Check(dir->architecture) || !checker.Check(dir->tensors) ||
      !checker.Check(dir->metadata)) {
    return Corrupt("directory arrays outside the directory");
  }
  if (dir->tensors.size() != h.tensor_count) return Corrupt("tensor count mismatch");
  for (const TensorEntry& t : dir->tensors) {
    auto end = CheckedAdd(t.offset, t.n_bytes);
    if (!checker.Check(t.name) || t.n_dims < 1 || t.n_dims > 4 || !end || *end > h.data_bytes ||
        t.offset % h.data_alignment != 0) {
      return Corrupt("a tensor entry points outside the data");
    }
  }
  for (const MetadataEntry& m : dir->metadata) {
    if (!checker.Check(m.key) || !checker.Check(m.string_value) || !checker.Check(m.array_values)) {
      return Corrupt("a metadata entry points outside the directory");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Segment> Segment::Attach(UniqueFd fd) {
  if (!fd.valid()) return Status(StatusCode::kInvalidArgument, "segment: no fd");
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, "segment: fstat");
  if (!S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) < kSegmentHeaderBytes) {
    return Status(StatusCode::kInvalidArgument,
                  "not a model segment (" + std::to_string(st.st_size) + " bytes)");
  }
  // Without these seals another holder of the fd could shrink it (our reads
  // would fault with SIGBUS) or change the weights under us.
  int seals = fcntl(fd.get(), F_GET_SEALS);
  if (seals < 0 || (seals & F_SEAL_SHRINK) == 0 ||
      (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) == 0) {
    return Status(StatusCode::kInvalidArgument,
                  "not a model segment (not a memfd sealed against shrinking and writing)");
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  // The data alignment decides where to map; the header is checked in full
  // once mapped.
  SegmentHeader peek{};
  if (pread(fd.get(), &peek, sizeof peek, 0) != static_cast<ssize_t>(sizeof peek)) {
    return ErrnoStatus(errno, "segment: reading the header");
  }
  uint64_t alignment = IsPowerOfTwo(peek.data_alignment) ? peek.data_alignment : 1;
  auto mapped = internal::MapAligned(fd.get(), size, PROT_READ, alignment);
  if (!mapped.ok()) return mapped.status().WithContext("segment");
  void* map = *mapped;
  const auto* base = static_cast<const std::byte*>(map);
  Status layout = CheckLayout(base, size);
  if (!layout.ok()) {
    munmap(map, size);
    return layout;
  }
  return Segment(std::move(fd), base, size, "");
}

Segment::Segment(Segment&& other) noexcept
    : fd_(std::move(other.fd_)),
      base_(std::exchange(other.base_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      source_path_(std::move(other.source_path_)) {}

Segment& Segment::operator=(Segment&& other) noexcept {
  if (this != &other) {
    Unmap();
    fd_ = std::move(other.fd_);
    base_ = std::exchange(other.base_, nullptr);
    size_ = std::exchange(other.size_, 0);
    source_path_ = std::move(other.source_path_);
  }
  return *this;
}

Segment::~Segment() {
  Unmap();
}

void Segment::Unmap() {
  if (base_ != nullptr) munmap(const_cast<std::byte*>(base_), size_);
  base_ = nullptr;
  size_ = 0;
}

const TensorDirectory& Segment::directory() const {
  return *reinterpret_cast<const TensorDirectory*>(base_ + header().directory_root_offset);
}

std::span<const std::byte> Segment::TensorData(const TensorEntry& tensor) const {
  return std::span<const std::byte>(base_ + header().data_offset + tensor.offset, tensor.n_bytes);
}

const TensorEntry* Segment::FindTensor(std::string_view name) const {
  for (const TensorEntry& t : directory().tensors) {
    if (std::string_view(t.name.data(), t.name.size()) == name) return &t;
  }
  return nullptr;
}

const MetadataEntry* Segment::FindMetadata(std::string_view key) const {
  for (const MetadataEntry& m : directory().metadata) {
    if (std::string_view(m.key.data(), m.key.size()) == key) return &m;
  }
  return nullptr;
}

}  // namespace llmcore::store
