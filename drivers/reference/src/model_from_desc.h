// The reference driver's reading of the host's llmcore_model_desc: checked
// hyperparameters, and the tensors found by name, for NaiveModel::Build.
//
// Everything in the description comes from a model file, so every field is
// checked (ranges, consistency, tensor sizes) before anything is allocated
// from it; nothing here asserts.
//
// Ownership: BuildModel keeps no pointer into the description (the weights
// are decoded into the returned model).
// Thread safety: pure functions.
#pragma once

#include "llmcore/driver.h"
#include "llmcore/reference/naive_model.h"
#include "llmcore/status.h"

namespace llmcore::reference_driver {

// Limits on the hyperparameters: far beyond real models, small enough that
// sizes computed from them cannot overflow.
inline constexpr uint32_t kMaxVocab = 1u << 22;
inline constexpr uint32_t kMaxDim = 1u << 16;
inline constexpr uint32_t kMaxLayers = 1024;
inline constexpr uint32_t kMaxHeads = 1024;

// Errors: kInvalidArgument for a NULL or short description; kUnsupported
// naming an architecture or RoPE kind other than llama / qwen2 / qwen3 and
// normal / NeoX; kCorrupt naming a field out of range or inconsistent.
Result<reference::Hyperparameters> HyperparametersFromDesc(const llmcore_model_desc* desc);

// Checks the description and decodes its weights. Errors: those above, and
// NaiveModel::Build's (kCorrupt naming a missing or mis-sized tensor,
// kUnsupported naming an undecodable type). Throws std::bad_alloc.
Result<reference::NaiveModel> BuildModel(const llmcore_model_desc* desc);

}  // namespace llmcore::reference_driver
