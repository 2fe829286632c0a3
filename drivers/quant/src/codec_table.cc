// The codec table: one reference entry per type, plus the faster variants
// FindCodec may prefer on this CPU.
#include <array>

#include "kernels.h"
#include "llmcore/quant/codec.h"

namespace llmcore::quant {
namespace {

constexpr const char* kReference = "reference";

// In type-id order.
constexpr std::array kReferenceCodecs = {
    Codec{TensorType::kF32, 1, 4, kReference, internal::DecodeF32, internal::EncodeF32,
          internal::DotF32},
    Codec{TensorType::kF16, 1, 2, kReference, internal::DecodeF16, internal::EncodeF16,
          internal::DotF16},
    Codec{TensorType::kQ4_0, 32, 18, kReference, internal::DecodeQ4_0, internal::EncodeQ4_0,
          internal::DotQ4_0},
    Codec{TensorType::kQ4_1, 32, 20, kReference, internal::DecodeQ4_1, internal::EncodeQ4_1,
          internal::DotQ4_1},
    Codec{TensorType::kQ5_0, 32, 22, kReference, internal::DecodeQ5_0, internal::EncodeQ5_0,
          internal::DotQ5_0},
    Codec{TensorType::kQ5_1, 32, 24, kReference, internal::DecodeQ5_1, internal::EncodeQ5_1,
          internal::DotQ5_1},
    Codec{TensorType::kQ8_0, 32, 34, kReference, internal::DecodeQ8_0, internal::EncodeQ8_0,
          internal::DotQ8_0},
    Codec{TensorType::kQ4_K, 256, 144, kReference, internal::DecodeQ4_K, internal::EncodeQ4_K,
          internal::DotQ4_K},
    Codec{TensorType::kQ5_K, 256, 176, kReference, internal::DecodeQ5_K, internal::EncodeQ5_K,
          internal::DotQ5_K},
    Codec{TensorType::kQ6_K, 256, 210, kReference, internal::DecodeQ6_K, internal::EncodeQ6_K,
          internal::DotQ6_K},
    Codec{TensorType::kBF16, 1, 2, kReference, internal::DecodeBf16, internal::EncodeBf16,
          internal::DotBf16},
};

// A faster variant of a type's codec and the CPU check it needs (e.g.
// __builtin_cpu_supports("avx2")). Listed most preferred first; the first
// usable one of a type wins over its reference. None exist yet.
struct Variant {
  const Codec* codec;
  bool (*usable)();
};
constexpr std::array<Variant, 0> kVariants = {};

// FindCodec indexes a table by type id; ids run below 64 (the largest,
// mxfp4, is 39).
constexpr size_t kTypeIdLimit = 64;
using ByTypeId = std::array<const Codec*, kTypeIdLimit>;

constexpr bool IdsFitTheTable() {
  for (const auto& codec : kReferenceCodecs) {
    if (static_cast<uint32_t>(codec.type) >= kTypeIdLimit) return false;
  }
  return true;
}
static_assert(IdsFitTheTable(), "raise kTypeIdLimit");

const ByTypeId& Chosen() {
  // Built once, on first use, thread-safely (a function-local static).
  static const ByTypeId chosen = [] {
    ByTypeId table{};
    for (const auto& codec : kReferenceCodecs) {
      table[static_cast<uint32_t>(codec.type)] = &codec;
    }
    // Walk backwards so that the earliest usable variant is written last.
    for (auto it = kVariants.rbegin(); it != kVariants.rend(); ++it) {
      if (it->usable()) table[static_cast<uint32_t>(it->codec->type)] = it->codec;
    }
    return table;
  }();
  return chosen;
}

}  // namespace

const Codec* FindCodec(TensorType type) {
  const auto id = static_cast<uint32_t>(type);
  return id < kTypeIdLimit ? Chosen()[id] : nullptr;
}

const Codec* FindReferenceCodec(TensorType type) {
  for (const auto& codec : kReferenceCodecs) {
    if (codec.type == type) return &codec;
  }
  return nullptr;
}

std::span<const Codec> ReferenceCodecs() {
  return kReferenceCodecs;
}

}  // namespace llmcore::quant
