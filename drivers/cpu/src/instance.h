// Instance: one model on the CPU, behind an llmcore_instance handle.
//
// Owns everything the model needs at run time: the checked configuration,
// the weight bindings (pointing into the host's segment), the KV cache of
// every sequence, the pinned worker threads and the forward pass's scratch
// memory. Two instances of one model share nothing but the read-only
// segment, so they coexist (hot swap).
//
// Threading: one caller at a time (driver.h); the instance's workers run
// only inside a call.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "driver_context.h"
#include "forward.h"
#include "kernels.h"
#include "kv_cache.h"
#include "llmcore/driver.h"
#include "llmcore/status.h"
#include "model_config.h"
#include "model_weights.h"
#include "thread_pool.h"

namespace llmcore::cpu {

// Limits on instance parameters (positions per sequence, sequences, batch
// entries, threads): far beyond real use, small enough that scratch sizes
// cannot overflow.
inline constexpr uint32_t kMaxCtx = 1u << 20;
inline constexpr uint32_t kMaxSeq = 4096;
inline constexpr uint32_t kMaxBatch = 1u << 16;
inline constexpr uint32_t kMaxThreads = 4096;

class Instance {
 public:
  // Validates the model (model_config.h, model_weights.h) and the
  // parameters, plans and pins the worker threads (hal::PlanThreads: one per
  // physical core unless n_threads / cpus say otherwise) and allocates the
  // scratch memory. Errors: those of ParseModelConfig and BindWeights;
  // kInvalidArgument for bad parameters (naming the field); placement errors
  // from the HAL. Throws std::bad_alloc.
  static Result<std::unique_ptr<Instance>> Create(const DriverContext& ctx,
                                                  const llmcore_model_desc* model,
                                                  const llmcore_instance_params* params);

  Status Forward(const llmcore_batch* batch) { return forward_->Run(batch, kv_); }

  Status SeqRemove(int32_t seq, int32_t p0, int32_t p1);
  Status SeqCopy(int32_t src, int32_t dst, int32_t p0, int32_t p1);
  Result<int32_t> SeqLength(int32_t seq) const;

  // seq_export: with buffer NULL only *size is set. kResourceExhausted when
  // capacity is too small (and *size says what is needed).
  Status SeqExport(int32_t seq, void* buffer, uint64_t capacity, uint64_t* size) const;
  Status SeqImport(int32_t seq, const void* buffer, uint64_t size);

 private:
  Instance(ModelConfig config, uint32_t n_seq, uint32_t n_ctx)
      : config_(std::move(config)), kv_(n_seq, config_.n_layer, n_ctx, config_.kv_dim()) {}
  Status CheckSeq(int32_t seq, const char* what) const;

  ModelConfig config_;
  uint64_t fingerprint_ = 0;
  std::unique_ptr<WeightKernels> kernels_;
  ModelWeights weights_;
  KvCache kv_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<ForwardPass> forward_;
};

}  // namespace llmcore::cpu
