#include "llmcore/driver_kit/batch.h"

#include <algorithm>
#include <cstddef>

namespace llmcore::driver_kit {
namespace {

// A batch of ABI 1.0 ends before the embeddings fields; they are read only
// when struct_size covers them (driver.h's minor rule).
constexpr uint32_t kBatchSize10 = offsetof(llmcore_batch, embeddings);

}  // namespace

std::string EntryText(uint32_t i, const llmcore_batch_entry& e) {
  return "entry " + std::to_string(i) + " (sequence " + std::to_string(e.seq_id) + ", position " +
         std::to_string(e.pos) + ")";
}

float* BatchEmbeddings(const llmcore_batch& batch) {
  return batch.struct_size >= sizeof(llmcore_batch) ? batch.embeddings : nullptr;
}

Status ValidateBatchImpl(const llmcore_batch* batch, const BatchLimits& limits,
                         uint32_t (*length)(const void* state, uint32_t seq), const void* state,
                         BatchPlan& plan) {
  if (batch == nullptr) return Status(StatusCode::kInvalidArgument, "batch is NULL");
  if (batch->struct_size < kBatchSize10) {
    return Status(StatusCode::kInvalidArgument,
                  "batch struct_size " + std::to_string(batch->struct_size) + " is too small");
  }
  if (batch->n_entries > limits.n_batch_max) {
    return Status(StatusCode::kResourceExhausted, "batch of " + std::to_string(batch->n_entries) +
                                                      " entries is larger than n_batch_max " +
                                                      std::to_string(limits.n_batch_max));
  }
  if (batch->n_entries > 0 && batch->entries == nullptr) {
    return Status(StatusCode::kInvalidArgument, "batch entries are NULL");
  }
  std::vector<uint32_t>& touched = plan.touched;
  std::vector<uint32_t>& next_pos = plan.next_pos;
  touched.clear();
  uint64_t rows = 0;
  for (uint32_t i = 0; i < batch->n_entries; ++i) {
    const llmcore_batch_entry& e = batch->entries[i];
    if (e.seq_id < 0 || static_cast<uint32_t>(e.seq_id) >= limits.n_seq) {
      return Status(StatusCode::kInvalidArgument,
                    "entry " + std::to_string(i) + ": sequence id " + std::to_string(e.seq_id) +
                        " is out of range (n_seq_max " + std::to_string(limits.n_seq) + ")");
    }
    if (e.token < 0 || static_cast<uint32_t>(e.token) >= limits.n_vocab) {
      return Status(StatusCode::kOutOfRange,
                    EntryText(i, e) + ": token " + std::to_string(e.token) +
                        " is out of range (vocabulary of " + std::to_string(limits.n_vocab) + ")");
    }
    if (e.pos < 0 || static_cast<uint32_t>(e.pos) >= limits.n_ctx) {
      return Status(StatusCode::kOutOfRange,
                    EntryText(i, e) + ": position " + std::to_string(e.pos) +
                        " is beyond the context (n_ctx " + std::to_string(limits.n_ctx) + ")");
    }
    const uint32_t seq = static_cast<uint32_t>(e.seq_id);
    if (std::find(touched.begin(), touched.end(), seq) == touched.end()) {
      touched.push_back(seq);
      next_pos[seq] = length(state, seq);
    }
    if (static_cast<uint32_t>(e.pos) != next_pos[seq]) {
      return Status(StatusCode::kInvalidArgument,
                    EntryText(i, e) + ": positions are not consecutive (sequence " +
                        std::to_string(seq) + " continues at position " +
                        std::to_string(next_pos[seq]) + ")");
    }
    ++next_pos[seq];
    if (e.want_logits != 0) ++rows;
  }
  if (rows > 0) {
    const float* embeddings = BatchEmbeddings(*batch);
    if (batch->logits == nullptr && embeddings == nullptr) {
      return Status(StatusCode::kInvalidArgument, "batch wants logits but logits is NULL");
    }
    if (batch->logits != nullptr && rows * limits.n_vocab > batch->logits_capacity) {
      return Status(StatusCode::kResourceExhausted,
                    "logits_capacity " + std::to_string(batch->logits_capacity) +
                        " is smaller than the " + std::to_string(rows * limits.n_vocab) +
                        " floats requested");
    }
    if (embeddings != nullptr && rows * limits.n_embd > batch->embeddings_capacity) {
      return Status(StatusCode::kResourceExhausted,
                    "embeddings_capacity " + std::to_string(batch->embeddings_capacity) +
                        " is smaller than the " + std::to_string(rows * limits.n_embd) +
                        " floats requested");
    }
  }
  plan.n_rows = rows;
  return Status::Ok();
}

}  // namespace llmcore::driver_kit
