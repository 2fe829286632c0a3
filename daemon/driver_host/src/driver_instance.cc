#include "llmcore/driver_host/driver_instance.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "llmcore/driver_host/driver_context.h"

namespace llmcore::driver_host {

DriverInstance::DriverInstance(std::shared_ptr<DriverContext> context, llmcore_instance* handle)
    : context_(std::move(context)), handle_(handle) {}

DriverInstance::~DriverInstance() {
  if (handle_ != nullptr) table().instance_destroy(handle_);
}

const llmcore_driver& DriverInstance::table() const {
  return context_->library().table();
}
const std::string& DriverInstance::driver_name() const {
  return context_->name();
}

Status DriverInstance::Forward(std::span<const llmcore_batch_entry> entries,
                               std::span<float> logits) {
  return Forward(entries, logits, {});
}

bool DriverInstance::supports_embeddings() const {
  return context_->library().abi_minor() >= 1;
}

Status DriverInstance::Forward(std::span<const llmcore_batch_entry> entries,
                               std::span<float> logits, std::span<float> embeddings) {
  if (entries.size() > UINT32_MAX) {
    return Status(StatusCode::kInvalidArgument, "forward: too many entries");
  }
  if (!embeddings.empty() && !supports_embeddings()) {
    return Status(StatusCode::kUnsupported,
                  "driver " + driver_name() + ": forward: no embeddings output (driver ABI 1." +
                      std::to_string(context_->library().abi_minor()) + ")");
  }
  llmcore_batch batch{};
  batch.struct_size = sizeof(batch);
  batch.n_entries = static_cast<uint32_t>(entries.size());
  batch.entries = entries.data();
  batch.logits = logits.empty() ? nullptr : logits.data();
  batch.logits_capacity = logits.size();
  batch.embeddings = embeddings.empty() ? nullptr : embeddings.data();
  batch.embeddings_capacity = embeddings.size();
  llmcore_error error{};
  const int32_t rc = table().forward(handle_, &batch, &error);
  if (rc < 0) return DriverStatus(driver_name(), "forward", rc, error);
  return Status::Ok();
}

Status DriverInstance::SeqRemove(int32_t seq, int32_t p0, int32_t p1) {
  if (table().seq_remove == nullptr) {
    return Status(StatusCode::kUnsupported, "driver " + driver_name() + ": no seq_remove");
  }
  llmcore_error error{};
  const int32_t rc = table().seq_remove(handle_, seq, p0, p1, &error);
  if (rc < 0) return DriverStatus(driver_name(), "seq_remove", rc, error);
  return Status::Ok();
}

Status DriverInstance::SeqCopy(int32_t src, int32_t dst, int32_t p0, int32_t p1) {
  if (table().seq_copy == nullptr) {
    return Status(StatusCode::kUnsupported, "driver " + driver_name() + ": no seq_copy");
  }
  llmcore_error error{};
  const int32_t rc = table().seq_copy(handle_, src, dst, p0, p1, &error);
  if (rc < 0) return DriverStatus(driver_name(), "seq_copy", rc, error);
  return Status::Ok();
}

Result<int32_t> DriverInstance::SeqLength(int32_t seq) {
  if (table().seq_length == nullptr) {
    return Status(StatusCode::kUnsupported, "driver " + driver_name() + ": no seq_length");
  }
  const int32_t n = table().seq_length(handle_, seq);
  if (n < 0) {
    llmcore_error error{};
    std::snprintf(error.message, sizeof(error.message), "sequence %d", static_cast<int>(seq));
    return DriverStatus(driver_name(), "seq_length", n, error);
  }
  return n;
}

std::string DriverInstance::KvFormat() {
  if (table().kv_format == nullptr || table().seq_export == nullptr ||
      table().seq_import == nullptr) {
    return "";
  }
  const char* format = table().kv_format(handle_);
  return format == nullptr ? "" : std::string(format, strnlen(format, LLMCORE_NAME_MAX));
}

Result<std::vector<std::byte>> DriverInstance::SeqExport(int32_t seq) {
  if (table().seq_export == nullptr) {
    return Status(StatusCode::kUnsupported, "driver " + driver_name() + ": no seq_export");
  }
  llmcore_error error{};
  uint64_t size = 0;
  int32_t rc = table().seq_export(handle_, seq, nullptr, 0, &size, &error);
  if (rc < 0) return DriverStatus(driver_name(), "seq_export", rc, error);
  std::vector<std::byte> blob(size);
  rc = table().seq_export(handle_, seq, blob.data(), blob.size(), &size, &error);
  if (rc < 0) return DriverStatus(driver_name(), "seq_export", rc, error);
  blob.resize(std::min<uint64_t>(size, blob.size()));
  return blob;
}

Status DriverInstance::SeqImport(int32_t seq, std::span<const std::byte> blob) {
  if (table().seq_import == nullptr) {
    return Status(StatusCode::kUnsupported, "driver " + driver_name() + ": no seq_import");
  }
  llmcore_error error{};
  const int32_t rc = table().seq_import(handle_, seq, blob.data(), blob.size(), &error);
  if (rc < 0) return DriverStatus(driver_name(), "seq_import", rc, error);
  return Status::Ok();
}

}  // namespace llmcore::driver_host
