// DriverInstance: one model instance of a driver, in C++.
//
// Every call translates the driver's negative code and message into a
// Status ("driver <name>: <function>: <message>", codes as DriverStatus
// maps them). Optional driver functions that are missing answer
// kUnsupported.
//
// Ownership: unique; destroying it calls instance_destroy. It keeps its
// DriverContext (and so the library) alive. The model's tensor data must
// outlive it.
//
// Thread safety: one thread at a time per instance (driver.h); different
// instances may be used concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "llmcore/driver.h"
#include "llmcore/status.h"

namespace llmcore::driver_host {

class DriverContext;

class DriverInstance {
 public:
  DriverInstance(std::shared_ptr<DriverContext> context, llmcore_instance* handle);
  ~DriverInstance();
  DriverInstance(const DriverInstance&) = delete;
  DriverInstance& operator=(const DriverInstance&) = delete;

  // One forward pass; logits for the entries with want_logits, in entry
  // order, n_vocab floats each, into `logits`.
  Status Forward(std::span<const llmcore_batch_entry> entries, std::span<float> logits);
  // The same, also writing the final hidden states (after the output norm)
  // of the entries with want_logits into `embeddings`, n_embd floats each.
  // Either output may be empty (not both, when an entry wants output):
  // without logits the driver skips the output matrix. kUnsupported when
  // the driver predates embeddings (ABI minor < 1) or cannot produce them.
  Status Forward(std::span<const llmcore_batch_entry> entries, std::span<float> logits,
                 std::span<float> embeddings);

  // Whether the driver's ABI has the embeddings output (minor >= 1).
  bool supports_embeddings() const;

  Status SeqRemove(int32_t seq, int32_t p0, int32_t p1);
  Status SeqCopy(int32_t src, int32_t dst, int32_t p0, int32_t p1);
  Result<int32_t> SeqLength(int32_t seq);

  // The KV blob format; "" when the driver has no export/import.
  std::string KvFormat();
  Result<std::vector<std::byte>> SeqExport(int32_t seq);
  Status SeqImport(int32_t seq, std::span<const std::byte> blob);

  llmcore_instance* handle() const { return handle_; }

 private:
  const llmcore_driver& table() const;
  const std::string& driver_name() const;

  std::shared_ptr<DriverContext> context_;
  llmcore_instance* handle_;
};

}  // namespace llmcore::driver_host
