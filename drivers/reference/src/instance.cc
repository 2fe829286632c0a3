#include "instance.h"

#include <algorithm>
#include <string>

#include "llmcore/driver_kit/instance_checks.h"
#include "model_from_desc.h"

namespace llmcore::reference_driver {
namespace {

Status Invalid(std::string message) {
  return driver_kit::InvalidInstance(std::move(message));
}

}  // namespace

Instance::Instance(reference::NaiveModel model, uint32_t n_ctx, uint32_t n_seq,
                   uint32_t n_batch_max)
    : model_(std::move(model)),
      kv_shape_{KvFingerprint(model_.hparams()), model_.hparams().n_layer, model_.kv_dim(), n_ctx},
      n_ctx_(n_ctx),
      n_batch_max_(n_batch_max) {
  plan_.next_pos.resize(n_seq);
  plan_.touched.reserve(std::min(n_seq, n_batch_max));
  seqs_.reserve(n_seq);
  for (uint32_t s = 0; s < n_seq; ++s) seqs_.push_back(model_.NewSequence());
}

Result<std::unique_ptr<Instance>> Instance::Create(const DriverContext& ctx,
                                                   const llmcore_model_desc* model,
                                                   const llmcore_instance_params* params) {
  constexpr driver_kit::InstanceLimits kLimits = {
      .max_ctx = kMaxCtx, .max_seq = kMaxSeq, .max_batch = kMaxBatch};
  LLMCORE_RETURN_IF_ERROR(driver_kit::CheckInstanceParams(params, kLimits, "reference"));
  const llmcore_instance_params& p = *params;
  if (p.n_cpus > 0 && p.cpus == nullptr) return Invalid("n_cpus is set but cpus is NULL");
  LLMCORE_ASSIGN_OR_RETURN(reference::NaiveModel naive, BuildModel(model));
  const reference::Hyperparameters& hp = naive.hparams();
  ctx.Log(LLMCORE_LOG_INFO, "reference: " + hp.arch + " instance, " + std::to_string(hp.n_layer) +
                                " layers, n_ctx " + std::to_string(p.n_ctx) +
                                ", weights decoded to f32, one thread (slow by design)");
  return std::unique_ptr<Instance>(
      new Instance(std::move(naive), p.n_ctx, p.n_seq_max, p.n_batch_max));
}

Status Instance::CheckSeq(int32_t seq, const char* what) const {
  return driver_kit::CheckSeqId(seq, static_cast<uint32_t>(seqs_.size()), what);
}

Status Instance::SeqRemove(int32_t seq, int32_t p0, int32_t p1) {
  LLMCORE_RETURN_IF_ERROR(CheckSeq(seq, "seq_remove"));
  reference::SequenceKv& s = seqs_[static_cast<size_t>(seq)];
  LLMCORE_ASSIGN_OR_RETURN(const uint32_t keep,
                           driver_kit::LengthAfterRemove(seq, s.length, p0, p1));
  if (keep < s.length) s.Truncate(keep, model_.kv_dim());
  return Status::Ok();
}

Status Instance::SeqCopy(int32_t src, int32_t dst, int32_t p0, int32_t p1) {
  LLMCORE_RETURN_IF_ERROR(CheckSeq(src, "seq_copy"));
  LLMCORE_RETURN_IF_ERROR(CheckSeq(dst, "seq_copy"));
  if (src == dst) return Status::Ok();
  const reference::SequenceKv& from = seqs_[static_cast<size_t>(src)];
  const reference::SequenceKv& to = seqs_[static_cast<size_t>(dst)];
  const uint32_t end = p1 < 0 ? from.length : std::min(from.length, static_cast<uint32_t>(p1));
  if (p0 < 0 || static_cast<uint32_t>(p0) > to.length || static_cast<uint32_t>(p0) > end) {
    return Invalid("seq_copy: range [" + std::to_string(p0) + ", " + std::to_string(p1) +
                   ") cannot be copied from sequence " + std::to_string(src) + " (length " +
                   std::to_string(from.length) + ") to sequence " + std::to_string(dst) +
                   " (length " + std::to_string(to.length) +
                   "): p0 must be at most both lengths and the range's end");
  }
  // Built aside, then swapped in: an allocation failure changes nothing.
  const size_t kvd = model_.kv_dim();
  const size_t first = static_cast<size_t>(p0) * kvd, last = size_t{end} * kvd;
  reference::SequenceKv result = to;
  for (size_t l = 0; l < result.keys.size(); ++l) {
    result.keys[l].resize(first);
    result.values[l].resize(first);
    result.keys[l].insert(result.keys[l].end(), from.keys[l].begin() + first,
                          from.keys[l].begin() + last);
    result.values[l].insert(result.values[l].end(), from.values[l].begin() + first,
                            from.values[l].begin() + last);
  }
  result.length = end;
  seqs_[static_cast<size_t>(dst)] = std::move(result);
  return Status::Ok();
}

Result<int32_t> Instance::SeqLength(int32_t seq) const {
  LLMCORE_RETURN_IF_ERROR(CheckSeq(seq, "seq_length"));
  return static_cast<int32_t>(seqs_[static_cast<size_t>(seq)].length);
}

Status Instance::SeqExport(int32_t seq, void* buffer, uint64_t capacity, uint64_t* size) const {
  LLMCORE_RETURN_IF_ERROR(CheckSeq(seq, "seq_export"));
  if (size == nullptr) return Invalid("seq_export: size is NULL");
  const reference::SequenceKv& kv = seqs_[static_cast<size_t>(seq)];
  const uint64_t needed = driver_kit::KvBlobSize(kv_shape_, kv.length);
  *size = needed;
  if (buffer == nullptr) return Status::Ok();
  if (capacity < needed) {
    return Status(StatusCode::kResourceExhausted,
                  "seq_export: capacity " + std::to_string(capacity) + " is smaller than the " +
                      std::to_string(needed) + " bytes needed");
  }
  WriteKvBlob(kv, kv_shape_, static_cast<std::byte*>(buffer));
  return Status::Ok();
}

Status Instance::SeqImport(int32_t seq, const void* buffer, uint64_t size) {
  LLMCORE_RETURN_IF_ERROR(CheckSeq(seq, "seq_import"));
  return ReadKvBlob(kv_shape_, static_cast<const std::byte*>(buffer), size,
                    seqs_[static_cast<size_t>(seq)]);
}

}  // namespace llmcore::reference_driver
