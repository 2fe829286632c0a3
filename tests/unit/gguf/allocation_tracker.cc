#include "allocation_tracker.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {

std::atomic<bool> g_tracking{false};
std::atomic<size_t> g_largest{0};

void* TrackedMalloc(size_t n) {
  if (g_tracking.load(std::memory_order_relaxed)) {
    size_t seen = g_largest.load(std::memory_order_relaxed);
    while (n > seen && !g_largest.compare_exchange_weak(seen, n)) {
    }
  }
  return std::malloc(n == 0 ? 1 : n);
}

void* TrackedNew(size_t n) {
  void* p = TrackedMalloc(n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

// Every unaligned form is replaced, so that whichever new allocated a block,
// the delete that frees it agrees (the aligned forms stay the runtime's, as a
// pair).
void* operator new(size_t n) {
  return TrackedNew(n);
}
void* operator new[](size_t n) {
  return TrackedNew(n);
}
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  return TrackedMalloc(n);
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  return TrackedMalloc(n);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

namespace llmcore::gguf::testing {

LargestAllocation::LargestAllocation() {
  g_largest = 0;
  g_tracking = true;
}

LargestAllocation::~LargestAllocation() {
  g_tracking = false;
}

size_t LargestAllocation::bytes() const {
  return g_largest;
}

}  // namespace llmcore::gguf::testing
