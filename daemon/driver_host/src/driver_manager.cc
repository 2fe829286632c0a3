#include "llmcore/driver_host/driver_manager.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <utility>

#include "llmcore/driver_host/driver_library.h"
#include "llmcore/log.h"
#include "llmcore/utf8.h"

namespace llmcore::driver_host {
namespace {

// More devices than any machine has: a driver reporting more is broken.
constexpr int kMaxDevices = 1024;
constexpr uint64_t kMiB = uint64_t{1} << 20;

// A driver's log line into llmcore's log, at the driver's level.
void LogDriverLine(llmcore_log_level level, std::string_view message) {
  LogLevel ours = LogLevel::kDebug;
  if (level <= LLMCORE_LOG_ERROR) {
    ours = LogLevel::kError;
  } else if (level <= LLMCORE_LOG_WARNING) {
    ours = LogLevel::kWarning;
  } else if (level <= LLMCORE_LOG_INFO) {
    ours = LogLevel::kInfo;
  }
  Log(ours, SanitizeUtf8(message));
}

bool IsDriverFileName(std::string_view name) {
  constexpr std::string_view kPrefix = "llmcore-";
  constexpr std::string_view kSuffix = ".so";
  return name.size() > kPrefix.size() + kSuffix.size() && name.starts_with(kPrefix) &&
         name.ends_with(kSuffix);
}

// "<path>: <reason>" from a DriverLibrary or DriverContext error, without
// the library's own "driver <path>: " prefix.
std::string Refusal(const std::string& path, const Status& status) {
  const std::string prefix = "driver " + path + ": ";
  std::string_view message = status.message();
  if (message.starts_with(prefix)) message.remove_prefix(prefix.size());
  return path + ": " + std::string(message);
}

// Bytes in MiB, rounded up (what is needed) or down (what is free).
uint64_t MiBUp(uint64_t bytes) {
  return bytes / kMiB + (bytes % kMiB != 0 ? 1 : 0);
}
uint64_t MiBDown(uint64_t bytes) {
  return bytes / kMiB;
}

std::string BoundedText(const char* text, size_t capacity) {
  return SanitizeUtf8(std::string_view(text, strnlen(text, capacity)));
}

Result<std::vector<DeviceState>> QueryDevices(const DriverContext& driver) {
  LLMCORE_ASSIGN_OR_RETURN(const int count, driver.DeviceCount());
  if (count > kMaxDevices) {
    return Status(StatusCode::kCorrupt,
                  fmt::format("driver {}: device_count: {} devices (at most {} make sense)",
                              driver.name(), count, kMaxDevices));
  }
  std::vector<DeviceState> devices;
  devices.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    LLMCORE_ASSIGN_OR_RETURN(const llmcore_device_info info,
                             driver.DeviceInfo(static_cast<uint32_t>(i)));
    DeviceState d;
    d.index = static_cast<uint32_t>(i);
    d.name = BoundedText(info.name, sizeof(info.name));
    d.description = BoundedText(info.description, sizeof(info.description));
    d.kind = info.kind == LLMCORE_DEVICE_CPU ? LLMCORE_DEVICE_CPU : LLMCORE_DEVICE_GPU;
    d.memory_total_bytes = info.memory_total_bytes;
    d.memory_free_bytes = info.memory_free_bytes;
    d.numa_node = info.numa_node;
    devices.push_back(std::move(d));
  }
  return devices;
}

// What the model needs on `device` (PlacementRequest's rule), saturating.
uint64_t Need(const DeviceState& device, const PlacementRequest& request) {
  if (device.kind == LLMCORE_DEVICE_CPU) return request.kv_bytes;
  const uint64_t sum = request.weights_bytes + request.kv_bytes;
  return sum < request.weights_bytes ? std::numeric_limits<uint64_t>::max() : sum;
}

bool MemoryUnknown(const DeviceState& device) {
  return device.memory_free_bytes == 0 && device.memory_total_bytes == 0;
}

bool Fits(const DeviceState& device, const PlacementRequest& request) {
  return MemoryUnknown(device) || Need(device, request) <= device.memory_free_bytes;
}

// The fitting device with the most free memory (a device of unknown memory
// ranks as 0 bytes free); ties go to the lower index.
const DeviceState* BestFitting(const std::vector<DeviceState>& devices,
                               const PlacementRequest& request) {
  const DeviceState* best = nullptr;
  for (const DeviceState& d : devices) {
    if (!Fits(d, request)) continue;
    if (best == nullptr || d.memory_free_bytes > best->memory_free_bytes) best = &d;
  }
  return best;
}

// The device with the most free memory, fitting or not; nullptr for none.
const DeviceState* MostFree(const std::vector<DeviceState>& devices) {
  const DeviceState* best = nullptr;
  for (const DeviceState& d : devices) {
    if (best == nullptr || d.memory_free_bytes > best->memory_free_bytes) best = &d;
  }
  return best;
}

std::string DeviceList(const std::vector<DeviceState>& devices) {
  if (devices.empty()) return "none";
  std::string out;
  for (const DeviceState& d : devices) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {}", d.index, d.name);
  }
  return out;
}

Status DoesNotFit(const std::string& driver, const DeviceState& device,
                  const PlacementRequest& request) {
  return Status(
      StatusCode::kResourceExhausted,
      fmt::format("driver {} device {}: the model needs {} MiB, {} MiB are free", driver,
                  device.name, MiBUp(Need(device, request)), MiBDown(device.memory_free_bytes)));
}

Placement PlaceOn(std::shared_ptr<DriverContext> driver, const DeviceState& device) {
  return Placement{std::move(driver), device.index, device.name};
}

// `text` is a decimal number that fits uint32_t.
std::optional<uint32_t> ParseIndex(std::string_view text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > std::numeric_limits<uint32_t>::max()) return std::nullopt;
  return static_cast<uint32_t>(value);
}

}  // namespace

DriverManager::DriverManager(DriverContext::LogFn log) : log_(std::move(log)) {}

DriverManager::~DriverManager() = default;

Result<std::unique_ptr<DriverManager>> DriverManager::Discover(
    const std::vector<std::string>& sources, DriverContext::LogFn log) {
  std::unique_ptr<DriverManager> manager(
      new DriverManager(log ? std::move(log) : DriverContext::LogFn(LogDriverLine)));
  std::vector<Driver> drivers;
  std::vector<std::string> refused;
  std::vector<std::string> source_notes;
  auto refuse = [&refused](std::string refusal, LogLevel level) {
    Logf(level, "driver refused: {}", refusal);
    refused.push_back(std::move(refusal));
  };

  for (const std::string& source : sources) {
    std::vector<std::string> paths;
    struct stat st {};
    if (stat(source.c_str(), &st) != 0) {
      const int err = errno;
      refuse(fmt::format("{}: {}", source, err == ENOENT ? "does not exist" : std::strerror(err)),
             LogLevel::kWarning);
      source_notes.push_back(source + " (unusable)");
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      std::error_code ec;
      std::filesystem::directory_iterator it(source, ec);
      for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (IsDriverFileName(name)) paths.push_back(it->path().string());
      }
      if (ec) {
        refuse(fmt::format("{}: cannot read the directory: {}", source, ec.message()),
               LogLevel::kWarning);
        source_notes.push_back(source + " (unreadable)");
        continue;
      }
      std::sort(paths.begin(), paths.end());
      source_notes.push_back(fmt::format("{} ({} llmcore-*.so)", source, paths.size()));
    } else {
      paths.push_back(source);
      source_notes.push_back(source);
    }

    for (const std::string& path : paths) {
      auto library = DriverLibrary::Open(path);
      if (!library.ok()) {
        refuse(Refusal(path, library.status()), LogLevel::kWarning);
        continue;
      }
      const std::string& name = (*library)->name();
      auto same = std::find_if(drivers.begin(), drivers.end(),
                               [&](const Driver& d) { return d.context->name() == name; });
      if (same != drivers.end()) {
        refuse(fmt::format("{}: driver {} is already loaded from {}", path, name,
                           same->context->library().path()),
               LogLevel::kWarning);
        continue;
      }
      auto context = DriverContext::Create(*library, manager->log_);
      if (!context.ok()) {
        refuse(Refusal(path, context.status()), LogLevel::kWarning);
        continue;
      }
      const int score = (*context)->Score();
      if (score == 0) {
        refuse(fmt::format("{}: driver {} declined this machine (score 0)", path, name),
               LogLevel::kInfo);
        continue;
      }
      drivers.push_back(Driver{std::move(context).value(), score});
    }
  }

  if (drivers.empty()) {
    std::string message = "no compute driver could be loaded; sources: ";
    message += source_notes.empty() ? "none" : fmt::format("{}", fmt::join(source_notes, ", "));
    if (!refused.empty()) message += fmt::format("; refused: {}", fmt::join(refused, "; "));
    return Status(StatusCode::kNotFound, std::move(message));
  }
  manager->drivers_ = std::move(drivers);
  manager->refused_ = std::move(refused);
  return manager;
}

std::vector<DriverManager::Driver> DriverManager::Ranked() const {
  std::vector<Driver> ranked;
  {
    std::lock_guard lock(mu_);
    ranked = drivers_;
  }
  std::sort(ranked.begin(), ranked.end(), [](const Driver& a, const Driver& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.context->name() < b.context->name();
  });
  return ranked;
}

std::vector<DriverSummary> DriverManager::List() const {
  std::vector<DriverSummary> list;
  for (const Driver& d : Ranked()) {
    DriverSummary s;
    const DriverLibrary& library = d.context->library();
    s.name = library.name();
    s.version = library.version();
    s.path = library.path();
    s.abi_minor = library.abi_minor();
    s.score = d.score;
    auto devices = QueryDevices(*d.context);
    if (devices.ok()) {
      s.devices = std::move(devices).value();
    } else {
      Logf(LogLevel::kDebug, "listing the devices of driver {}: {}", s.name,
           devices.status().message());
    }
    list.push_back(std::move(s));
  }
  return list;
}

std::shared_ptr<DriverContext> DriverManager::Find(std::string_view name) const {
  std::lock_guard lock(mu_);
  for (const Driver& d : drivers_) {
    if (d.context->name() == name) return d.context;
  }
  return nullptr;
}

std::vector<std::string> DriverManager::refused() const {
  std::lock_guard lock(mu_);
  return refused_;
}

Result<Placement> DriverManager::Place(const PlacementRequest& request) const {
  const std::vector<Driver> ranked = Ranked();

  if (!request.driver.empty()) {
    auto chosen = std::find_if(ranked.begin(), ranked.end(), [&](const Driver& d) {
      return d.context->name() == request.driver;
    });
    if (chosen == ranked.end()) {
      std::vector<std::string> names;
      for (const Driver& d : ranked) names.push_back(d.context->name());
      std::sort(names.begin(), names.end());
      return Status(StatusCode::kNotFound, fmt::format("no driver named '{}' (drivers: {})",
                                                       request.driver, fmt::join(names, ", ")));
    }
    const std::shared_ptr<DriverContext>& driver = chosen->context;
    LLMCORE_ASSIGN_OR_RETURN(const std::vector<DeviceState> devices, QueryDevices(*driver));
    if (devices.empty()) {
      return Status(StatusCode::kNotFound, fmt::format("driver {} has no devices", request.driver));
    }
    if (request.device.empty()) {
      if (const DeviceState* best = BestFitting(devices, request)) return PlaceOn(driver, *best);
      return DoesNotFit(request.driver, *MostFree(devices), request);
    }
    const DeviceState* device = nullptr;
    for (const DeviceState& d : devices) {
      if (d.name == request.device) {
        device = &d;
        break;
      }
    }
    if (device == nullptr) {
      if (const auto index = ParseIndex(request.device); index && *index < devices.size()) {
        device = &devices[*index];
      }
    }
    if (device == nullptr) {
      return Status(StatusCode::kNotFound,
                    fmt::format("driver {} has no device '{}' (devices: {})", request.driver,
                                request.device, DeviceList(devices)));
    }
    if (!Fits(*device, request)) return DoesNotFit(request.driver, *device, request);
    return PlaceOn(driver, *device);
  }

  if (!request.device.empty()) {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("device '{}' needs a driver to name it", request.device));
  }
  std::vector<std::string> best_free;
  std::shared_ptr<DriverContext> cpu;
  for (const Driver& d : ranked) {
    if (d.context->name() == "cpu") cpu = d.context;
    auto devices = QueryDevices(*d.context);
    if (!devices.ok()) {
      best_free.push_back(fmt::format("{}: {}", d.context->name(), devices.status().message()));
      continue;
    }
    if (const DeviceState* best = BestFitting(*devices, request)) {
      return PlaceOn(d.context, *best);
    }
    const DeviceState* most = MostFree(*devices);
    best_free.push_back(most == nullptr
                            ? fmt::format("{}: no devices", d.context->name())
                            : fmt::format("{} {} MiB free ({})", d.context->name(),
                                          MiBDown(most->memory_free_bytes), most->name));
  }
  const std::string need =
      fmt::format("the model needs {} MiB of weights and {} MiB for its KV cache",
                  MiBUp(request.weights_bytes), MiBUp(request.kv_bytes));
  if (cpu != nullptr) {
    auto device = cpu->DeviceInfo(0);
    if (device.ok()) {
      Logf(LogLevel::kInfo, "no driver has room for the model ({}; {}): falling back to driver cpu",
           need, fmt::join(best_free, ", "));
      return Placement{cpu, 0, BoundedText(device->name, sizeof(device->name))};
    }
    best_free.push_back(fmt::format("cpu: {}", device.status().message()));
  }
  return Status(StatusCode::kResourceExhausted,
                fmt::format("no driver has room for the model: {}; {}", need,
                            best_free.empty() ? "no drivers"
                                              : fmt::format("{}", fmt::join(best_free, ", "))));
}

Result<std::shared_ptr<DriverContext>> DriverManager::Reload(std::string_view name) {
  std::lock_guard reloading(reload_mu_);
  const std::shared_ptr<DriverContext> old = Find(name);
  if (old == nullptr) {
    return Status(StatusCode::kNotFound, fmt::format("no driver named '{}'", name));
  }
  const std::string path = old->library().path();
  LLMCORE_ASSIGN_OR_RETURN(std::shared_ptr<const DriverLibrary> library, DriverLibrary::Open(path));
  if (library->name() != name) {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("driver {}: {} now reports the driver name '{}'; driver {} stays "
                              "as it was loaded",
                              name, path, library->name(), name));
  }
  LLMCORE_ASSIGN_OR_RETURN(std::shared_ptr<DriverContext> context,
                           DriverContext::Create(library, log_));
  const int score = context->Score();
  if (score == 0) {
    return Status(StatusCode::kUnavailable,
                  fmt::format("driver {}: the build at {} declines this machine (score 0); the "
                              "loaded build stays",
                              name, path));
  }
  {
    // `old` keeps the previous context alive past the lock: its fini, and
    // the unloading of its library, never run under mu_.
    std::lock_guard lock(mu_);
    for (Driver& d : drivers_) {
      if (d.context == old) {
        d.context = context;
        d.score = score;
      }
    }
  }
  // The same loaded copy has the same function addresses.
  const bool fresh = library->table().init != old->library().table().init;
  Logf(LogLevel::kInfo, "driver {} reloaded from {}: version {} (was {}), {}", name, path,
       library->version(), old->library().version(),
       fresh ? "a fresh copy of the library" : "the library file is unchanged");
  return context;
}

}  // namespace llmcore::driver_host
