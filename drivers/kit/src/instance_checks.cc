#include "llmcore/driver_kit/instance_checks.h"

#include <utility>

namespace llmcore::driver_kit {
namespace {

Status CheckParam(const char* field, uint32_t value, uint32_t max) {
  if (value == 0 || value > max) {
    return InvalidInstance(std::string(field) + " = " + std::to_string(value) + " is outside [1, " +
                           std::to_string(max) + "]");
  }
  return Status::Ok();
}

}  // namespace

Status InvalidInstance(std::string message) {
  return Status(StatusCode::kInvalidArgument, "instance: " + std::move(message));
}

Status CheckInstanceParams(const llmcore_instance_params* params, const InstanceLimits& limits,
                           std::string_view driver) {
  if (params == nullptr) return InvalidInstance("params is NULL");
  if (params->struct_size < sizeof(llmcore_instance_params)) {
    return InvalidInstance("params struct_size " + std::to_string(params->struct_size) +
                           " is smaller than this driver's " +
                           std::to_string(sizeof(llmcore_instance_params)));
  }
  const llmcore_instance_params& p = *params;
  if (p.device_index != 0) {
    return InvalidInstance("device " + std::to_string(p.device_index) + " does not exist (the " +
                           std::string(driver) + " driver has device 0 only)");
  }
  LLMCORE_RETURN_IF_ERROR(CheckParam("n_ctx", p.n_ctx, limits.max_ctx));
  LLMCORE_RETURN_IF_ERROR(CheckParam("n_seq_max", p.n_seq_max, limits.max_seq));
  LLMCORE_RETURN_IF_ERROR(CheckParam("n_batch_max", p.n_batch_max, limits.max_batch));
  return Status::Ok();
}

Status CheckSeqId(int32_t seq, uint32_t n_seq, const char* what) {
  if (seq < 0 || static_cast<uint32_t>(seq) >= n_seq) {
    return Status(StatusCode::kInvalidArgument,
                  std::string(what) + ": sequence id " + std::to_string(seq) +
                      " is out of range (n_seq_max " + std::to_string(n_seq) + ")");
  }
  return Status::Ok();
}

Result<uint32_t> LengthAfterRemove(int32_t seq, uint32_t length, int32_t p0, int32_t p1) {
  if (p0 < 0) {
    return Status(StatusCode::kInvalidArgument,
                  "seq_remove: p0 " + std::to_string(p0) + " is negative");
  }
  const uint32_t begin = static_cast<uint32_t>(p0);
  if (p1 >= 0 && static_cast<uint32_t>(p1) <= begin) return length;  // empty range
  if (begin >= length) return length;                                // nothing held there
  if (p1 >= 0 && static_cast<uint32_t>(p1) < length) {
    return Status(StatusCode::kUnsupported,
                  "seq_remove: removing positions [" + std::to_string(p0) + ", " +
                      std::to_string(p1) + ") of sequence " + std::to_string(seq) + " (length " +
                      std::to_string(length) +
                      ") would leave a hole; only a suffix can be removed");
  }
  return begin;
}

}  // namespace llmcore::driver_kit
