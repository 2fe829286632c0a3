#include "kv_blob.h"

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <string>

namespace llmcore::cpu {
namespace {

constexpr char kMagic[8] = {'L', 'L', 'M', 'C', 'K', 'V', 'F', '1'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kHeaderBytes = 64;

// The hosts llmcore runs on are little-endian; the layout is defined as such.
static_assert(std::endian::native == std::endian::little, "KV blobs assume little-endian");

struct Header {
  char magic[8];
  uint32_t version;
  uint32_t header_bytes;
  uint64_t fingerprint;
  uint32_t n_layer;
  uint32_t kv_dim;
  uint32_t n_pos;
  uint32_t reserved;
  uint64_t payload_bytes;
  uint64_t payload_hash;
  uint64_t header_hash;
};
static_assert(sizeof(Header) == kHeaderBytes);

uint64_t Fnv1a(const std::byte* data, uint64_t n, uint64_t h = 0xCBF29CE484222325ull) {
  for (uint64_t i = 0; i < n; ++i) {
    h ^= static_cast<uint8_t>(data[i]);
    h *= 0x100000001B3ull;
  }
  return h;
}

uint64_t PayloadBytes(uint32_t n_layer, uint32_t n_pos, uint32_t kv_dim) {
  return uint64_t{n_layer} * 2 * n_pos * kv_dim * sizeof(float);
}

Status Malformed(std::string what) {
  return Status(StatusCode::kCorrupt, "kv blob: " + std::move(what));
}

}  // namespace

uint64_t KvBlobSize(const KvCache& cache, uint32_t seq) {
  return kHeaderBytes + PayloadBytes(cache.n_layer(), cache.length(seq), cache.kv_dim());
}

void WriteKvBlob(const KvCache& cache, uint32_t seq, uint64_t fingerprint, std::byte* buffer) {
  const uint32_t n_pos = cache.length(seq);
  const size_t row_bytes = size_t{cache.kv_dim()} * sizeof(float);
  std::byte* out = buffer + kHeaderBytes;
  for (uint32_t l = 0; l < cache.n_layer(); ++l) {
    if (n_pos == 0) break;
    std::memcpy(out, cache.Key(seq, l, 0), n_pos * row_bytes);
    out += n_pos * row_bytes;
    std::memcpy(out, cache.Value(seq, l, 0), n_pos * row_bytes);
    out += n_pos * row_bytes;
  }
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kVersion;
  h.header_bytes = kHeaderBytes;
  h.fingerprint = fingerprint;
  h.n_layer = cache.n_layer();
  h.kv_dim = cache.kv_dim();
  h.n_pos = n_pos;
  h.payload_bytes = PayloadBytes(h.n_layer, n_pos, h.kv_dim);
  h.payload_hash = Fnv1a(buffer + kHeaderBytes, h.payload_bytes);
  h.header_hash = Fnv1a(reinterpret_cast<const std::byte*>(&h), offsetof(Header, header_hash));
  std::memcpy(buffer, &h, sizeof h);
}

Status ReadKvBlob(KvCache& cache, uint32_t seq, uint64_t fingerprint, const std::byte* buffer,
                  uint64_t size) {
  if (buffer == nullptr) return Malformed("buffer is NULL");
  if (size < kHeaderBytes) {
    return Malformed(std::to_string(size) + " bytes, shorter than its " +
                     std::to_string(kHeaderBytes) + "-byte header");
  }
  Header h;
  std::memcpy(&h, buffer, sizeof h);
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) return Malformed("bad magic");
  if (h.header_hash !=
      Fnv1a(reinterpret_cast<const std::byte*>(&h), offsetof(Header, header_hash))) {
    return Malformed("header checksum mismatch");
  }
  if (h.version != kVersion || h.header_bytes != kHeaderBytes) {
    return Malformed("version " + std::to_string(h.version) + " is not " +
                     std::to_string(kVersion));
  }
  if (h.fingerprint != fingerprint || h.n_layer != cache.n_layer() || h.kv_dim != cache.kv_dim()) {
    return Malformed("made by a different model (layers " + std::to_string(h.n_layer) +
                     ", kv_dim " + std::to_string(h.kv_dim) + ")");
  }
  if (h.n_pos > cache.n_ctx()) {
    return Malformed(std::to_string(h.n_pos) + " positions exceed the context of " +
                     std::to_string(cache.n_ctx()));
  }
  if (h.payload_bytes != PayloadBytes(h.n_layer, h.n_pos, h.kv_dim) ||
      size != kHeaderBytes + h.payload_bytes) {
    return Malformed("size " + std::to_string(size) + " does not match its header");
  }
  const std::byte* payload = buffer + kHeaderBytes;
  if (Fnv1a(payload, h.payload_bytes) != h.payload_hash) {
    return Malformed("payload checksum mismatch");
  }
  const uint64_t n_floats = h.payload_bytes / sizeof(float);
  for (uint64_t i = 0; i < n_floats; ++i) {
    float v;
    std::memcpy(&v, payload + i * sizeof(float), sizeof v);
    if (!std::isfinite(v)) return Malformed("holds a NaN or infinite value");
  }

  cache.Reserve(seq, h.n_pos);  // may throw; nothing changed yet
  const size_t row_bytes = size_t{h.kv_dim} * sizeof(float);
  const std::byte* in = payload;
  for (uint32_t l = 0; l < h.n_layer; ++l) {
    if (h.n_pos == 0) break;
    std::memcpy(cache.Key(seq, l, 0), in, h.n_pos * row_bytes);
    in += h.n_pos * row_bytes;
    std::memcpy(cache.Value(seq, l, 0), in, h.n_pos * row_bytes);
    in += h.n_pos * row_bytes;
  }
  cache.SetLength(seq, h.n_pos);
  return Status::Ok();
}

}  // namespace llmcore::cpu
