// KvCache: the attention keys and values of every sequence of an instance.
//
// Per sequence, per layer, one f32 array of keys and one of values, each
// [position][n_head_kv * head_dim]. A sequence holds positions 0..length-1,
// contiguous (a forward pass appends, seq_remove truncates, seq_copy
// replaces a suffix), so the next position to feed is its length. Storage
// grows on demand (doubling, up to n_ctx positions) rather than being
// reserved for n_seq_max * n_ctx up front.
//
// State and rollback: positions at or past length are scratch. A forward
// pass calls Reserve() (which may allocate but changes no visible state),
// writes keys and values past the current length, and only then SetLength();
// a failed pass leaves the lengths, hence the state, as they were.
//
// Thread safety: none of its own; the instance's single caller owns it. The
// forward pass writes disjoint rows from several workers.
#pragma once

#include <cstdint>
#include <vector>

#include "llmcore/status.h"

namespace llmcore::cpu {

class KvCache {
 public:
  KvCache(uint32_t n_seq, uint32_t n_layer, uint32_t n_ctx, uint32_t kv_dim);

  uint32_t n_seq() const { return static_cast<uint32_t>(seqs_.size()); }
  uint32_t n_layer() const { return n_layer_; }
  uint32_t n_ctx() const { return n_ctx_; }
  uint32_t kv_dim() const { return kv_dim_; }

  // Positions held by `seq` (which must be < n_seq()).
  uint32_t length(uint32_t seq) const { return seqs_[seq].length; }

  // Makes storage for positions [0, n_positions) of `seq` (n_positions <=
  // n_ctx). Throws std::bad_alloc when memory runs out; no visible change.
  void Reserve(uint32_t seq, uint32_t n_positions);

  // Rows of keys / values at `pos` (< reserved capacity), kv_dim floats.
  float* Key(uint32_t seq, uint32_t layer, uint32_t pos) {
    return seqs_[seq].keys[layer].data() + size_t{pos} * kv_dim_;
  }
  float* Value(uint32_t seq, uint32_t layer, uint32_t pos) {
    return seqs_[seq].values[layer].data() + size_t{pos} * kv_dim_;
  }
  const float* Key(uint32_t seq, uint32_t layer, uint32_t pos) const {
    return seqs_[seq].keys[layer].data() + size_t{pos} * kv_dim_;
  }
  const float* Value(uint32_t seq, uint32_t layer, uint32_t pos) const {
    return seqs_[seq].values[layer].data() + size_t{pos} * kv_dim_;
  }

  // Commits positions [0, length); they must have been reserved and written.
  void SetLength(uint32_t seq, uint32_t length) { seqs_[seq].length = length; }

  // seq_remove: drops positions [p0, p1) (p1 < 0: to the end). Allowed when
  // it leaves the sequence contiguous, i.e. removes a suffix (or nothing).
  // Errors: kInvalidArgument for p0 < 0; kUnsupported for a range that
  // would leave a hole (p0 < p1 < length) or take a prefix.
  Status Remove(uint32_t seq, int32_t p0, int32_t p1);

  // seq_copy: dst becomes its own positions [0, p0) followed by src's
  // positions [p0, end), end being p1 clamped to src's length (p1 < 0: src's
  // length). p0 = 0 makes dst a copy of src's prefix (forking a prompt).
  // src == dst is a no-op. Errors, with nothing changed: kInvalidArgument for
  // p0 < 0, p0 > dst's length (it would leave a hole) or p0 > end. Throws
  // std::bad_alloc before any change.
  Status Copy(uint32_t src, uint32_t dst, int32_t p0, int32_t p1);

 private:
  struct Sequence {
    uint32_t length = 0;
    uint32_t capacity = 0;                   // positions each array has room for
    std::vector<std::vector<float>> keys;    // [layer][pos * kv_dim]
    std::vector<std::vector<float>> values;  // [layer][pos * kv_dim]
  };

  uint32_t n_layer_;
  uint32_t n_ctx_;
  uint32_t kv_dim_;
  std::vector<Sequence> seqs_;
};

}  // namespace llmcore::cpu
