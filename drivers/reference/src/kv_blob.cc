#include "kv_blob.h"

#include <cstring>
#include <utility>
#include <vector>

namespace llmcore::reference_driver {
namespace {

constexpr driver_kit::KvBlobMagic kMagic = {'L', 'L', 'M', 'C', 'R', 'K', 'V', '1'};

}  // namespace

uint64_t KvFingerprint(const reference::Hyperparameters& hp) {
  using driver_kit::Fnv1a;
  uint64_t h = Fnv1a(reinterpret_cast<const std::byte*>(hp.arch.data()), hp.arch.size());
  auto mix = [&h](const auto& v) {
    h = Fnv1a(reinterpret_cast<const std::byte*>(&v), sizeof v, h);
  };
  mix(hp.n_layer);
  mix(hp.n_head_kv);
  mix(hp.head_dim);
  mix(uint32_t{hp.neox ? 1u : 0u});
  mix(hp.rope_dim);
  mix(hp.rope_base);
  mix(hp.scaling_factor);
  mix(hp.low_freq_factor);
  mix(hp.high_freq_factor);
  mix(hp.original_ctx);
  return h;
}

void WriteKvBlob(const reference::SequenceKv& kv, const KvShape& shape, std::byte* buffer) {
  const size_t bytes = size_t{kv.length} * shape.kv_dim * sizeof(float);
  std::byte* out = buffer + driver_kit::kKvBlobHeaderBytes;
  for (uint32_t l = 0; l < shape.n_layer && bytes > 0; ++l) {
    std::memcpy(out, kv.keys[l].data(), bytes);
    out += bytes;
    std::memcpy(out, kv.values[l].data(), bytes);
    out += bytes;
  }
  driver_kit::WriteKvBlobHeader(kMagic, shape, kv.length, buffer);
}

Status ReadKvBlob(const KvShape& shape, const std::byte* buffer, uint64_t size,
                  reference::SequenceKv& kv) {
  LLMCORE_ASSIGN_OR_RETURN(driver_kit::KvBlobPayload blob,
                           driver_kit::CheckKvBlob(kMagic, shape, buffer, size));
  const size_t n_floats = size_t{blob.n_pos} * shape.kv_dim;
  reference::SequenceKv result;  // built aside: `kv` changes only at the end
  result.keys.resize(shape.n_layer);
  result.values.resize(shape.n_layer);
  const std::byte* in = blob.data;
  for (uint32_t l = 0; l < shape.n_layer; ++l) {
    for (std::vector<float>* rows : {&result.keys[l], &result.values[l]}) {
      rows->resize(n_floats);
      if (n_floats > 0) std::memcpy(rows->data(), in, n_floats * sizeof(float));
      in += n_floats * sizeof(float);
    }
  }
  result.length = blob.n_pos;
  kv = std::move(result);
  return Status::Ok();
}

}  // namespace llmcore::reference_driver
