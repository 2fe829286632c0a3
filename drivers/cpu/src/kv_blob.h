// The "cpu-f32-v1" KV blob: one sequence's keys and values, self-describing,
// for moving a sequence to another instance (hot swap).
//
// Layout, all little-endian:
//   offset  0  char[8]  magic "LLMCKVF1"
//          8  u32      format version (1)
//         12  u32      header bytes (64)
//         16  u64      model fingerprint (KvFingerprint of the config)
//         24  u32      n_layer
//         28  u32      kv_dim (n_head_kv * head_dim)
//         32  u32      n_pos (positions held, 0..n_pos-1)
//         36  u32      reserved, 0
//         40  u64      payload bytes = n_layer * 2 * n_pos * kv_dim * 4
//         48  u64      FNV-1a 64 of the payload
//         56  u64      FNV-1a 64 of bytes 0..55
//         64  payload: for each layer, keys [n_pos][kv_dim] f32, then
//                      values [n_pos][kv_dim] f32
// Any mismatch (size, magic, version, checksums, a model fingerprint or
// shape other than the importing instance's, more positions than its n_ctx,
// a non-finite value) is rejected as malformed.
//
// Thread safety: pure functions over the given cache.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kv_cache.h"
#include "llmcore/status.h"

namespace llmcore::cpu {

inline constexpr char kKvFormat[] = "cpu-f32-v1";

// Bytes the blob of `seq` takes (checked: the cache's sizes are bounded).
uint64_t KvBlobSize(const KvCache& cache, uint32_t seq);

// Writes the blob of `seq` to `buffer`, which has KvBlobSize() bytes.
void WriteKvBlob(const KvCache& cache, uint32_t seq, uint64_t fingerprint, std::byte* buffer);

// Replaces `seq`'s state with the blob's. Errors: kCorrupt naming what is
// wrong, with the sequence unchanged. Throws std::bad_alloc before any
// change.
Status ReadKvBlob(KvCache& cache, uint32_t seq, uint64_t fingerprint, const std::byte* buffer,
                  uint64_t size);

}  // namespace llmcore::cpu
