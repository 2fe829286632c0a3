// The checked API over the codec table (codec.h): spans in, Status out. For
// tools, tests and the slow paths of drivers; the hot path calls the codec's
// function pointers directly.
//
// Supported types: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_K, q5_K,
// q6_K (layouts and rounding in codec.h and half.h). The encoders follow
// ggml's reference quantizers (quantize_row_*_ref, which llama.cpp's
// quantizer uses when it has no importance matrix), so the same floats give
// the same bytes as llama.cpp; NaN inputs give defined blocks (ggml leaves
// them undefined).
//
// Threading: pure functions; call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "llmcore/quant/half.h"
#include "llmcore/status.h"
#include "llmcore/tensor_types.h"

namespace llmcore::quant {

// True when `type` has a codec (Quantize, Dequantize and Dot accept it).
bool IsSupported(TensorType type);

// Bytes `n_elements` elements take as `type`. kInvalidArgument when they are
// not whole blocks or the size overflows; kUnsupported for a type without a
// codec.
Result<size_t> EncodedSize(TensorType type, uint64_t n_elements);

// Encodes `src` as `type` into `dst`. src.size() must be whole blocks and
// dst.size() exactly the encoded size; otherwise kInvalidArgument.
// kUnsupported for a type without a codec. No alignment needed.
Status Quantize(TensorType type, std::span<const float> src, std::span<std::byte> dst);

// The reference decoder: the inverse mapping of Quantize, same size rules.
Status Dequantize(TensorType type, std::span<const std::byte> src, std::span<float> dst);

// The reference dot product of an encoded row with x (codec.h states its
// accumulation order). x.size() is the row's element count: whole blocks,
// and row.size() exactly their encoded size.
Result<float> Dot(TensorType type, std::span<const std::byte> row, std::span<const float> x);

}  // namespace llmcore::quant
