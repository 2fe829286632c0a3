#include "instance.h"

#include <thread>
#include <vector>

#include "kv_blob.h"
#include "llmcore/driver_kit/instance_checks.h"
#include "llmcore/hal/placement.h"

namespace llmcore::cpu {
namespace {

Status Invalid(std::string message) {
  return driver_kit::InvalidInstance(std::move(message));
}

// One CPU set per worker: hal::PlanThreads on the context's topology, or,
// when the topology is unknown, the explicit CPUs one each, or unpinned
// workers.
Result<std::vector<hal::CpuSet>> PlanWorkers(const DriverContext& ctx,
                                             const llmcore_instance_params& p) {
  hal::PlacementOptions options;
  options.threads = static_cast<int>(p.n_threads);
  if (p.n_cpus > 0) options.cpus.assign(p.cpus, p.cpus + p.n_cpus);
  if (ctx.topology() != nullptr) {
    auto placement = hal::PlanThreads(*ctx.topology(), options);
    if (!placement.ok()) return placement.status().WithContext("instance: thread placement");
    if (!placement->note.empty()) ctx.Log(LLMCORE_LOG_INFO, "cpu: " + placement->note);
    return std::move(placement->threads);
  }
  std::vector<hal::CpuSet> sets;
  if (!options.cpus.empty()) {
    const size_t n =
        p.n_threads == 0 ? options.cpus.size() : std::min<size_t>(p.n_threads, options.cpus.size());
    if (p.n_threads > options.cpus.size()) {
      return Invalid("n_threads " + std::to_string(p.n_threads) + " exceeds the " +
                     std::to_string(options.cpus.size()) + " cpus listed");
    }
    for (size_t i = 0; i < n; ++i) {
      if (options.cpus[i] < 0 || options.cpus[i] >= hal::kMaxCpus) {
        return Invalid("cpu " + std::to_string(options.cpus[i]) + " is not a CPU number");
      }
      sets.push_back({options.cpus[i]});
    }
    return sets;
  }
  const uint32_t n =
      p.n_threads != 0 ? p.n_threads : std::max(1u, std::thread::hardware_concurrency());
  sets.resize(n);  // unpinned
  return sets;
}

}  // namespace

Result<std::unique_ptr<Instance>> Instance::Create(const DriverContext& ctx,
                                                   const llmcore_model_desc* model,
                                                   const llmcore_instance_params* params) {
  LLMCORE_ASSIGN_OR_RETURN(ModelConfig config, ParseModelConfig(model));
  constexpr driver_kit::InstanceLimits kLimits = {
      .max_ctx = kMaxCtx, .max_seq = kMaxSeq, .max_batch = kMaxBatch};
  LLMCORE_RETURN_IF_ERROR(driver_kit::CheckInstanceParams(params, kLimits, "cpu"));
  const llmcore_instance_params& p = *params;
  if (p.n_threads > kMaxThreads) {
    return Invalid("n_threads " + std::to_string(p.n_threads) + " is more than " +
                   std::to_string(kMaxThreads));
  }
  if (p.n_cpus > 0 && p.cpus == nullptr) return Invalid("n_cpus is set but cpus is NULL");
  if (p.n_cpus > static_cast<uint32_t>(hal::kMaxCpus)) {
    return Invalid("n_cpus " + std::to_string(p.n_cpus) + " is too large");
  }

  std::unique_ptr<Instance> inst(new Instance(config, p.n_seq_max, p.n_ctx));
  inst->fingerprint_ = KvFingerprint(inst->config_);
  inst->kernels_ = MakeGenericKernels();
  LLMCORE_ASSIGN_OR_RETURN(inst->weights_, BindWeights(inst->config_, *model, *inst->kernels_));
  LLMCORE_ASSIGN_OR_RETURN(auto workers, PlanWorkers(ctx, p));
  LLMCORE_ASSIGN_OR_RETURN(inst->pool_, ThreadPool::Create(workers));
  inst->forward_ =
      std::make_unique<ForwardPass>(inst->config_, inst->weights_, *inst->kernels_,
                                    inst->pool_.get(), p.n_batch_max, p.n_ctx, p.n_seq_max);
  if (config.n_ctx_train != 0 && p.n_ctx > config.n_ctx_train) {
    ctx.Log(LLMCORE_LOG_WARNING, "cpu: n_ctx " + std::to_string(p.n_ctx) +
                                     " exceeds the model's training context " +
                                     std::to_string(config.n_ctx_train));
  }
  std::string cpus;
  for (const auto& set : workers) {
    cpus +=
        (cpus.empty() ? "" : " ") + (set.empty() ? std::string("any") : hal::FormatCpuList(set));
  }
  ctx.Log(LLMCORE_LOG_INFO,
          "cpu: " + config.arch_name + " instance, " + std::to_string(config.n_layer) +
              " layers, n_ctx " + std::to_string(p.n_ctx) + ", " + std::to_string(workers.size()) +
              " threads on cpus " + cpus + ", " + std::string(inst->kernels_->name()) + " kernels");
  return inst;
}

Status Instance::CheckSeq(int32_t seq, const char* what) const {
  return driver_kit::CheckSeqId(seq, kv_.n_seq(), what);
}

Status Instance::SeqRemove(int32_t seq, int32_t p0, int32_t p1) {
  LLMCORE_RETURN_IF_ERROR(CheckSeq(seq, "seq_remove"));
  return kv_.Remove(static_cast<uint32_t>(seq), p0, p1);
}

Status Instance::SeqCopy(int32_t src, int32_t dst, int32_t p0, int32_t p1) {
  LLMCORE_RETURN_IF_ERROR(CheckSeq(src, "seq_copy"));
  LLMCORE_RETURN_IF_ERROR(CheckSeq(dst, "seq_copy"));
  return kv_.Copy(static_cast<uint32_t>(src), static_cast<uint32_t>(dst), p0, p1);
}

Result<int32_t> Instance::SeqLength(int32_t seq) const {
  LLMCORE_RETURN_IF_ERROR(CheckSeq(seq, "seq_length"));
  return static_cast<int32_t>(kv_.length(static_cast<uint32_t>(seq)));
}

Status Instance::SeqExport(int32_t seq, void* buffer, uint64_t capacity, uint64_t* size) const {
  LLMCORE_RETURN_IF_ERROR(CheckSeq(seq, "seq_export"));
  if (size == nullptr) return Status(StatusCode::kInvalidArgument, "seq_export: size is NULL");
  const uint64_t needed = KvBlobSize(kv_, static_cast<uint32_t>(seq));
  *size = needed;
  if (buffer == nullptr) return Status::Ok();
  if (capacity < needed) {
    return Status(StatusCode::kResourceExhausted,
                  "seq_export: capacity " + std::to_string(capacity) + " is smaller than the " +
                      std::to_string(needed) + " bytes needed");
  }
  WriteKvBlob(kv_, static_cast<uint32_t>(seq), fingerprint_, static_cast<std::byte*>(buffer));
  return Status::Ok();
}

Status Instance::SeqImport(int32_t seq, const void* buffer, uint64_t size) {
  LLMCORE_RETURN_IF_ERROR(CheckSeq(seq, "seq_import"));
  return ReadKvBlob(kv_, static_cast<uint32_t>(seq), fingerprint_,
                    static_cast<const std::byte*>(buffer), size);
}

}  // namespace llmcore::cpu
