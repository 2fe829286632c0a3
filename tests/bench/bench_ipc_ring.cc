// The ring run of llmcore-bench-ipc: this process plays llmcored (it creates
// the segment and the eventfds and writes TOKEN events), a forked child plays
// libllmcore (it maps the segment from an fd of its own and reads, sleeping
// on the eventfd whenever the ring is empty).

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "bench_ipc_transport.h"
#include "llmcore/ipc/eventfd.h"
#include "llmcore/ipc/ring.h"
#include "llmcore/ipc/ring_memory.h"

namespace llmcore::bench {
namespace {

constexpr uint64_t kRequestId = 1;        // any non-zero id: the ring refuses 0
constexpr uint64_t kFullRetryNs = 20000;  // how long the producer backs off from a full ring

Status ReadEvents(ipc::EventReader& reader, int wake_fd, const BenchConfig& config,
                  ConsumerLog& log) {
  while (log.totals().received < config.total()) {
    LLMCORE_ASSIGN_OR_RETURN(std::optional<ipc::EventMessage> event, reader.Read());
    if (!event) {
      // The real client's wait: set the waiting flag, re-check the head, and
      // only then sleep until the producer signals.
      LLMCORE_ASSIGN_OR_RETURN(const bool woken, reader.Wait(wake_fd, config.timeout_ms));
      if (!woken) {
        return Status(StatusCode::kUnavailable,
                      "no event within " + std::to_string(config.timeout_ms) + " ms");
      }
      continue;
    }
    const uint64_t now = MonotonicNs();
    const auto* token = std::get_if<ipc::TokenEvent>(&*event);
    RecordArrival(log, now, token != nullptr ? std::string_view(token->piece) : "");
  }
  return Status::Ok();
}

// The child. `memory_fd` stands for the fd libllmcore receives over D-Bus: it
// maps its own duplicate, with all of Map's checks, as the client does.
int ConsumeRing(int memory_fd, int wake_fd, int control_fd, const BenchConfig& config,
                ConsumerLog& log) {
  Result<ipc::RingMemory> memory = ipc::RingMemory::Map(UniqueFd(dup(memory_fd)));
  if (!memory.ok()) {
    std::fprintf(stderr, "ring consumer: %s\n", memory.status().ToString().c_str());
    return 1;
  }
  ipc::EventReader reader(memory->events());
  if (!SendLine(control_fd, "ready").ok()) return 1;
  const uint64_t cpu_start = ThreadCpuNs();
  const uint64_t sleeps_start = VoluntarySwitches();
  const Status status = ReadEvents(reader, wake_fd, config, log);
  log.totals().cpu_ns = ThreadCpuNs() - cpu_start;
  log.totals().sleeps = VoluntarySwitches() - sleeps_start;
  if (!status.ok()) {
    std::fprintf(stderr, "ring consumer: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}

// Writes one TOKEN, stamped just before Write(). A full ring is what the daemon
// meets when a client is slow: it holds the token back and retries; so do we,
// after a short sleep, giving up when the consumer died or stays stuck.
Status WriteToken(ipc::EventWriter& writer, uint64_t index, const BenchConfig& config,
                  ChildProcess& consumer, SendCpuMeter& meter) {
  const bool measured = index >= config.warmup;
  const uint64_t give_up_ns = MonotonicNs() + static_cast<uint64_t>(config.timeout_ms) * 1000000u;
  for (;;) {
    const uint64_t cpu = meter.Start();
    ipc::TokenEvent token{kRequestId, static_cast<uint32_t>(index), FormatTimestamp(MonotonicNs())};
    const Result<ipc::WriteOutcome> outcome = writer.Write(std::move(token));
    meter.Stop(cpu, measured);
    if (!outcome.ok()) return outcome.status().WithContext("ring producer");
    if (*outcome == ipc::WriteOutcome::kWritten) return Status::Ok();
    if (!consumer.Running()) {
      return Status(StatusCode::kUnavailable, "ring producer: the consumer exited early");
    }
    if (MonotonicNs() > give_up_ns) {
      return Status(StatusCode::kUnavailable, "ring producer: the ring stayed full for " +
                                                  std::to_string(config.timeout_ms) + " ms");
    }
    const timespec pause{0, static_cast<long>(kFullRetryNs)};
    nanosleep(&pause, nullptr);
  }
}

Status ProduceRing(ipc::EventWriter& writer, const BenchConfig& config, ChildProcess& consumer,
                   SendCpuMeter& meter) {
  Pacer pacer(config.interval_us * 1000);
  for (uint64_t i = 0; i < config.total(); ++i) {
    pacer.WaitForNext();
    LLMCORE_RETURN_IF_ERROR(WriteToken(writer, i, config, consumer, meter));
  }
  return Status::Ok();
}

}  // namespace

Result<TransportResult> RunRingBenchmark(const BenchConfig& config) {
  LLMCORE_ASSIGN_OR_RETURN(ipc::RingMemory memory, ipc::RingMemory::Create());
  // A session has one eventfd per ring, as the daemon creates them; only the
  // event ring's carries wake-ups in this run.
  LLMCORE_ASSIGN_OR_RETURN(UniqueFd request_wake, ipc::CreateEventFd());
  LLMCORE_ASSIGN_OR_RETURN(UniqueFd event_wake, ipc::CreateEventFd());
  LLMCORE_ASSIGN_OR_RETURN(ConsumerLog log, ConsumerLog::Create(config.total()));
  LLMCORE_ASSIGN_OR_RETURN(ControlPair control, MakeControlPair());

  LLMCORE_ASSIGN_OR_RETURN(ChildProcess consumer, ForkChild([&] {
                             control.parent_end.Reset();
                             return ConsumeRing(memory.fd(), event_wake.get(),
                                                control.child_end.get(), config, log);
                           }));
  control.child_end.Reset();
  LLMCORE_ASSIGN_OR_RETURN(
      const std::string ready,
      ReadLine(control.parent_end.get(), config.timeout_ms, "the ring consumer"));
  if (ready != "ready") {
    return Status(StatusCode::kInternal, "the ring consumer answered \"" + ready + "\"");
  }

  ipc::EventWriter writer(memory.events(), event_wake.get());
  SendCpuMeter meter;
  LLMCORE_RETURN_IF_ERROR(ProduceRing(writer, config, consumer, meter));
  LLMCORE_RETURN_IF_ERROR(consumer.Wait(config.timeout_ms, "the ring consumer"));

  LLMCORE_ASSIGN_OR_RETURN(TransportResult result, CollectConsumerLog(config, log, "ring"));
  result.producer_cpu_ns = meter.PerEventNs(config.events);
  result.wakeups_sent = writer.producer().wakeups_sent();
  return result;
}

}  // namespace llmcore::bench
