#include "llmcore/quant/quantize.h"

#include <string>

#include "llmcore/quant/codec.h"

namespace llmcore::quant {
namespace {

std::string Name(const Codec& codec) {
  return std::string(Traits(codec.type).name);
}

Result<const Codec*> Lookup(TensorType type) {
  const Codec* codec = FindReferenceCodec(type);
  if (codec == nullptr) {
    return Status(StatusCode::kUnsupported,
                  "quant: no codec for tensor type " + std::string(Traits(type).name));
  }
  return codec;
}

// Checks that n_elements are whole blocks taking exactly n_bytes.
Status CheckSizes(const Codec& codec, size_t n_elements, size_t n_bytes) {
  if (n_elements % codec.block_elements != 0) {
    return Status(StatusCode::kInvalidArgument,
                  "quant: " + std::to_string(n_elements) + " values are not whole " + Name(codec) +
                      " blocks of " + std::to_string(codec.block_elements));
  }
  const size_t n_blocks = n_elements / codec.block_elements;
  if (n_bytes % codec.block_bytes != 0 || n_bytes / codec.block_bytes != n_blocks) {
    // n_blocks * block_bytes is not computed: it may overflow, n_bytes cannot.
    return Status(StatusCode::kInvalidArgument,
                  "quant: " + std::to_string(n_elements) + " values as " + Name(codec) + " take " +
                      std::to_string(n_blocks) + " blocks of " + std::to_string(codec.block_bytes) +
                      " bytes, not " + std::to_string(n_bytes) + " bytes");
  }
  return Status::Ok();
}

}  // namespace

bool IsSupported(TensorType type) {
  return FindReferenceCodec(type) != nullptr;
}

Result<size_t> EncodedSize(TensorType type, uint64_t n_elements) {
  LLMCORE_ASSIGN_OR_RETURN(const Codec* codec, Lookup(type));
  if (n_elements % codec->block_elements != 0) {
    return Status(StatusCode::kInvalidArgument,
                  "quant: " + std::to_string(n_elements) + " values are not whole " + Name(*codec) +
                      " blocks of " + std::to_string(codec->block_elements));
  }
  const uint64_t n_blocks = n_elements / codec->block_elements;
  if (n_blocks > SIZE_MAX / codec->block_bytes) {
    return Status(StatusCode::kInvalidArgument, "quant: " + std::to_string(n_elements) +
                                                    " values as " + Name(*codec) +
                                                    " overflow a size_t");
  }
  return static_cast<size_t>(n_blocks) * codec->block_bytes;
}

Status Quantize(TensorType type, std::span<const float> src, std::span<std::byte> dst) {
  LLMCORE_ASSIGN_OR_RETURN(const Codec* codec, Lookup(type));
  LLMCORE_RETURN_IF_ERROR(CheckSizes(*codec, src.size(), dst.size()));
  codec->from_float(src.data(), dst.data(), static_cast<int64_t>(src.size()));
  return Status::Ok();
}

Status Dequantize(TensorType type, std::span<const std::byte> src, std::span<float> dst) {
  LLMCORE_ASSIGN_OR_RETURN(const Codec* codec, Lookup(type));
  LLMCORE_RETURN_IF_ERROR(CheckSizes(*codec, dst.size(), src.size()));
  codec->to_float(src.data(), dst.data(), static_cast<int64_t>(dst.size()));
  return Status::Ok();
}

Result<float> Dot(TensorType type, std::span<const std::byte> row, std::span<const float> x) {
  LLMCORE_ASSIGN_OR_RETURN(const Codec* codec, Lookup(type));
  LLMCORE_RETURN_IF_ERROR(CheckSizes(*codec, x.size(), row.size()));
  return codec->dot(row.data(), x.data(), static_cast<int64_t>(x.size()));
}

}  // namespace llmcore::quant
