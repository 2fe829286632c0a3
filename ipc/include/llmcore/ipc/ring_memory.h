// RingMemory: one session's ring segment, a sealed memfd mapped read-write
// (layout in ring_layout.h, protocol in ipc/RING.md).
//
// The daemon creates it (Create), hands fd() to the client over D-Bus, and
// builds its request consumer and event producer on requests()/events(). The
// client maps the fd it received (Map) and builds the other two.
//
// Trust: the daemon never reads the header back. The offsets and capacities
// in the RingViews come from the daemon's private copy, so a client that
// scribbles over the header changes nothing; the indices are checked by
// RingConsumer / RingProducer on every read. The seals (no grow, no shrink,
// no further seals) mean the mapping can never fault under either side.
//
// Ownership: RingMemory owns its fd and its mapping and releases both when it
// is destroyed. RingViews (and the producers and consumers built on them)
// point into the mapping and must not outlive it. Move-only.
//
// Thread safety: the object itself is immutable after creation; the rings
// follow the single-producer / single-consumer rules of byte_ring.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "llmcore/ipc/ring_layout.h"
#include "llmcore/status.h"
#include "llmcore/unique_fd.h"

namespace llmcore::ipc {

// Ring capacities for Create: powers of two in [kMinRingCapacity,
// kMaxRingCapacity].
struct RingSizes {
  uint64_t request_capacity = kDefaultRequestRingCapacity;
  uint64_t event_capacity = kDefaultEventRingCapacity;
};

// One ring inside a mapping. Non-owning; valid while the RingMemory lives.
struct RingView {
  RingControl* control = nullptr;
  uint8_t* data = nullptr;
  uint64_t capacity = 0;  // a power of two
};

class RingMemory {
 public:
  // Daemon side: memfd_create(MFD_ALLOW_SEALING | MFD_CLOEXEC), ftruncate,
  // mmap, writes the header and zeroed indices, then seals with
  // F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL. kInvalidArgument for sizes
  // that break the rules above; an errno-based Status when the OS refuses.
  static Result<RingMemory> Create(const RingSizes& sizes = {});

  // Client side: checks that the fd carries the three seals (F_GET_SEALS;
  // not a memfd → kInvalidArgument), that its size (fstat) matches the
  // header, the magic (kInvalidArgument), the major version (kUnsupported,
  // naming both versions), and that every offset and capacity is in bounds,
  // aligned and non-overlapping (kCorrupt). The fd is consumed either way.
  static Result<RingMemory> Map(UniqueFd fd);

  RingMemory(RingMemory&& other) noexcept;
  RingMemory& operator=(RingMemory&& other) noexcept;
  RingMemory(const RingMemory&) = delete;
  RingMemory& operator=(const RingMemory&) = delete;
  ~RingMemory();

  int fd() const { return fd_.get(); }
  uint64_t size() const { return size_; }
  // The minor version the creator wrote (what the daemon speaks).
  uint16_t peer_minor_version() const { return minor_; }

  RingView requests() const { return requests_; }
  RingView events() const { return events_; }

  // The whole mapping, for tests that play a hostile peer.
  uint8_t* base() const { return base_; }

 private:
  RingMemory() = default;
  void Unmap();

  UniqueFd fd_;
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
  uint16_t minor_ = 0;
  RingView requests_;
  RingView events_;
};

}  // namespace llmcore::ipc
