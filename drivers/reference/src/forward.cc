// Instance::Forward: a batch of entries of many sequences, run one entry at a
// time in entry order through NaiveModel::Step, so an entry sees the earlier
// entries of its sequence in the same batch (a prefill chunk) and never
// another sequence. Every entry is validated before anything runs; when a
// run fails (a non-finite output, an allocation failure), the sequences it
// touched are cut back to their lengths before the call.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <string>

#include "instance.h"

namespace llmcore::reference_driver {
namespace {

using driver_kit::EntryText;

float* Embeddings(const llmcore_batch& batch) {
  return driver_kit::BatchEmbeddings(batch);
}

bool AllFinite(const std::vector<float>& values) {
  return std::all_of(values.begin(), values.end(), [](float v) { return std::isfinite(v); });
}

}  // namespace

Status Instance::Validate(const llmcore_batch* batch, uint64_t* n_rows) {
  const reference::Hyperparameters& hp = model_.hparams();
  const driver_kit::BatchLimits limits = {.n_batch_max = n_batch_max_,
                                          .n_ctx = n_ctx_,
                                          .n_seq = static_cast<uint32_t>(seqs_.size()),
                                          .n_vocab = hp.n_vocab,
                                          .n_embd = hp.n_embd};
  LLMCORE_RETURN_IF_ERROR(driver_kit::ValidateBatch(
      batch, limits, [this](uint32_t seq) { return seqs_[seq].length; }, plan_));
  *n_rows = plan_.n_rows;
  return Status::Ok();
}

Status Instance::Run(const llmcore_batch* batch) {
  const reference::Hyperparameters& hp = model_.hparams();
  float* embeddings = Embeddings(*batch);
  uint64_t row = 0;
  for (uint32_t i = 0; i < batch->n_entries; ++i) {
    const llmcore_batch_entry& e = batch->entries[i];
    const std::vector<float> hidden = model_.Step(e.token, seqs_[static_cast<size_t>(e.seq_id)]);
    if (e.want_logits == 0) continue;
    if (!AllFinite(hidden)) {
      return Status(StatusCode::kIoError,
                    EntryText(i, e) + ": the hidden state is not finite (broken weights?)");
    }
    if (embeddings != nullptr) {
      std::memcpy(embeddings + row * hp.n_embd, hidden.data(), hidden.size() * sizeof(float));
    }
    if (batch->logits != nullptr) {
      const std::vector<float> logits = model_.Logits(hidden);
      if (!AllFinite(logits)) {
        return Status(StatusCode::kIoError,
                      EntryText(i, e) + ": a logit is NaN or infinite (broken weights?)");
      }
      std::memcpy(batch->logits + row * hp.n_vocab, logits.data(), logits.size() * sizeof(float));
    }
    ++row;
  }
  return Status::Ok();
}

Status Instance::Forward(const llmcore_batch* batch) {
  uint64_t rows = 0;
  LLMCORE_RETURN_IF_ERROR(Validate(batch, &rows));
  // The lengths before the call, to roll back to.
  std::vector<uint32_t> before;
  before.reserve(plan_.touched.size());
  for (uint32_t seq : plan_.touched) before.push_back(seqs_[seq].length);
  auto roll_back = [&] {
    for (size_t k = 0; k < plan_.touched.size(); ++k) {
      seqs_[plan_.touched[k]].Truncate(before[k], model_.kv_dim());
    }
  };
  try {
    Status status = Run(batch);
    if (!status.ok()) roll_back();
    return status;
  } catch (...) {
    roll_back();  // shrinking allocates nothing
    throw;
  }
}

}  // namespace llmcore::reference_driver
