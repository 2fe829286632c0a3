#include "llmcore/ipc/ring_memory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "llmcore/checked_math.h"
#include "ring_errors.h"

namespace llmcore::ipc {
namespace {

constexpr int kRequiredSeals = F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL;

bool ValidCapacity(uint64_t capacity) {
  return IsPowerOfTwo(capacity) && capacity >= kMinRingCapacity && capacity <= kMaxRingCapacity;
}

Result<uint8_t*> MapShared(int fd, uint64_t size) {
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return ErrnoStatus(errno, "ring: mmap");
  return static_cast<uint8_t*>(p);
}

// Checks one ring's descriptor against the segment; `name` for messages.
Status CheckDescriptor(const RingDescriptor& d, uint64_t size, const char* name) {
  const std::string ring = name;
  if (!ValidCapacity(d.capacity)) {
    return Violation("bad-capacity", ring + " capacity " + std::to_string(d.capacity));
  }
  auto control_end = CheckedAdd(d.control_offset, sizeof(RingControl));
  if (d.control_offset % kCacheLine != 0 || d.control_offset < sizeof(RingHeader) || !control_end ||
      *control_end > kRingDataOffset) {
    return Violation("ring-out-of-bounds",
                     ring + " control block at " + std::to_string(d.control_offset));
  }
  auto data_end = CheckedAdd(d.data_offset, d.capacity);
  if (d.data_offset % kFrameAlign != 0 || d.data_offset < kRingDataOffset || !data_end ||
      *data_end > size) {
    return Violation("ring-out-of-bounds", ring + " data at " + std::to_string(d.data_offset) +
                                               " (+" + std::to_string(d.capacity) + ") in " +
                                               std::to_string(size) + " bytes");
  }
  return Status::Ok();
}

bool Overlap(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len) {
  return a < b + b_len && b < a + a_len;  // bounds already checked: no overflow
}

Status CheckHeader(const RingHeader& h, uint64_t size) {
  if (h.magic != kRingMagic) {
    return Status(StatusCode::kInvalidArgument, "ring: bad-magic: not a ring segment");
  }
  if (h.version_major != kRingLayoutMajor) {
    return Status(StatusCode::kUnsupported,
                  "ring: unsupported-major-version: ring layout " +
                      std::to_string(h.version_major) + "." + std::to_string(h.version_minor) +
                      ", this build speaks " + std::to_string(kRingLayoutMajor) + ".x");
  }
  if (h.header_bytes < sizeof(RingHeader) || h.header_bytes > kRequestControlOffset) {
    return Violation("bad-header-size", "header of " + std::to_string(h.header_bytes) + " bytes");
  }
  if (h.total_bytes != size) {
    return Violation("size-mismatch", "header says " + std::to_string(h.total_bytes) +
                                          " bytes, the fd has " + std::to_string(size));
  }
  LLMCORE_RETURN_IF_ERROR(CheckDescriptor(h.request_ring, size, "request ring"));
  LLMCORE_RETURN_IF_ERROR(CheckDescriptor(h.event_ring, size, "event ring"));
  const RingDescriptor& r = h.request_ring;
  const RingDescriptor& e = h.event_ring;
  if (Overlap(r.control_offset, sizeof(RingControl), e.control_offset, sizeof(RingControl)) ||
      Overlap(r.data_offset, r.capacity, e.data_offset, e.capacity)) {
    return Violation("rings-overlap", "the request and event rings share bytes");
  }
  return Status::Ok();
}

RingView ViewOf(uint8_t* base, const RingDescriptor& d) {
  return RingView{reinterpret_cast<RingControl*>(base + d.control_offset), base + d.data_offset,
                  d.capacity};
}

}  // namespace

Result<RingMemory> RingMemory::Create(const RingSizes& sizes) {
  if (!ValidCapacity(sizes.request_capacity) || !ValidCapacity(sizes.event_capacity)) {
    return Refused("bad-capacity", "ring capacities must be powers of two between " +
                                       std::to_string(kMinRingCapacity) + " and " +
                                       std::to_string(kMaxRingCapacity));
  }
  RingHeader h{};
  h.magic = kRingMagic;
  h.version_major = kRingLayoutMajor;
  h.version_minor = kRingLayoutMinor;
  h.header_bytes = sizeof(RingHeader);
  h.request_ring = {kRequestControlOffset, kRingDataOffset, sizes.request_capacity};
  h.event_ring = {kEventControlOffset, kRingDataOffset + sizes.request_capacity,
                  sizes.event_capacity};
  h.total_bytes = kRingDataOffset + sizes.request_capacity + sizes.event_capacity;

  RingMemory m;
  m.fd_.Reset(memfd_create("llmcore-ring", MFD_ALLOW_SEALING | MFD_CLOEXEC));
  if (!m.fd_) return ErrnoStatus(errno, "ring: memfd_create");
  if (ftruncate(m.fd_.get(), static_cast<off_t>(h.total_bytes)) != 0) {
    return ErrnoStatus(errno, "ring: sizing the memfd");
  }
  LLMCORE_ASSIGN_OR_RETURN(m.base_, MapShared(m.fd_.get(), h.total_bytes));
  m.size_ = h.total_bytes;
  m.minor_ = kRingLayoutMinor;
  // A new memfd reads as zeros: the indices and waiting flags start at 0.
  std::memcpy(m.base_, &h, sizeof h);
  if (fcntl(m.fd_.get(), F_ADD_SEALS, kRequiredSeals) != 0) {
    return ErrnoStatus(errno, "ring: sealing the memfd");
  }
  m.requests_ = ViewOf(m.base_, h.request_ring);
  m.events_ = ViewOf(m.base_, h.event_ring);
  return m;
}

Result<RingMemory> RingMemory::Map(UniqueFd fd) {
  int seals = fcntl(fd.get(), F_GET_SEALS);
  if (seals < 0) {
    return Status(StatusCode::kInvalidArgument,
                  "ring: missing-seals: the fd is not a sealable memfd (" +
                      std::string(std::strerror(errno)) + ")");
  }
  if ((seals & kRequiredSeals) != kRequiredSeals) {
    return Status(StatusCode::kInvalidArgument,
                  "ring: missing-seals: the memfd is not sealed against grow, shrink and "
                  "further seals");
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, "ring: fstat");
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < kRingDataOffset || size > kRingDataOffset + 2 * kMaxRingCapacity) {
    return Violation("size-mismatch", "a segment of " + std::to_string(size) + " bytes");
  }
  RingMemory m;
  m.fd_ = std::move(fd);
  LLMCORE_ASSIGN_OR_RETURN(m.base_, MapShared(m.fd_.get(), size));
  m.size_ = size;
  // One private copy of the header: checked and used from here on.
  RingHeader h;
  std::memcpy(&h, m.base_, sizeof h);
  LLMCORE_RETURN_IF_ERROR(CheckHeader(h, size));
  m.minor_ = h.version_minor;
  m.requests_ = ViewOf(m.base_, h.request_ring);
  m.events_ = ViewOf(m.base_, h.event_ring);
  return m;
}

RingMemory::RingMemory(RingMemory&& other) noexcept {
  *this = std::move(other);
}

RingMemory& RingMemory::operator=(RingMemory&& other) noexcept {
  if (this != &other) {
    Unmap();
    fd_ = std::move(other.fd_);
    base_ = std::exchange(other.base_, nullptr);
    size_ = std::exchange(other.size_, 0);
    minor_ = other.minor_;
    requests_ = std::exchange(other.requests_, {});
    events_ = std::exchange(other.events_, {});
  }
  return *this;
}

RingMemory::~RingMemory() {
  Unmap();
}

void RingMemory::Unmap() {
  if (base_ != nullptr) munmap(base_, size_);
  base_ = nullptr;
  size_ = 0;
}

}  // namespace llmcore::ipc
