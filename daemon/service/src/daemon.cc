#include "llmcore/service/daemon.h"

#include <fmt/format.h>
#include <signal.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string_view>
#include <vector>

#include "llmcore/config/daemon_config.h"
#include "llmcore/driver_host/driver_manager.h"
#include "llmcore/hal/cpu_features.h"
#include "llmcore/hal/hwloc_probe.h"
#include "llmcore/ipc/bus_connect.h"
#include "llmcore/ipc/dbus_names.h"
#include "llmcore/log.h"
#include "llmcore/service/background_pool.h"
#include "llmcore/service/core_service.h"
#include "llmcore/service/loop_dispatcher.h"
#include "llmcore/service/settings.h"

namespace llmcore::service {
namespace {

constexpr unsigned kBackgroundThreads = 4;
constexpr uint64_t kIdleCheckUsec = 1'000'000;
constexpr uint64_t kDrainPollUsec = 100'000;
constexpr uint64_t kExtendTimeoutUsec = 30'000'000;

uint64_t PhysicalMemory(const hal::Topology& topology) {
  if (topology.total_memory_bytes != 0) return topology.total_memory_bytes;
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
}

Result<sd_bus*> ConnectBus(const std::string& which) {
  sd_bus* bus = nullptr;
  int r = 0;
  if (which == "system") {
    r = sd_bus_open_system(&bus);
  } else if (which == "session") {
    r = sd_bus_open_user(&bus);
  } else {
    r = ipc::OpenBusAtAddress(which.c_str(), &bus);
  }
  if (r < 0) {
    sd_bus_unref(bus);
    return Status(StatusCode::kUnavailable,
                  fmt::format("cannot connect to the {} bus: {}", which, std::strerror(-r)));
  }
  return bus;
}

// Where drivers are found: $LLMCORE_DRIVER_PATH (directories or library
// files separated by ':', for running from a build tree) or else the
// configured DriverDirectory=.
std::vector<std::string> DriverSources(const std::string& directory) {
  const char* env = std::getenv("LLMCORE_DRIVER_PATH");
  if (env == nullptr || *env == '\0') return {directory};
  std::vector<std::string> sources;
  std::string_view rest(env);
  while (!rest.empty()) {
    const size_t colon = rest.find(':');
    const std::string_view item = rest.substr(0, colon);
    if (!item.empty()) sources.emplace_back(item);
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return sources;
}

// Everything the running daemon holds; lives on RunDaemon's stack.
struct Daemon {
  DaemonOptions options;
  std::string config_path;
  sd_event* loop = nullptr;
  sd_bus* bus = nullptr;
  std::shared_ptr<LoopDispatcher> dispatcher;
  std::unique_ptr<BackgroundPool> pool;
  std::unique_ptr<CoreService> service;
  uint64_t physical_memory = 0;
  uint64_t watchdog_usec = 0;
  bool ready = false;
  bool stopping = false;
  uint64_t drain_deadline_usec = 0;
  sd_event_source* drain_timer = nullptr;
  int exit_code = 0;

  ~Daemon() {
    sd_event_source_disable_unref(drain_timer);
    service.reset();
    if (pool) pool->Shutdown();
    if (dispatcher) dispatcher->Close();
    dispatcher.reset();
    sd_bus_flush_close_unref(bus);
    sd_event_unref(loop);
  }

  void Notify(const std::string& state) { sd_notify(0, state.c_str()); }

  void UpdateStatus() {
    if (!ready || stopping) return;
    const auto loaded = service->models().LoadedNames();
    Notify(fmt::format("STATUS=Serving; {} model(s) loaded{}", loaded.size(),
                       service->models().AnyLoading() ? ", loading" : ""));
  }

  void Fail(const Status& status) {
    Logf(LogLevel::kError, "{}", status.message());
    exit_code = 1;
    sd_event_exit(loop, 1);
  }

  void Preload() {
    for (const std::string& name : service->models().settings().preload) {
      service->models().Acquire(name, false, [name](Result<std::shared_ptr<ModelSlot>> slot) {
        if (!slot.ok()) {
          Logf(LogLevel::kError, "preloading '{}' failed: {}", name, slot.status().message());
        }
      });
    }
  }

  static int OnNameAcquired(sd_bus_message* reply, void* userdata, sd_bus_error*) {
    auto* self = static_cast<Daemon*>(userdata);
    if (const sd_bus_error* error = sd_bus_message_get_error(reply); error != nullptr) {
      self->Fail(Status(StatusCode::kUnavailable,
                        fmt::format("cannot own {} on the bus: {}", ipc::kBusName,
                                    error->message ? error->message : error->name)));
      return 0;
    }
    self->ready = true;
    Logf(LogLevel::kInfo, "serving {} on the {} bus", ipc::kBusName, self->options.bus);
    self->Notify("READY=1");
    self->UpdateStatus();
    self->Preload();
    return 0;
  }

  static int OnSigterm(sd_event_source*, const struct signalfd_siginfo* info, void* userdata) {
    auto* self = static_cast<Daemon*>(userdata);
    self->BeginStop(info->ssi_signo);
    return 0;
  }

  void BeginStop(uint32_t signo) {
    if (stopping) return;
    stopping = true;
    Logf(LogLevel::kInfo, "stopping on {}: draining {} running generation(s)", strsignal(signo),
         service->ActiveGenerations());
    Notify(
        fmt::format("STOPPING=1\nSTATUS=Draining {} generation(s)", service->ActiveGenerations()));
    service->BeginDrain();
    sd_bus_release_name_async(bus, nullptr, ipc::kBusName, nullptr, nullptr);
    uint64_t now = 0;
    sd_event_now(loop, CLOCK_MONOTONIC, &now);
    const auto& timeout = service->models().settings().drain_timeout;
    drain_deadline_usec = timeout ? now + static_cast<uint64_t>(timeout->count()) * 1000
                                  : std::numeric_limits<uint64_t>::max();
    sd_event_add_time_relative(loop, &drain_timer, CLOCK_MONOTONIC, 0, 0, &Daemon::OnDrainTick,
                               this);
  }

  static int OnDrainTick(sd_event_source* source, uint64_t now, void* userdata) {
    auto* self = static_cast<Daemon*>(userdata);
    const size_t active = self->service->ActiveGenerations();
    if (active == 0 || now >= self->drain_deadline_usec) {
      if (active != 0) {
        Logf(LogLevel::kNotice, "ending {} generation(s) still running at the drain timeout",
             active);
      }
      self->service->Shutdown();
      sd_event_exit(self->loop, 0);
      return 0;
    }
    sd_event_source_set_time(source, now + kDrainPollUsec);
    sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
    return 0;
  }

  static int OnSighup(sd_event_source*, const struct signalfd_siginfo*, void* userdata) {
    static_cast<Daemon*>(userdata)->Reload();
    return 0;
  }

  void Reload() {
    if (stopping) return;
    Notify("RELOADING=1\nSTATUS=Reloading the configuration");
    auto config = config::LoadDaemonConfig(config_path);
    if (!config.ok()) {
      Logf(LogLevel::kError, "reload: {}; keeping the previous configuration",
           config.status().message());
      Notify("READY=1");
      UpdateStatus();
      return;
    }
    service->ApplySettings(SettingsFromConfig(*config, physical_memory));
    service->models().Rescan([this] {
      Logf(LogLevel::kInfo, "configuration reloaded and models rescanned");
      Notify("READY=1");
      UpdateStatus();
    });
  }

  static int OnWatchdogTick(sd_event_source* source, uint64_t now, void* userdata) {
    auto* self = static_cast<Daemon*>(userdata);
    const auto max_age = std::chrono::milliseconds(self->watchdog_usec / 2000);
    if (self->service->models().AllWorkersHealthy(max_age)) self->Notify("WATCHDOG=1");
    sd_event_source_set_time(source, now + self->watchdog_usec / 2);
    sd_event_source_set_enabled(source, SD_EVENT_ON);
    return 0;
  }

  static int OnIdleTick(sd_event_source* source, uint64_t now, void* userdata) {
    auto* self = static_cast<Daemon*>(userdata);
    if (!self->stopping) self->service->models().CheckIdle();
    sd_event_source_set_time(source, now + kIdleCheckUsec);
    sd_event_source_set_enabled(source, SD_EVENT_ON);
    return 0;
  }

  Status Start() {
    config_path =
        options.config_path.empty() ? std::string(config::kDefaultConfigPath) : options.config_path;
    LLMCORE_ASSIGN_OR_RETURN(config::DaemonConfig config, config::LoadDaemonConfig(config_path));

    int r = sd_event_default(&loop);
    if (r < 0) return ErrnoStatus(-r, "sd_event_default");
    sigset_t signals;
    sigemptyset(&signals);
    for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, s);
    sigprocmask(SIG_BLOCK, &signals, nullptr);
    sd_event_add_signal(loop, nullptr, SIGTERM, &Daemon::OnSigterm, this);
    sd_event_add_signal(loop, nullptr, SIGINT, &Daemon::OnSigterm, this);
    sd_event_add_signal(loop, nullptr, SIGHUP, &Daemon::OnSighup, this);
    // A client vanishing must never kill the daemon.
    signal(SIGPIPE, SIG_IGN);

    hal::Topology topology;
    if (auto probe = hal::HwlocProbe::ForThisMachine(); probe.ok()) {
      if (auto t = (*probe)->Topology(); t.ok()) {
        topology = std::move(*t);
      } else {
        Logf(LogLevel::kWarning, "hardware topology unavailable: {}", t.status().message());
      }
    } else {
      Logf(LogLevel::kWarning, "hwloc unavailable: {}", probe.status().message());
    }
    physical_memory = PhysicalMemory(topology);
    ServiceSettings settings = SettingsFromConfig(config, physical_memory);

    LLMCORE_ASSIGN_OR_RETURN(
        std::shared_ptr<driver_host::DriverManager> drivers,
        driver_host::DriverManager::Discover(DriverSources(settings.driver_directory)));
    for (const driver_host::DriverSummary& d : drivers->List()) {
      Logf(LogLevel::kInfo, "driver {} {} from {} (score {}, {} devices)", d.name, d.version,
           d.path, d.score, d.devices.size());
    }

    LLMCORE_ASSIGN_OR_RETURN(bus, ConnectBus(options.bus));
    r = sd_bus_attach_event(bus, loop, SD_EVENT_PRIORITY_NORMAL);
    if (r < 0) return ErrnoStatus(-r, "attaching the bus to the event loop");
    LLMCORE_ASSIGN_OR_RETURN(dispatcher, LoopDispatcher::Create(loop));
    pool = std::make_unique<BackgroundPool>(dispatcher, kBackgroundThreads);

    CoreService::Deps deps;
    deps.bus = bus;
    deps.dispatcher = dispatcher;
    deps.pool = pool.get();
    deps.drivers = std::move(drivers);
    deps.topology = std::move(topology);
    deps.cpu_features = hal::CpuFeatures::Detect();
    deps.settings = std::move(settings);
    deps.version = options.version;
    deps.on_progress = [this](const std::string& model, uint64_t done, uint64_t total) {
      const unsigned percent = total ? static_cast<unsigned>(done * 100 / total) : 0;
      Notify(fmt::format("STATUS=Loading {} ({}%)\nEXTEND_TIMEOUT_USEC={}", model, percent,
                         kExtendTimeoutUsec));
    };
    deps.on_models_changed = [this] { UpdateStatus(); };
    LLMCORE_ASSIGN_OR_RETURN(service, CoreService::Create(std::move(deps)));
    r = sd_bus_add_object_manager(bus, nullptr, ipc::kObjectPath);
    if (r < 0) return ErrnoStatus(-r, "adding the object manager");

    if (sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0) {
      sd_event_add_time_relative(loop, nullptr, CLOCK_MONOTONIC, watchdog_usec / 2, 0,
                                 &Daemon::OnWatchdogTick, this);
    }
    sd_event_add_time_relative(loop, nullptr, CLOCK_MONOTONIC, kIdleCheckUsec, 0,
                               &Daemon::OnIdleTick, this);

    Notify("STATUS=Scanning model directories");
    service->models().Rescan([this] {
      const int rr =
          sd_bus_request_name_async(bus, nullptr, ipc::kBusName, 0, &Daemon::OnNameAcquired, this);
      if (rr < 0) Fail(ErrnoStatus(-rr, "requesting the bus name"));
    });
    return Status::Ok();
  }
};

}  // namespace

int RunDaemon(const DaemonOptions& options) {
  Daemon daemon;
  daemon.options = options;
  if (Status s = daemon.Start(); !s.ok()) {
    Logf(LogLevel::kError, "llmcored cannot start: {}", s.message());
    return 1;
  }
  const int r = sd_event_loop(daemon.loop);
  if (r < 0) {
    Logf(LogLevel::kError, "event loop failed: {}", std::strerror(-r));
    return 1;
  }
  Logf(LogLevel::kInfo, "llmcored stopped");
  return daemon.exit_code;
}

}  // namespace llmcore::service
