// The framing of an f32 KV blob: one sequence's keys and values behind a
// self-describing, checksummed 64-byte header. Each driver names its own
// format (llmcore_driver.kv_format) and magic, and copies its own payload;
// the header, checksums and checks are shared.
//
// Layout, all little-endian:
//   offset  0  char[8]  magic (the driver's)
//          8  u32      format version (1)
//         12  u32      header bytes (64)
//         16  u64      model fingerprint (the driver's digest of the model)
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
// a non-finite value) is rejected as malformed (kCorrupt, "kv blob: ...").
//
// Ownership: nothing is kept; a KvBlobPayload points into the caller's
// buffer and lives no longer than it.
// Thread safety: pure functions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "llmcore/status.h"

namespace llmcore::driver_kit {

// The 8 bytes a driver's blobs start with.
using KvBlobMagic = std::array<char, 8>;

inline constexpr uint32_t kKvBlobHeaderBytes = 64;
inline constexpr uint64_t kFnv1aBasis = 0xCBF29CE484222325ull;

// FNV-1a 64 of `n` bytes, continuing from `h`.
uint64_t Fnv1a(const std::byte* data, uint64_t n, uint64_t h = kFnv1aBasis);

// What a blob must agree on with the instance writing or reading it.
struct KvBlobShape {
  uint64_t fingerprint = 0;
  uint32_t n_layer = 0;
  uint32_t kv_dim = 0;
  uint32_t n_ctx = 0;  // reading: the most positions accepted
};

// Bytes of the payload and of the whole blob of `n_pos` positions
// (no overflow: a driver's shapes are bounded).
uint64_t KvPayloadBytes(const KvBlobShape& shape, uint32_t n_pos);
uint64_t KvBlobSize(const KvBlobShape& shape, uint32_t n_pos);

// Writes the header of a blob of `n_pos` positions to `buffer`, which has
// KvBlobSize() bytes and whose payload (from kKvBlobHeaderBytes on) the
// caller has already written: the header holds the payload's checksum.
void WriteKvBlobHeader(const KvBlobMagic& magic, const KvBlobShape& shape, uint32_t n_pos,
                       std::byte* buffer);

// A checked blob's payload, in the layout above.
struct KvBlobPayload {
  uint32_t n_pos = 0;
  const std::byte* data = nullptr;  // into the caller's buffer
  uint64_t bytes = 0;
};

// Checks everything about a blob (header, shape against `shape`, size,
// checksums, every value finite) and returns its payload. Errors: kCorrupt
// ("kv blob: ...") naming what is wrong.
Result<KvBlobPayload> CheckKvBlob(const KvBlobMagic& magic, const KvBlobShape& shape,
                                  const std::byte* buffer, uint64_t size);

}  // namespace llmcore::driver_kit
