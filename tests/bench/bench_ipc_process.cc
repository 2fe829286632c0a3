#include "bench_ipc_process.h"

#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <exception>
#include <new>
#include <vector>

namespace llmcore::bench {
namespace {

uint64_t ClockNs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

void SleepNs(uint64_t ns) {
  timespec ts{static_cast<time_t>(ns / 1000000000u), static_cast<long>(ns % 1000000000u)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

std::string DescribeExit(int wait_status) {
  if (WIFEXITED(wait_status))
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status))
    return "was killed by signal " + std::to_string(WTERMSIG(wait_status));
  return "stopped unexpectedly";
}

}  // namespace

uint64_t MonotonicNs() {
  return ClockNs(CLOCK_MONOTONIC);
}

uint64_t ThreadCpuNs() {
  return ClockNs(CLOCK_THREAD_CPUTIME_ID);
}

uint64_t VoluntarySwitches() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_nvcsw);
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    Kill();
    pid_ = std::exchange(other.pid_, -1);
    exit_status_ = other.exit_status_;
    exited_ = std::exchange(other.exited_, false);
  }
  return *this;
}

bool ChildProcess::Reaped(int* wait_status, int options) {
  if (pid_ <= 0) return true;
  if (exited_) {
    *wait_status = exit_status_;
    return true;
  }
  pid_t r;
  do {
    r = waitpid(pid_, wait_status, options);
  } while (r < 0 && errno == EINTR);
  // ECHILD: someone else reaped it; treat it as gone rather than spin.
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    exited_ = true;
    exit_status_ = r == pid_ ? *wait_status : 0;
    return true;
  }
  return false;
}

bool ChildProcess::Running() {
  int status = 0;
  return !Reaped(&status, WNOHANG);
}

Status ChildProcess::Wait(int timeout_ms, std::string_view what) {
  int status = 0;
  const uint64_t deadline = MonotonicNs() + static_cast<uint64_t>(timeout_ms) * 1000000u;
  while (!Reaped(&status, WNOHANG)) {
    if (MonotonicNs() > deadline) {
      Kill();
      return Status(StatusCode::kInternal, std::string(what) + " did not exit within " +
                                               std::to_string(timeout_ms) + " ms; killed it");
    }
    SleepNs(1000000);
  }
  pid_ = -1;
  exited_ = false;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  return Status(StatusCode::kInternal, std::string(what) + " " + DescribeExit(status));
}

void ChildProcess::Terminate(int timeout_ms) {
  if (pid_ <= 0) return;
  if (!exited_) kill(pid_, SIGTERM);
  (void)Wait(timeout_ms, "child");  // kills and reaps when SIGTERM was not enough
}

void ChildProcess::Kill() {
  if (pid_ <= 0) return;
  int status = 0;
  if (!exited_) {
    kill(pid_, SIGKILL);
    Reaped(&status, 0);
  }
  pid_ = -1;
  exited_ = false;
}

bool DieWithParent(pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The parent may have died before prctl took effect: then no signal comes.
  return getppid() == parent;
}

Result<ChildProcess> ForkChild(const std::function<int()>& body) {
  const pid_t parent = getpid();
  // Buffered output would otherwise be written twice, once by each process.
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) return ErrnoStatus(errno, "fork");
  if (pid > 0) return ChildProcess(pid);
  // The parent's handlers clean up after the parent; a child simply dies.
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) signal(signal_number, SIG_DFL);
  int rc = 1;
  if (DieWithParent(parent)) {
    try {
      rc = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "llmcore-bench-ipc: child: %s\n", e.what());
    }
  }
  std::fflush(stderr);
  _exit(rc);
}

Result<ControlPair> MakeControlPair() {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return ErrnoStatus(errno, "socketpair");
  }
  return ControlPair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Status SendLine(int fd, std::string_view line) {
  std::string text(line);
  text.push_back('\n');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "writing to the control socket");
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Result<std::string> ReadLine(int fd, int timeout_ms, std::string_view what) {
  std::string line;
  const uint64_t deadline = MonotonicNs() + static_cast<uint64_t>(timeout_ms) * 1000000u;
  for (;;) {
    const uint64_t now = MonotonicNs();
    if (now >= deadline) {
      return Status(StatusCode::kUnavailable, "no answer from " + std::string(what) + " within " +
                                                  std::to_string(timeout_ms) + " ms");
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>((deadline - now + 999999) / 1000000));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return ErrnoStatus(errno, "poll on the control socket");
    if (ready == 0) continue;
    char c;
    const ssize_t n = read(fd, &c, 1);  // lines are short: byte by byte is fine
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "reading the control socket");
    if (n == 0) {
      return Status(StatusCode::kUnavailable, std::string(what) + " went away");
    }
    if (c == '\n') return line;
    line.push_back(c);
  }
}

Result<ConsumerLog> ConsumerLog::Create(uint64_t capacity) {
  ConsumerLog log;
  log.capacity_ = capacity;
  log.bytes_ = sizeof(ConsumerTotals) + capacity * sizeof(uint64_t);
  void* base = mmap(nullptr, log.bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) return ErrnoStatus(errno, "mmap of the consumer log");
  log.base_ = base;
  log.totals_ = new (base) ConsumerTotals();
  log.latencies_ = reinterpret_cast<uint64_t*>(static_cast<char*>(base) + sizeof(ConsumerTotals));
  return log;
}

ConsumerLog::ConsumerLog(ConsumerLog&& other) noexcept {
  *this = std::move(other);
}

ConsumerLog& ConsumerLog::operator=(ConsumerLog&& other) noexcept {
  if (this != &other) {
    Release();
    base_ = std::exchange(other.base_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
    totals_ = std::exchange(other.totals_, nullptr);
    latencies_ = std::exchange(other.latencies_, nullptr);
  }
  return *this;
}

ConsumerLog::~ConsumerLog() {
  Release();
}

void ConsumerLog::Release() {
  if (base_ != nullptr) munmap(base_, bytes_);
  base_ = nullptr;
}

void ConsumerLog::Record(uint64_t latency_ns) {
  if (totals_->received < capacity_) latencies_[totals_->received] = latency_ns;
  ++totals_->received;
}

std::span<const uint64_t> ConsumerLog::latencies() const {
  return {latencies_, static_cast<size_t>(std::min(totals_->received, capacity_))};
}

Pacer::Pacer(uint64_t interval_ns) : interval_ns_(interval_ns) {
  // The default timer slack (50 µs) would stretch every pacing sleep by up to
  // that much; the interval asked for is the one we want.
  prctl(PR_SET_TIMERSLACK, 1UL);
}

void Pacer::WaitForNext() {
  const uint64_t now = MonotonicNs();
  if (next_ns_ > now) {
    timespec at{static_cast<time_t>(next_ns_ / 1000000000u),
                static_cast<long>(next_ns_ % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr) == EINTR) {
    }
  } else {
    next_ns_ = now;  // first event, or late: go now, and count the next slot from here
  }
  next_ns_ += interval_ns_;
}

SendCpuMeter::SendCpuMeter() {
  // The median of many empty measurements: what one Start/Stop pair costs.
  std::vector<uint64_t> samples(2001);
  for (uint64_t& sample : samples) {
    const uint64_t start = ThreadCpuNs();
    sample = ThreadCpuNs() - start;
  }
  std::nth_element(samples.begin(), samples.begin() + samples.size() / 2, samples.end());
  clock_cost_ns_ = samples[samples.size() / 2];
}

void SendCpuMeter::Stop(uint64_t start_ns, bool measured) {
  const uint64_t used = ThreadCpuNs() - start_ns;
  if (!measured) return;
  total_ns_ += used > clock_cost_ns_ ? used - clock_cost_ns_ : 0;
}

double SendCpuMeter::PerEventNs(uint64_t events) const {
  return events == 0 ? 0.0 : static_cast<double>(total_ns_) / static_cast<double>(events);
}

}  // namespace llmcore::bench
