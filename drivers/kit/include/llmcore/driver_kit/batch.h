// Checking an llmcore_batch against an instance before any of it runs, the
// same way in every driver: shape of the struct, entry count, sequence ids,
// tokens, positions (each sequence continued with consecutive positions) and
// the room in the outputs.
//
// Ownership: nothing is kept; the batch stays the caller's.
// Thread safety: pure functions; ValidateBatch writes only its out-params.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "llmcore/driver.h"
#include "llmcore/status.h"

namespace llmcore::driver_kit {

// "entry I (sequence S, position P)", for error messages naming an entry.
std::string EntryText(uint32_t i, const llmcore_batch_entry& e);

// The batch's embeddings output, or NULL when it has none or is an ABI 1.0
// batch whose struct_size ends before the field (driver.h's minor rule).
float* BatchEmbeddings(const llmcore_batch& batch);

// What a batch is checked against.
struct BatchLimits {
  uint32_t n_batch_max = 0;  // entries per batch
  uint32_t n_ctx = 0;        // positions per sequence
  uint32_t n_seq = 0;        // sequence ids are [0, n_seq)
  uint32_t n_vocab = 0;      // tokens are [0, n_vocab); logits per row
  uint32_t n_embd = 0;       // embeddings per row
};

// The state a validation leaves for the run that follows it.
struct BatchPlan {
  // The sequences of the batch, in order of first appearance. Cleared, then
  // filled; reserve min(n_seq, n_batch_max) to validate without allocating.
  std::vector<uint32_t> touched;
  // Per sequence (n_seq entries, sized by the caller): for the touched
  // ones, the length after the batch. Others are left as they were.
  std::vector<uint32_t> next_pos;
  // The entries with want_logits set (rows of logits / embeddings).
  uint64_t n_rows = 0;
};

// Checks every entry of `batch`; `length(seq)` gives the positions a
// sequence holds now. Errors (nothing changed but `plan`): kInvalidArgument
// for a NULL or short batch, NULL entries, NULL logits and embeddings while
// some entry wants them, a sequence id out of range, or positions that do
// not continue their sequence; kOutOfRange for a token outside the
// vocabulary or a position outside [0, n_ctx); kResourceExhausted for more
// entries than n_batch_max or outputs that do not fit their capacity.
template <typename LengthFn>
Status ValidateBatch(const llmcore_batch* batch, const BatchLimits& limits, const LengthFn& length,
                     BatchPlan& plan);

// The non-template body of ValidateBatch: `length(state, seq)`.
Status ValidateBatchImpl(const llmcore_batch* batch, const BatchLimits& limits,
                         uint32_t (*length)(const void* state, uint32_t seq), const void* state,
                         BatchPlan& plan);

template <typename LengthFn>
Status ValidateBatch(const llmcore_batch* batch, const BatchLimits& limits, const LengthFn& length,
                     BatchPlan& plan) {
  return ValidateBatchImpl(
      batch, limits,
      [](const void* state, uint32_t seq) -> uint32_t {
        return (*static_cast<const LengthFn*>(state))(seq);
      },
      &length, plan);
}

}  // namespace llmcore::driver_kit
