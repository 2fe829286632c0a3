#include "kv_cache.h"

#include <algorithm>
#include <string>

#include "llmcore/driver_kit/instance_checks.h"

namespace llmcore::cpu {
namespace {

// Growth starts with room for this many positions, then doubles.
constexpr uint32_t kMinCapacity = 64;

}  // namespace

KvCache::KvCache(uint32_t n_seq, uint32_t n_layer, uint32_t n_ctx, uint32_t kv_dim)
    : n_layer_(n_layer), n_ctx_(n_ctx), kv_dim_(kv_dim), seqs_(n_seq) {
  for (auto& s : seqs_) {
    s.keys.resize(n_layer);
    s.values.resize(n_layer);
  }
}

void KvCache::Reserve(uint32_t seq, uint32_t n_positions) {
  Sequence& s = seqs_[seq];
  if (n_positions <= s.capacity) return;
  uint64_t capacity = std::max<uint64_t>(kMinCapacity, uint64_t{s.capacity} * 2);
  capacity = std::min<uint64_t>(std::max<uint64_t>(capacity, n_positions), n_ctx_);
  const size_t floats = static_cast<size_t>(capacity) * kv_dim_;
  // Grow every array before recording the capacity: when an allocation
  // throws, the larger arrays already made are harmless and the recorded
  // capacity is still true.
  for (uint32_t l = 0; l < n_layer_; ++l) {
    s.keys[l].resize(floats);
    s.values[l].resize(floats);
  }
  s.capacity = static_cast<uint32_t>(capacity);
}

Status KvCache::Remove(uint32_t seq, int32_t p0, int32_t p1) {
  Sequence& s = seqs_[seq];
  LLMCORE_ASSIGN_OR_RETURN(
      s.length, driver_kit::LengthAfterRemove(static_cast<int32_t>(seq), s.length, p0, p1));
  return Status::Ok();
}

Status KvCache::Copy(uint32_t src, uint32_t dst, int32_t p0, int32_t p1) {
  if (src == dst) return Status::Ok();
  const Sequence& from = seqs_[src];
  Sequence& to = seqs_[dst];
  const uint32_t end = p1 < 0 ? from.length : std::min(from.length, static_cast<uint32_t>(p1));
  if (p0 < 0 || static_cast<uint32_t>(p0) > to.length || static_cast<uint32_t>(p0) > end) {
    return Status(StatusCode::kInvalidArgument,
                  "seq_copy: range [" + std::to_string(p0) + ", " + std::to_string(p1) +
                      ") cannot be copied from sequence " + std::to_string(src) + " (length " +
                      std::to_string(from.length) + ") to sequence " + std::to_string(dst) +
                      " (length " + std::to_string(to.length) +
                      "): p0 must be at most both lengths and the range's end");
  }
  Reserve(dst, end);
  const size_t first = size_t{static_cast<uint32_t>(p0)} * kv_dim_;
  const size_t last = size_t{end} * kv_dim_;
  for (uint32_t l = 0; l < n_layer_; ++l) {
    std::copy(from.keys[l].begin() + first, from.keys[l].begin() + last,
              to.keys[l].begin() + first);
    std::copy(from.values[l].begin() + first, from.values[l].begin() + last,
              to.values[l].begin() + first);
  }
  to.length = end;
  return Status::Ok();
}

}  // namespace llmcore::cpu
