// The "reference-f32-v1" KV blob: one sequence's keys and values,
// self-describing, for moving a sequence to another reference instance (hot
// swap, driver upgrade). Only instances of this driver read it: the CPU
// driver's "cpu-f32-v1" has the same shape of data but other rounding, and
// the host exchanges blobs only between equal formats.
//
// The framing (header, checksums, what is rejected) is the driver kit's
// (llmcore/driver_kit/kv_blob.h), with magic "LLMCRKV1" and the model
// fingerprint KvFingerprint of the hyperparameters; the payload is, for each
// layer, keys [n_pos][kv_dim] f32 then values [n_pos][kv_dim] f32.
//
// Thread safety: pure functions over the given state.
#pragma once

#include <cstddef>
#include <cstdint>

#include "llmcore/driver_kit/kv_blob.h"
#include "llmcore/reference/naive_model.h"
#include "llmcore/status.h"

namespace llmcore::reference_driver {

inline constexpr char kKvFormat[] = "reference-f32-v1";

// What a blob must agree on with the instance reading it.
using KvShape = driver_kit::KvBlobShape;

// FNV-1a over the hyperparameters the keys and values depend on by layout
// and position encoding (architecture, layers, KV heads, head size, RoPE).
uint64_t KvFingerprint(const reference::Hyperparameters& hp);

// Writes the blob of `kv` to `buffer`, which has
// driver_kit::KvBlobSize(shape, kv.length) bytes.
void WriteKvBlob(const reference::SequenceKv& kv, const KvShape& shape, std::byte* buffer);

// Replaces `kv` with the blob's state. Errors: kCorrupt naming what is
// wrong, with `kv` unchanged. Throws std::bad_alloc before any change.
Status ReadKvBlob(const KvShape& shape, const std::byte* buffer, uint64_t size,
                  reference::SequenceKv& kv);

}  // namespace llmcore::reference_driver
