// The D-Bus run of llmcore-bench-ipc: a private dbus-daemon, this process
// playing llmcored (it owns a name and sends each token as the daemon's
// unicast Token signal), and a forked child playing a D-Bus client (it matches
// the signal and reads in an sd_bus_process / sd_bus_wait loop).

#include <fcntl.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

#include "bench_ipc_transport.h"
#include "llmcore/ipc/bus_connect.h"
#include "llmcore/ipc/dbus_names.h"

namespace llmcore::bench {
namespace {

constexpr char kProducerName[] = "org.llmcore.BenchIpc";
// A path shaped like the daemon's session objects.
constexpr char kSessionPath[] = "/org/llmcore/Core1/session/1";
constexpr uint64_t kRequestId = 1;

struct BusUnref {
  void operator()(sd_bus* bus) const { sd_bus_flush_close_unref(bus); }
};
using BusPtr = std::unique_ptr<sd_bus, BusUnref>;

Status BusStatus(int r, const std::string& what) {
  return ErrnoStatus(-r, what);
}

Result<BusPtr> Connect(const std::string& address) {
  sd_bus* bus = nullptr;
  const int r = ipc::OpenBusAtAddress(address.c_str(), &bus);
  if (r < 0) return BusStatus(r, "connecting to the private bus at " + address);
  return BusPtr(bus);
}

// Ctrl-C or SIGTERM in the middle of a run: the children die with this
// process (DieWithParent), but the bus socket and its directory would stay in
// /tmp. The handler removes both (unlink and rmdir are async-signal-safe),
// then dies of the same signal.
volatile sig_atomic_t g_bus_files_set = 0;
char g_bus_socket[128];
char g_bus_dir[128];

void RemoveBusFilesAndDie(int signal_number) {
  if (g_bus_files_set != 0) {
    unlink(g_bus_socket);
    rmdir(g_bus_dir);
  }
  signal(signal_number, SIG_DFL);
  raise(signal_number);
}

void RemoveBusFilesOnSignals(const std::string& socket, const std::string& dir) {
  std::snprintf(g_bus_socket, sizeof g_bus_socket, "%s", socket.c_str());
  std::snprintf(g_bus_dir, sizeof g_bus_dir, "%s", dir.c_str());
  g_bus_files_set = 1;
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction action {};
    action.sa_handler = RemoveBusFilesAndDie;
    sigaction(signal_number, &action, nullptr);
  }
}

// A dbus-daemon with the stock session configuration, listening in a
// directory of its own. Terminated, reaped and its directory removed when this
// object goes, whatever path that happens on.
class PrivateBus {
 public:
  PrivateBus() = default;
  PrivateBus(const PrivateBus&) = delete;
  PrivateBus& operator=(const PrivateBus&) = delete;
  ~PrivateBus() {
    daemon_.Terminate(2000);
    g_bus_files_set = 0;
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  Status Start(int timeout_ms);
  const std::string& address() const { return address_; }
  pid_t pid() const { return daemon_.pid(); }

 private:
  std::string dir_;
  std::string address_;
  ChildProcess daemon_;
};

Status PrivateBus::Start(int timeout_ms) {
  char pattern[] = "/tmp/llmcore-bench-ipc-XXXXXX";
  if (mkdtemp(pattern) == nullptr) return ErrnoStatus(errno, "mkdtemp");
  dir_ = pattern;
  // A fixed socket name (not unix:dir=) so that the signal handler knows it.
  const std::string socket = dir_ + "/bus";
  RemoveBusFilesOnSignals(socket, dir_);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return ErrnoStatus(errno, "pipe2");
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  // Built before the fork: the child only execs.
  const std::string print_address = "--print-address=" + std::to_string(write_end.get());
  const std::string listen = "--address=unix:path=" + socket;
  LLMCORE_ASSIGN_OR_RETURN(
      daemon_, ForkChild([&] {
        fcntl(write_end.get(), F_SETFD, 0);  // keep it across exec
        execlp("dbus-daemon", "dbus-daemon", "--session", "--nofork", print_address.c_str(),
               listen.c_str(), static_cast<char*>(nullptr));
        std::fprintf(stderr, "cannot run dbus-daemon: %s\n", std::strerror(errno));
        return 127;
      }));
  write_end.Reset();  // so that a dbus-daemon that dies shows up as end-of-file
  Result<std::string> address = ReadLine(read_end.get(), timeout_ms, "dbus-daemon");
  if (!address.ok() || address->empty()) {
    return Status(StatusCode::kUnavailable, "the private dbus-daemon printed no address (" +
                                                address.status().ToString() + ")");
  }
  address_ = *address;
  return Status::Ok();
}

// The CPU time `pid` has used, in nanoseconds (/proc/PID/schedstat), or
// nullopt where the kernel does not provide it.
std::optional<uint64_t> ProcessCpuNs(pid_t pid) {
  std::ifstream schedstat("/proc/" + std::to_string(pid) + "/schedstat");
  uint64_t on_cpu_ns = 0;
  if (!(schedstat >> on_cpu_ns)) return std::nullopt;
  return on_cpu_ns;
}

int OnToken(sd_bus_message* message, void* userdata, sd_bus_error*) {
  const uint64_t now = MonotonicNs();
  uint64_t request = 0;
  const char* piece = "";
  uint32_t token = 0;
  if (sd_bus_message_read(message, "tsu", &request, &piece, &token) < 0) piece = "";
  RecordArrival(*static_cast<ConsumerLog*>(userdata), now, piece);
  return 0;
}

// The client's loop: dispatch what is queued, sleep on the socket otherwise.
Status ReadSignals(sd_bus* bus, const BenchConfig& config, ConsumerLog& log) {
  const uint64_t timeout_us = static_cast<uint64_t>(config.timeout_ms) * 1000u;
  while (log.totals().received < config.total()) {
    int r = sd_bus_process(bus, nullptr);
    if (r < 0) return BusStatus(r, "sd_bus_process");
    if (r > 0) continue;
    r = sd_bus_wait(bus, timeout_us);
    if (r < 0) return BusStatus(r, "sd_bus_wait");
    if (r == 0) {
      return Status(StatusCode::kUnavailable,
                    "no signal within " + std::to_string(config.timeout_ms) + " ms");
    }
  }
  return Status::Ok();
}

// Learns the producer's unique name, subscribes to its Token signals (the
// AddMatch call returns once the bus has the rule), then tells the producer
// its own unique name: from then on, nothing it sends can be missed.
Status SubscribeAndAnnounce(sd_bus* bus, int control_fd, const BenchConfig& config,
                            ConsumerLog& log) {
  LLMCORE_ASSIGN_OR_RETURN(const std::string producer,
                           ReadLine(control_fd, config.timeout_ms, "the D-Bus producer"));
  int r = sd_bus_match_signal(bus, nullptr, producer.c_str(), kSessionPath, ipc::kSessionInterface,
                              "Token", OnToken, &log);
  if (r < 0) return BusStatus(r, "matching the Token signal");
  const char* unique = nullptr;
  r = sd_bus_get_unique_name(bus, &unique);
  if (r < 0) return BusStatus(r, "sd_bus_get_unique_name");
  return SendLine(control_fd, unique);
}

Status ConsumeDbusSignals(const std::string& address, int control_fd, const BenchConfig& config,
                          ConsumerLog& log) {
  LLMCORE_ASSIGN_OR_RETURN(BusPtr bus, Connect(address));
  LLMCORE_RETURN_IF_ERROR(SubscribeAndAnnounce(bus.get(), control_fd, config, log));
  const uint64_t cpu_start = ThreadCpuNs();
  const uint64_t sleeps_start = VoluntarySwitches();
  const Status status = ReadSignals(bus.get(), config, log);
  log.totals().cpu_ns = ThreadCpuNs() - cpu_start;
  log.totals().sleeps = VoluntarySwitches() - sleeps_start;
  return status;
}

// The child.
int ConsumeDbus(const std::string& address, int control_fd, const BenchConfig& config,
                ConsumerLog& log) {
  const Status status = ConsumeDbusSignals(address, control_fd, config, log);
  if (status.ok()) return 0;
  std::fprintf(stderr, "D-Bus consumer: %s\n", status.ToString().c_str());
  return 1;
}

// One Token signal built and sent as CoreService::EmitToken does, stamped just
// before it is built.
int SendToken(sd_bus* bus, const char* destination, uint32_t token_id) {
  const std::string piece = FormatTimestamp(MonotonicNs());
  sd_bus_message* signal = nullptr;
  int r = sd_bus_message_new_signal(bus, &signal, kSessionPath, ipc::kSessionInterface, "Token");
  if (r >= 0) r = sd_bus_message_set_destination(signal, destination);
  if (r >= 0) r = sd_bus_message_append(signal, "tsu", kRequestId, piece.c_str(), token_id);
  if (r >= 0) r = sd_bus_send(bus, signal, nullptr);
  sd_bus_message_unref(signal);
  return r;
}

Status ProduceDbus(sd_bus* bus, const std::string& consumer, const BenchConfig& config,
                   SendCpuMeter& meter) {
  Pacer pacer(config.interval_us * 1000);
  for (uint64_t i = 0; i < config.total(); ++i) {
    pacer.WaitForNext();
    const uint64_t cpu = meter.Start();
    const int r = SendToken(bus, consumer.c_str(), static_cast<uint32_t>(i));
    meter.Stop(cpu, i >= config.warmup);
    if (r < 0) return BusStatus(r, "sending a Token signal");
  }
  // sd_bus_send queues what the socket does not take at once; push it out.
  const uint64_t cpu = meter.Start();
  const int r = sd_bus_flush(bus);
  meter.Stop(cpu, true);
  if (r < 0) return BusStatus(r, "sd_bus_flush");
  return Status::Ok();
}

// Owns the producer's name and trades unique names with the consumer.
Result<std::string> SetUpProducer(sd_bus* bus, int control_fd, const BenchConfig& config) {
  int r = sd_bus_request_name(bus, kProducerName, 0);
  if (r < 0) return BusStatus(r, std::string("requesting ") + kProducerName);
  const char* unique = nullptr;
  r = sd_bus_get_unique_name(bus, &unique);
  if (r < 0) return BusStatus(r, "sd_bus_get_unique_name");
  LLMCORE_RETURN_IF_ERROR(SendLine(control_fd, unique));
  return ReadLine(control_fd, config.timeout_ms, "the D-Bus consumer");
}

}  // namespace

Result<TransportResult> RunDbusBenchmark(const BenchConfig& config) {
  PrivateBus daemon;
  LLMCORE_RETURN_IF_ERROR(daemon.Start(config.timeout_ms));
  LLMCORE_ASSIGN_OR_RETURN(ConsumerLog log, ConsumerLog::Create(config.total()));
  LLMCORE_ASSIGN_OR_RETURN(ControlPair control, MakeControlPair());

  // Forked before this process opens its own connection: an sd-bus
  // connection must not cross a fork.
  LLMCORE_ASSIGN_OR_RETURN(ChildProcess consumer, ForkChild([&] {
                             control.parent_end.Reset();
                             return ConsumeDbus(daemon.address(), control.child_end.get(), config,
                                                log);
                           }));
  control.child_end.Reset();

  LLMCORE_ASSIGN_OR_RETURN(BusPtr bus, Connect(daemon.address()));
  LLMCORE_ASSIGN_OR_RETURN(const std::string consumer_name,
                           SetUpProducer(bus.get(), control.parent_end.get(), config));

  const std::optional<uint64_t> broker_start = ProcessCpuNs(daemon.pid());
  SendCpuMeter meter;
  LLMCORE_RETURN_IF_ERROR(ProduceDbus(bus.get(), consumer_name, config, meter));
  LLMCORE_RETURN_IF_ERROR(consumer.Wait(config.timeout_ms, "the D-Bus consumer"));
  const std::optional<uint64_t> broker_end = ProcessCpuNs(daemon.pid());

  LLMCORE_ASSIGN_OR_RETURN(TransportResult result, CollectConsumerLog(config, log, "D-Bus"));
  result.producer_cpu_ns = meter.PerEventNs(config.events);
  if (broker_start && broker_end) {
    result.broker_cpu_ns =
        static_cast<double>(*broker_end - *broker_start) / static_cast<double>(config.total());
  }
  return result;
}

}  // namespace llmcore::bench
