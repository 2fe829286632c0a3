// The two token transports llmcore-bench-ipc compares. Each run starts a
// producer (this process, playing llmcored) and a consumer (a forked child,
// playing a client), sends config.total() TOKEN events paced config.interval
// apart, and returns what both sides measured.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench_ipc_process.h"
#include "llmcore/status.h"

namespace llmcore::bench {

struct BenchConfig {
  uint64_t events = 20000;     // measured events
  uint64_t warmup = 500;       // sent first and discarded: page faults, caches, lazy setup
  uint64_t interval_us = 100;  // producer pacing: one event every interval_us
  int timeout_ms = 10000;      // the longest either side waits for the other
  uint64_t total() const { return events + warmup; }
};

struct TransportResult {
  std::vector<uint64_t> latencies_ns;    // measured events, in arrival order
  double producer_cpu_ns = 0;            // per measured event, inside the send calls
  double consumer_cpu_ns = 0;            // per event, over the consumer's whole read loop
  uint64_t consumer_sleeps = 0;          // voluntary context switches of the consumer
  std::optional<uint64_t> wakeups_sent;  // ring: eventfd signals the producer sent
  std::optional<double> broker_cpu_ns;   // D-Bus: dbus-daemon CPU per event, when readable
};

// The event stream through a session ring (ipc/RING.md) with its eventfd
// wake-up protocol.
Result<TransportResult> RunRingBenchmark(const BenchConfig& config);

// The same stream as the daemon's unicast Token signals through a private
// dbus-daemon.
Result<TransportResult> RunDbusBenchmark(const BenchConfig& config);

// The piece of a benchmark TOKEN: the producer's CLOCK_MONOTONIC reading in
// decimal, a short ASCII string like a real token piece (and valid UTF-8, which
// both transports require).
std::string FormatTimestamp(uint64_t monotonic_ns);

// Consumer side: logs now_ns minus the timestamp in `piece`; a piece that is no
// timestamp counts as a bad event.
void RecordArrival(ConsumerLog& log, uint64_t now_ns, std::string_view piece);

// Shared by both runs: turns what the consumer logged into a result, checking
// that every event arrived with a readable timestamp.
Result<TransportResult> CollectConsumerLog(const BenchConfig& config, const ConsumerLog& log,
                                           const char* transport);

}  // namespace llmcore::bench
