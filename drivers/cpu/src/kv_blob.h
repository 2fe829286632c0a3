// The "cpu-f32-v1" KV blob: one sequence's keys and values, self-describing,
// for moving a sequence to another instance (hot swap).
//
// The framing (header, checksums, what is rejected) is the driver kit's
// (llmcore/driver_kit/kv_blob.h), with magic "LLMCKVF1" and the model
// fingerprint KvFingerprint of the config; the payload is, for each layer,
// keys [n_pos][kv_dim] f32 then values [n_pos][kv_dim] f32.
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
