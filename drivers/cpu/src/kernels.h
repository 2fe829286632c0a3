// WeightKernels: the one place where the driver reads weight matrices.
//
// Every projection of the forward pass (q, k, v, attention output, the three
// FFN matrices, the output matrix) is a MatMul of a prepared weight by a
// batch of activation rows, and every embedding lookup is a Row. Nothing
// else touches weight bytes, so SIMD paths (per ISA, chosen at instance
// creation from hal::CpuFeatures) and weight repacking (done once in
// Prepare, kept alive by the Weight) drop in behind this interface without
// changing the forward pass.
//
// Contract that every implementation keeps: the value written for one
// (weight row, activation row) pair depends only on that row and that
// activation, never on the batch size, the other activations, the number of
// threads or how rows are split among them. That is what makes a batched
// forward pass bit-identical to the same entries run one by one, and a
// chunked prefill bit-identical to a one-shot one (tests rely on it).
//
// Thread safety: implementations are immutable after creation; MatMul may be
// called concurrently for different outputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "llmcore/status.h"
#include "llmcore/tensor_types.h"
#include "thread_pool.h"

namespace llmcore::cpu {

// A weight matrix as stored by ggml: `rows` rows of `cols` elements each, row
// r at data + r * row_bytes (a GGUF tensor [ne0, ne1] has cols = ne0,
// rows = ne1). Points into the host's model segment.
struct WeightView {
  TensorType type = TensorType::kF32;
  const std::byte* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  uint64_t row_bytes = 0;
};

// A weight ready for the kernels that prepared it.
struct Weight {
  WeightView view;
  // Implementation data (the codec now; repacked blocks later). Owned by
  // the kernels' implementation through `owned` when it allocates.
  const void* impl = nullptr;
  std::shared_ptr<const void> owned;
};

class WeightKernels {
 public:
  virtual ~WeightKernels() = default;

  // Short name for logs ("generic").
  virtual std::string_view name() const = 0;

  // Whether Prepare accepts tensors of this type.
  virtual bool Supports(TensorType type) const = 0;

  // Prepares a weight once, at instance creation. Errors: kUnsupported for a
  // type Supports() refuses.
  virtual Result<Weight> Prepare(const WeightView& view) const = 0;

  // y[e * ldy + r] = sum_c W[r][c] * x[e * ldx + c] for e < n_act, r < rows.
  // Work above a small threshold runs on `pool` (which may be null: then
  // everything runs on the calling thread).
  virtual void MatMul(const Weight& w, const float* x, size_t ldx, int64_t n_act, float* y,
                      size_t ldy, ThreadPool* pool) const = 0;

  // Row r of W as floats (cols values): embedding lookups.
  virtual void Row(const Weight& w, int64_t r, float* dst) const = 0;
};

// The portable implementation: the quant library's per-type dot product and
// decoder, rows split among the workers in fixed blocks.
std::unique_ptr<WeightKernels> MakeGenericKernels();

}  // namespace llmcore::cpu
