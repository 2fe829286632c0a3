// LoadedModel: one model ready to compute - its shared segment, the driver
// instance serving it, and its text layer (tokenizer, chat template).
//
// The serving instance can be replaced while the model stays loaded (a
// driver hot swap): BuildInstance() makes another instance from the same
// segment - nothing is read from disk again - and the Scheduler's worker puts
// it in service with ExchangeInstance() between two forward passes, after
// moving the sequences' state over (Scheduler::Migrate).
//
// Load() does the slow work (reading the weights through the ModelStore,
// building the driver instance) on the calling thread: the daemon calls it
// from a worker thread, never from its event loop. Progress goes to
// `options.progress`; setting *options.cancel stops the read.
//
// Ownership: shared between the registry entry that loaded it and the
// Scheduler serving it; the segment and driver context stay alive as long as
// it does. Thread safety: the accessors are const and safe from any thread
// (placement() reads under a lock, as the worker may exchange the instance);
// BuildInstance() may run on any thread; the serving instance is used only by
// the Scheduler's worker thread (instance(), ExchangeInstance()).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "llmcore/driver_host/driver_context.h"
#include "llmcore/driver_host/driver_instance.h"
#include "llmcore/driver_host/model_desc.h"
#include "llmcore/gguf/gguf_file.h"
#include "llmcore/status.h"
#include "llmcore/store/model_store.h"
#include "llmcore/text/chat_template.h"
#include "llmcore/text/tokenizer.h"

namespace llmcore::engine {

struct ModelLoadOptions {
  std::string name;  // the registry's name, for messages
  std::string path;  // the GGUF file, for messages and the store's identity
  // The file, already opened by the registry (which refuses names escaping
  // the model directories); -1: open `path`. Borrowed: Load() does not close it.
  int fd = -1;
  // Positions each sequence may hold; 0: min(model's trained context, 4096).
  uint32_t n_ctx = 0;
  // Concurrent sequences for sessions; the instance gets one more, the
  // Scheduler's own for one-shot work (embeddings).
  uint32_t n_seq_max = 16;
  uint32_t n_batch_max = 512;  // tokens per forward pass
  uint32_t n_threads = 0;      // CPU drivers: 0 = driver's choice
  uint32_t device_index = 0;   // the driver's device
  std::function<void(const store::LoadProgress&)> progress;
  const std::atomic<bool>* cancel = nullptr;
};

// Where an instance runs.
struct InstancePlacement {
  std::shared_ptr<driver_host::DriverContext> driver;
  uint32_t device_index = 0;
  uint32_t n_threads = 0;  // CPU drivers: 0 = driver's choice
  // A smaller instance than the serving one, for checks (0: the model's).
  // An instance built smaller cannot take the model's sequences over.
  uint32_t n_ctx = 0;
  uint32_t n_seq_max = 0;
};

// What serves a model now, for people and the API.
struct PlacementInfo {
  std::string driver;
  std::string driver_version;
  std::string device;  // the device's name within the driver ("cpu")
  uint32_t device_index = 0;
  uint32_t n_threads = 0;
};

// A driver instance of a model with the driver it belongs to; not serving
// until ExchangeInstance() takes it.
struct ModelInstance {
  std::shared_ptr<driver_host::DriverContext> driver;
  std::unique_ptr<driver_host::DriverInstance> instance;
  PlacementInfo placement;
};

class LoadedModel {
 public:
  // The file is parsed and read through one open file (options.fd, or
  // options.path opened once), so the file checked is the file loaded.
  // n_ctx is capped at the model's trained context (said at info level).
  // Errors: the file's (gguf: ... / kCorrupt), the store's (I/O, memory,
  // kCancelled), the driver's (unsupported architecture, missing tensor), the
  // tokenizer's (kUnsupported vocabulary; kCorrupt when it has more tokens
  // than the embedding has rows), kInvalidArgument for n_seq_max or
  // n_batch_max of 0; each prefixed with the model's name. A template that is
  // absent or not recognised is no error: chat_template() is nullopt.
  static Result<std::shared_ptr<LoadedModel>> Load(
      store::ModelStore& store, std::shared_ptr<driver_host::DriverContext> driver,
      const ModelLoadOptions& options);

  const std::string& name() const;
  const gguf::GgufFile& metadata() const;
  const text::Tokenizer& tokenizer() const;
  // nullopt when the model has no template llmcore recognises.
  const std::optional<text::ChatTemplate>& chat_template() const;
  std::string driver_name() const;
  std::string device_name() const;
  PlacementInfo placement() const;
  // The serving instance's driver and device, to build a twin of it.
  InstancePlacement instance_placement() const;
  uint32_t n_ctx() const;  // positions per sequence
  uint32_t n_seq_max() const;
  uint32_t n_batch_max() const;
  uint32_t n_vocab() const;
  uint32_t n_embd() const;
  uint64_t resident_bytes() const;  // the segment's size
  // An upper bound of the KV cache one sequence at full context takes in an
  // instance (32-bit floats), what placement adds to the weights.
  uint64_t kv_bytes_per_sequence() const;
  // Whether the driver can return embeddings (ABI minor >= 1 and it said so).
  bool supports_embeddings() const;

  // Builds another instance of this model from the same segment and
  // description, with the same context, sequences and batch size unless
  // `placement` asks for fewer. Any thread. Errors: the driver's
  // (instance_create), prefixed with the model's name.
  Result<std::unique_ptr<ModelInstance>> BuildInstance(const InstancePlacement& placement) const;

  // For the Scheduler's worker thread only.
  driver_host::DriverInstance& instance();
  // Puts `next` in service and returns the instance it replaces.
  std::unique_ptr<ModelInstance> ExchangeInstance(std::unique_ptr<ModelInstance> next);

  ~LoadedModel();

 private:
  LoadedModel();
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace llmcore::engine
