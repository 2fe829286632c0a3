// The weight types llmcore-mkmodel writes, and which type a weight tensor
// gets when the requested type does not fit its rows, following llama.cpp's
// quantizer (llama_tensor_get_type): a K-quant
// needs rows (ne[0]) of whole 256-element super-blocks; a tensor whose rows
// are not falls back to q5_0 (for q4_K), q5_1 (for q5_K) or q8_0 (for q6_K),
// and to f16 when even that type's 32-element blocks do not fit. The other
// types have no fallback: Validate (model_spec.h) refuses shapes they do not
// fit, as llama.cpp's quantizer does.
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "llmcore/tensor_types.h"
#include "mkmodel/model_spec.h"

namespace llmcore::mkmodel {

// The names of the types --type accepts, for help and error texts:
// "f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_K, q5_K, q6_K".
std::string WeightTypeNames();

// True for the types that fall back instead of refusing a shape.
bool HasFallback(TensorType requested);

// The type a tensor with rows of `row_length` elements gets when `requested`
// is asked for: `requested` itself when its blocks fit.
TensorType TypeForRows(TensorType requested, uint64_t row_length);

// For the summary line: "q5_0 for 15 tensors" (joined with ", " when
// several fallback types occur) naming the tensors of `plan` whose type is
// neither `requested` nor f32; empty when there are none.
std::string DescribeFallbacks(const std::vector<TensorPlan>& plan, TensorType requested);

}  // namespace llmcore::mkmodel
