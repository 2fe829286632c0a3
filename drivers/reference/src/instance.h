// Instance: one model on the reference driver, behind an llmcore_instance
// handle.
//
// Owns the model's weights decoded to float (NaiveModel: nothing points into
// the host's segment after creation) and one SequenceKv per sequence id.
// Sequences are independent: an entry attends only to its own sequence's
// positions. The semantics of the sequence operations are the CPU driver's
// (drivers/cpu/src/kv_cache.h), so the scheduler sees no difference:
// seq_remove drops a suffix (a hole is kUnsupported), seq_copy makes dst its
// own prefix [0, p0) followed by src's [p0, end).
//
// KV export/import uses the "reference-f32-v1" blob (kv_blob.h): between
// reference instances of one model a sequence moves without a re-prefill.
//
// Errors: StatusCodes mapped to the ABI's codes by
// llmcore/driver_kit/abi_error.h; a failed call leaves every sequence as it
// was. std::bad_alloc propagates to entry.cc.
// Threading: one caller at a time (driver.h); no threads of its own.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "driver_context.h"
#include "kv_blob.h"
#include "llmcore/driver.h"
#include "llmcore/driver_kit/batch.h"
#include "llmcore/reference/naive_model.h"
#include "llmcore/status.h"

namespace llmcore::reference_driver {

// Limits on instance parameters (positions per sequence, sequences, batch
// entries): far beyond what this slow driver is for.
inline constexpr uint32_t kMaxCtx = 1u << 20;
inline constexpr uint32_t kMaxSeq = 4096;
inline constexpr uint32_t kMaxBatch = 1u << 16;

class Instance {
 public:
  // Validates the parameters and the model (model_from_desc.h) and decodes
  // the weights. Errors: kInvalidArgument naming a bad parameter; those of
  // BuildModel. n_threads and cpus are accepted and ignored (one thread).
  static Result<std::unique_ptr<Instance>> Create(const DriverContext& ctx,
                                                  const llmcore_model_desc* model,
                                                  const llmcore_instance_params* params);

  // The forward pass over a batch (forward.cc). Errors, with nothing
  // changed: kInvalidArgument for a NULL or short batch, NULL entries or
  // outputs, a sequence id out of range or positions that do not continue
  // their sequence; kOutOfRange for a token outside the vocabulary or a
  // position outside [0, n_ctx); kResourceExhausted for more entries than
  // n_batch_max or outputs larger than their capacity; kIoError naming the
  // entry whose logits or hidden state are not finite.
  Status Forward(const llmcore_batch* batch);

  Status SeqRemove(int32_t seq, int32_t p0, int32_t p1);
  Status SeqCopy(int32_t src, int32_t dst, int32_t p0, int32_t p1);
  Result<int32_t> SeqLength(int32_t seq) const;

  // seq_export: with buffer NULL only *size is set. kResourceExhausted when
  // capacity is too small (and *size says what is needed).
  Status SeqExport(int32_t seq, void* buffer, uint64_t capacity, uint64_t* size) const;
  // seq_import: replaces the sequence's state; kCorrupt for a blob this
  // instance cannot take (kv_blob.h), with the sequence unchanged.
  Status SeqImport(int32_t seq, const void* buffer, uint64_t size);

 private:
  Instance(reference::NaiveModel model, uint32_t n_ctx, uint32_t n_seq, uint32_t n_batch_max);
  Status CheckSeq(int32_t seq, const char* what) const;
  // forward.cc: every entry checked, and the number of output rows.
  Status Validate(const llmcore_batch* batch, uint64_t* rows);
  // forward.cc: runs the validated batch; may leave sequences extended.
  Status Run(const llmcore_batch* batch);

  reference::NaiveModel model_;
  KvShape kv_shape_;
  uint32_t n_ctx_;
  uint32_t n_batch_max_;
  std::vector<reference::SequenceKv> seqs_;
  driver_kit::BatchPlan plan_;  // the batch's sequences and their new lengths
};

}  // namespace llmcore::reference_driver
