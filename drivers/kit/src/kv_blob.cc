#include "llmcore/driver_kit/kv_blob.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <string>

namespace llmcore::driver_kit {
namespace {

constexpr uint32_t kVersion = 1;

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
static_assert(sizeof(Header) == kKvBlobHeaderBytes);

uint64_t PayloadBytes(uint32_t n_layer, uint32_t n_pos, uint32_t kv_dim) {
  return uint64_t{n_layer} * 2 * n_pos * kv_dim * sizeof(float);
}

Status Malformed(std::string what) {
  return Status(StatusCode::kCorrupt, "kv blob: " + std::move(what));
}

}  // namespace

uint64_t Fnv1a(const std::byte* data, uint64_t n, uint64_t h) {
  for (uint64_t i = 0; i < n; ++i) {
    h ^= static_cast<uint8_t>(data[i]);
    h *= 0x100000001B3ull;
  }
  return h;
}

uint64_t KvPayloadBytes(const KvBlobShape& shape, uint32_t n_pos) {
  return PayloadBytes(shape.n_layer, n_pos, shape.kv_dim);
}

uint64_t KvBlobSize(const KvBlobShape& shape, uint32_t n_pos) {
  return kKvBlobHeaderBytes + KvPayloadBytes(shape, n_pos);
}

void WriteKvBlobHeader(const KvBlobMagic& magic, const KvBlobShape& shape, uint32_t n_pos,
                       std::byte* buffer) {
  Header h{};
  std::memcpy(h.magic, magic.data(), sizeof h.magic);
  h.version = kVersion;
  h.header_bytes = kKvBlobHeaderBytes;
  h.fingerprint = shape.fingerprint;
  h.n_layer = shape.n_layer;
  h.kv_dim = shape.kv_dim;
  h.n_pos = n_pos;
  h.payload_bytes = PayloadBytes(h.n_layer, n_pos, h.kv_dim);
  h.payload_hash = Fnv1a(buffer + kKvBlobHeaderBytes, h.payload_bytes);
  h.header_hash = Fnv1a(reinterpret_cast<const std::byte*>(&h), offsetof(Header, header_hash));
  std::memcpy(buffer, &h, sizeof h);
}

Result<KvBlobPayload> CheckKvBlob(const KvBlobMagic& magic, const KvBlobShape& shape,
                                  const std::byte* buffer, uint64_t size) {
  if (buffer == nullptr) return Malformed("buffer is NULL");
  if (size < kKvBlobHeaderBytes) {
    return Malformed(std::to_string(size) + " bytes, shorter than its " +
                     std::to_string(kKvBlobHeaderBytes) + "-byte header");
  }
  Header h;
  std::memcpy(&h, buffer, sizeof h);
  if (std::memcmp(h.magic, magic.data(), sizeof h.magic) != 0) return Malformed("bad magic");
  if (h.header_hash !=
      Fnv1a(reinterpret_cast<const std::byte*>(&h), offsetof(Header, header_hash))) {
    return Malformed("header checksum mismatch");
  }
  if (h.version != kVersion || h.header_bytes != kKvBlobHeaderBytes) {
    return Malformed("version " + std::to_string(h.version) + " is not " +
                     std::to_string(kVersion));
  }
  if (h.fingerprint != shape.fingerprint || h.n_layer != shape.n_layer ||
      h.kv_dim != shape.kv_dim) {
    return Malformed("made by a different model (layers " + std::to_string(h.n_layer) +
                     ", kv_dim " + std::to_string(h.kv_dim) + ")");
  }
  if (h.n_pos > shape.n_ctx) {
    return Malformed(std::to_string(h.n_pos) + " positions exceed the context of " +
                     std::to_string(shape.n_ctx));
  }
  if (h.payload_bytes != PayloadBytes(h.n_layer, h.n_pos, h.kv_dim) ||
      size != kKvBlobHeaderBytes + h.payload_bytes) {
    return Malformed("size " + std::to_string(size) + " does not match its header");
  }
  const std::byte* payload = buffer + kKvBlobHeaderBytes;
  if (Fnv1a(payload, h.payload_bytes) != h.payload_hash) {
    return Malformed("payload checksum mismatch");
  }
  const uint64_t n_floats = h.payload_bytes / sizeof(float);
  for (uint64_t i = 0; i < n_floats; ++i) {
    float v;
    std::memcpy(&v, payload + i * sizeof(float), sizeof v);
    if (!std::isfinite(v)) return Malformed("holds a NaN or infinite value");
  }
  return KvBlobPayload{.n_pos = h.n_pos, .data = payload, .bytes = h.payload_bytes};
}

}  // namespace llmcore::driver_kit
