// Private: the only ways the ring code touches the shared indices. Each is
// one atomic access of an aligned 64- or 32-bit field in shared memory.
#pragma once

#include <atomic>
#include <cstdint>

namespace llmcore::ipc {

static_assert(std::atomic_ref<uint64_t>::is_always_lock_free,
              "ring indices need lock-free 64-bit atomics (shared between processes)");
static_assert(std::atomic_ref<uint32_t>::is_always_lock_free);

// The other side's index: acquire, so the bytes it covers are visible.
inline uint64_t LoadAcquire(uint64_t& index) {
  return std::atomic_ref<uint64_t>(index).load(std::memory_order_acquire);
}

// One's own index: release, so the bytes it covers are visible first.
inline void StoreRelease(uint64_t& index, uint64_t value) {
  std::atomic_ref<uint64_t>(index).store(value, std::memory_order_release);
}

inline uint32_t LoadFlag(uint32_t& flag) {
  return std::atomic_ref<uint32_t>(flag).load(std::memory_order_relaxed);
}

inline void StoreFlag(uint32_t& flag, uint32_t value) {
  std::atomic_ref<uint32_t>(flag).store(value, std::memory_order_relaxed);
}

// The full fence of the wake-up protocol (a store, this fence, then a load on
// both sides: at least one side sees the other's store).
inline void FullFence() {
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

}  // namespace llmcore::ipc
