// Process plumbing for llmcore-bench-ipc: children that cannot outlive the
// benchmark, a control channel between parent and child, the memory in which
// a consumer child hands its measurements back, and the clocks and pacing the
// measurements rely on.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "llmcore/status.h"
#include "llmcore/unique_fd.h"

namespace llmcore::bench {

// CLOCK_MONOTONIC in nanoseconds. Both ends of a transport read it, so the
// difference between the two readings is the delivery latency.
uint64_t MonotonicNs();

// CPU time the calling thread has used, in nanoseconds.
uint64_t ThreadCpuNs();

// Voluntary context switches of the calling process so far: how often it went
// to sleep.
uint64_t VoluntarySwitches();

// A child process. The destructor kills (SIGKILL) and reaps a child that is
// still running, so an early return on any error path leaves nothing behind.
class ChildProcess {
 public:
  ChildProcess() = default;
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  ChildProcess(ChildProcess&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { Kill(); }

  pid_t pid() const { return pid_; }

  // False once the child has exited (it is then reaped).
  bool Running();

  // Waits up to timeout_ms for the child to exit and reaps it; kills it when
  // it does not exit in time. Ok only for exit status 0; otherwise a Status
  // that names `what` and how it ended.
  Status Wait(int timeout_ms, std::string_view what);

  // SIGTERM, up to timeout_ms to exit, then SIGKILL; always reaps.
  void Terminate(int timeout_ms);

 private:
  void Kill();
  bool Reaped(int* wait_status, int options);

  pid_t pid_ = -1;
  int exit_status_ = 0;  // the waitpid status once reaped by Running()
  bool exited_ = false;
};

// Forks a child that runs `body` and exits with its return value (1 if it
// throws); the child never returns into the caller's stack, so no parent-side
// destructor runs twice. The child is killed when the parent dies, so even a
// benchmark killed with SIGKILL leaves no process behind. The child takes the
// default action for SIGINT, SIGTERM and SIGHUP, whatever the parent set.
Result<ChildProcess> ForkChild(const std::function<int()>& body);

// Makes the calling process receive SIGKILL when its parent `parent` dies
// (also used between fork and exec). False when the parent is already gone.
bool DieWithParent(pid_t parent);

// A connected socketpair for short text lines between parent and child: the
// handshake that tells the producer the consumer is ready (and, for D-Bus,
// who the other side is). After the fork each side closes the other's end,
// so a side that dies shows up as end-of-file instead of a hang.
struct ControlPair {
  UniqueFd parent_end;
  UniqueFd child_end;
};
Result<ControlPair> MakeControlPair();

// Writes `line` and a newline.
Status SendLine(int fd, std::string_view line);

// Reads up to a newline (which is dropped), for at most timeout_ms.
Result<std::string> ReadLine(int fd, int timeout_ms, std::string_view what);

// What a consumer measured, in memory the parent reads once the child is
// reaped (the child has no other way to hand back 20,000 numbers cheaply).
struct ConsumerTotals {
  uint64_t received = 0;    // events read, warm-up included
  uint64_t cpu_ns = 0;      // the consumer's CPU time over its whole read loop
  uint64_t sleeps = 0;      // its voluntary context switches over that loop
  uint64_t bad_events = 0;  // events whose payload was not a timestamp
};

// Anonymous MAP_SHARED memory holding ConsumerTotals and one latency per
// event, created before the fork. Move-only; unmapped on destruction.
class ConsumerLog {
 public:
  static Result<ConsumerLog> Create(uint64_t capacity);
  ConsumerLog(ConsumerLog&& other) noexcept;
  ConsumerLog& operator=(ConsumerLog&& other) noexcept;
  ConsumerLog(const ConsumerLog&) = delete;
  ConsumerLog& operator=(const ConsumerLog&) = delete;
  ~ConsumerLog();

  ConsumerTotals& totals() { return *totals_; }
  const ConsumerTotals& totals() const { return *totals_; }
  void Record(uint64_t latency_ns);
  // The latencies recorded so far, in arrival order.
  std::span<const uint64_t> latencies() const;

 private:
  ConsumerLog() = default;
  void Release();

  void* base_ = nullptr;
  size_t bytes_ = 0;
  uint64_t capacity_ = 0;
  ConsumerTotals* totals_ = nullptr;
  uint64_t* latencies_ = nullptr;
};

// Paces a producer at one event every `interval_ns`: WaitForNext sleeps until
// the next slot. A producer that fell behind restarts its schedule from now
// rather than sending a burst, since a burst measures queueing, not latency.
class Pacer {
 public:
  explicit Pacer(uint64_t interval_ns);
  void WaitForNext();

 private:
  uint64_t interval_ns_;
  uint64_t next_ns_ = 0;
};

// The producer's CPU time inside its send calls, for the measured events
// only: the pacing sleeps between them are left out, and so is the cost of
// reading the thread CPU clock itself (a system call, calibrated once).
class SendCpuMeter {
 public:
  SendCpuMeter();
  uint64_t Start() const { return ThreadCpuNs(); }
  // Adds the CPU time since `start_ns` when `measured` (a warm-up event's
  // sends are not).
  void Stop(uint64_t start_ns, bool measured);
  // Per event over `events` measured events (retried sends included).
  double PerEventNs(uint64_t events) const;

 private:
  uint64_t clock_cost_ns_ = 0;
  uint64_t total_ns_ = 0;
};

}  // namespace llmcore::bench
