#include "kv_blob.h"

#include <cstring>

#include "llmcore/driver_kit/kv_blob.h"

namespace llmcore::cpu {
namespace {

constexpr driver_kit::KvBlobMagic kMagic = {'L', 'L', 'M', 'C', 'K', 'V', 'F', '1'};

driver_kit::KvBlobShape Shape(const KvCache& cache, uint64_t fingerprint) {
  return {.fingerprint = fingerprint,
          .n_layer = cache.n_layer(),
          .kv_dim = cache.kv_dim(),
          .n_ctx = cache.n_ctx()};
}

}  // namespace

uint64_t KvBlobSize(const KvCache& cache, uint32_t seq) {
  return driver_kit::KvBlobSize(Shape(cache, 0), cache.length(seq));
}

void WriteKvBlob(const KvCache& cache, uint32_t seq, uint64_t fingerprint, std::byte* buffer) {
  const uint32_t n_pos = cache.length(seq);
  const size_t row_bytes = size_t{cache.kv_dim()} * sizeof(float);
  std::byte* out = buffer + driver_kit::kKvBlobHeaderBytes;
  for (uint32_t l = 0; l < cache.n_layer(); ++l) {
    if (n_pos == 0) break;
    std::memcpy(out, cache.Key(seq, l, 0), n_pos * row_bytes);
    out += n_pos * row_bytes;
    std::memcpy(out, cache.Value(seq, l, 0), n_pos * row_bytes);
    out += n_pos * row_bytes;
  }
  driver_kit::WriteKvBlobHeader(kMagic, Shape(cache, fingerprint), n_pos, buffer);
}

Status ReadKvBlob(KvCache& cache, uint32_t seq, uint64_t fingerprint, const std::byte* buffer,
                  uint64_t size) {
  LLMCORE_ASSIGN_OR_RETURN(
      driver_kit::KvBlobPayload blob,
      driver_kit::CheckKvBlob(kMagic, Shape(cache, fingerprint), buffer, size));
  cache.Reserve(seq, blob.n_pos);  // may throw; nothing changed yet
  const size_t row_bytes = size_t{cache.kv_dim()} * sizeof(float);
  const std::byte* in = blob.data;
  for (uint32_t l = 0; l < cache.n_layer(); ++l) {
    if (blob.n_pos == 0) break;
    std::memcpy(cache.Key(seq, l, 0), in, blob.n_pos * row_bytes);
    in += blob.n_pos * row_bytes;
    std::memcpy(cache.Value(seq, l, 0), in, blob.n_pos * row_bytes);
    in += blob.n_pos * row_bytes;
  }
  cache.SetLength(seq, blob.n_pos);
  return Status::Ok();
}

}  // namespace llmcore::cpu
