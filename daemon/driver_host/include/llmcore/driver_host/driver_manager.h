// DriverManager: the compute drivers this daemon found, their devices, and
// where a model goes (placement) and how a driver is upgraded (reload).
//
// Discovery. Discover() scans its sources in order. A source is a directory
// (its regular files named llmcore-*.so, or symlinks to them, in name
// order; an entry so named that is something else is refused) or a single
// library file. Every library is opened (DriverLibrary::Open) and
// initialised (DriverContext::Create); one that fails is skipped, and
// "<path>: <reason>" is kept in refused() and logged at warning level. A
// driver whose score probe answers 0 declines this machine: skipped and
// recorded as "<path>: driver <name> declined this machine (score 0)"
// (logged at info level: a GPU driver on a machine without that GPU is
// normal). When two libraries report the same driver name, the first one
// (source order, then name order) wins; the other is refused naming both
// paths. A source that does not exist or cannot be read is refused too.
//
// Placement. Place() picks a driver and a device that fit a model: see
// PlacementRequest and Place() below. A device's memory is asked from its
// driver at each call (it changes as models come and go).
//
// Upgrade. Reload() opens the driver's library file anew: a file replaced on
// disk (renamed into place, as package managers do) is loaded as a fresh
// copy next to the old one (DriverLibrary says how), and its new context
// replaces the old one for Find, List and Place. Instances built on the old
// context keep it, and so the old copy of the code, alive until they are
// destroyed (the hot swap moves models over, then drops them).
//
// Ownership: the manager holds one DriverContext per driver (shared_ptr);
// callers may keep the contexts they get as long as they like.
//
// Thread safety: every method may be called from any thread. The registry
// is behind one mutex, which is never held while a driver is called: device
// queries, init and fini run on copied shared_ptrs. Reloads are serialized
// among themselves.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "llmcore/driver.h"
#include "llmcore/driver_host/driver_context.h"
#include "llmcore/status.h"

namespace llmcore::driver_host {

// One device as its driver reports it now.
struct DeviceState {
  uint32_t index = 0;
  std::string name;         // stable id within the driver: "cpu", "cuda0" (valid UTF-8)
  std::string description;  // for people; sanitized to valid UTF-8
  // Any kind other than LLMCORE_DEVICE_CPU a driver reports reads as
  // LLMCORE_DEVICE_GPU: a device with memory of its own.
  llmcore_device_kind kind = LLMCORE_DEVICE_CPU;
  uint64_t memory_total_bytes = 0;
  uint64_t memory_free_bytes = 0;
  int32_t numa_node = -1;
};

struct DriverSummary {
  std::string name;
  std::string version;
  std::string path;  // the library file, as found in its source
  uint32_t abi_minor = 0;
  int score = 0;  // the score probe's answer when the driver was (re)loaded
  std::vector<DeviceState> devices;
};

struct PlacementRequest {
  std::string driver;  // "": automatic
  // "": the driver's best device; else a device name ("cuda0") or its
  // index in decimal ("0"). Needs a driver.
  std::string device;
  uint64_t weights_bytes = 0;  // the model segment's size
  uint64_t kv_bytes = 0;       // the instance's KV cache and work buffers, estimated by the caller
};

struct Placement {
  std::shared_ptr<DriverContext> driver;
  uint32_t device_index = 0;
  std::string device_name;
};

class DriverManager {
 public:
  // Scans `sources` (see above). `log` receives every driver's log lines
  // (DriverContext::LogFn); empty, they go to llmcore's log (Log) at the
  // driver's level.
  // Errors: kNotFound when no driver at all could be loaded, the message
  // listing each source and each refusal.
  static Result<std::unique_ptr<DriverManager>> Discover(const std::vector<std::string>& sources,
                                                         DriverContext::LogFn log = {});

  ~DriverManager();
  DriverManager(const DriverManager&) = delete;
  DriverManager& operator=(const DriverManager&) = delete;

  // Every driver, by descending score, then name; devices queried now (a
  // driver whose device query fails is listed without devices).
  std::vector<DriverSummary> List() const;

  // The driver's current context; nullptr when no driver has that name.
  std::shared_ptr<DriverContext> Find(std::string_view name) const;

  // "<path>: <reason>" for each library or source Discover() skipped, in
  // scan order.
  std::vector<std::string> refused() const;

  // Where a model goes. What it needs on a device: on a CPU-kind device
  // kv_bytes (the weights are already in host memory, in the shared
  // segment); on any other device weights_bytes + kv_bytes. A device that
  // reports 0 bytes total and 0 free does not know its memory and always
  // fits.
  //
  // Explicit driver: that driver; device "" picks its fitting device with
  // the most free memory; a named device must fit.
  // Automatic (driver ""): drivers by descending score (then name); the
  // first with a fitting device wins, on its fitting device with the most
  // free memory. When none fits, the "cpu" driver's device 0 if there is a
  // "cpu" driver (the fallback, said in an info line of the log).
  //
  // Errors: kNotFound "no driver named 'x' (drivers: cpu, reference)"; a
  // device the driver does not have, or a driver without devices
  // (kNotFound naming it and listing the driver's devices); kInvalidArgument
  // for a device without a driver; kResourceExhausted when nothing fits
  // ("driver cuda device cuda0: the model needs N MiB, M MiB are free"; the
  // automatic choice names the model's need and each driver's best free
  // memory); a driver's device query failure.
  Result<Placement> Place(const PlacementRequest& request) const;

  // Re-opens the named driver's library from its path and initialises a new
  // context, which replaces the old one for Find, List and Place. The old
  // context lives on while anyone holds it (instances do), so its library is
  // unloaded only when nothing uses it. Returns the new context.
  // Errors: kNotFound for an unknown name; the open or init error; kInvalid-
  // Argument when the library now reports another driver name; kUnavailable
  // when the new build declines this machine (score 0). On any error the old
  // context stays registered.
  Result<std::shared_ptr<DriverContext>> Reload(std::string_view name);

 private:
  struct Driver {
    std::shared_ptr<DriverContext> context;
    int score = 0;
  };

  explicit DriverManager(DriverContext::LogFn log);

  // The drivers by descending score, then name (a copy, taken under mu_).
  std::vector<Driver> Ranked() const;

  const DriverContext::LogFn log_;
  mutable std::mutex mu_;
  std::vector<Driver> drivers_;       // discovery order; guarded by mu_
  std::vector<std::string> refused_;  // guarded by mu_
  std::mutex reload_mu_;              // one Reload at a time
};

}  // namespace llmcore::driver_host
