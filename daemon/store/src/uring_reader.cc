// The io_uring reader: keeps up to queue_depth reads in flight on one ring.
//
// Every read has a slot (its request and how much of it is done); a slot's
// index is the read's user_data. A slot holds at most one read, so the
// submission queue (queue_depth entries) can never be full when a slot
// prepares one. `queued_` counts reads prepared but not yet taken by the
// kernel, `in_kernel_` those taken and not yet completed; ReadAll returns only
// when in_kernel_ is zero, so no read can write into memory the caller frees.
#include <liburing.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "llmcore/log.h"
#include "llmcore/store/io_backend.h"
#include "read_result.h"

namespace llmcore::store {
namespace {

using internal::ApplyReadResult;
using internal::NextReadLength;
using internal::ReadStep;

constexpr uint32_t kMaxQueueDepth = 4096;
// Waiting for completions that are already in the kernel can only fail in
// ways that go away (EINTR, EAGAIN); if one persists this long we give up on
// the ring rather than spin forever.
constexpr int kMaxWaitFailures = 10000;

Status SetupStatus(int err) {
  std::string what = std::string("io_uring_setup: ") + std::strerror(err);
  switch (err) {
    case ENOSYS: return Status(StatusCode::kUnavailable, what);
    case EPERM:
    case EACCES: return Status(StatusCode::kPermissionDenied, what);
    case ENOMEM: return Status(StatusCode::kResourceExhausted, what);
    default: return Status(StatusCode::kUnavailable, what);
  }
}

class UringReader final : public FileReader {
 public:
  UringReader(uint32_t depth, ReadResultFilter filter)
      : depth_(depth), filter_(std::move(filter)) {}
  ~UringReader() override {
    if (initialized_) io_uring_queue_exit(&ring_);
  }
  UringReader(const UringReader&) = delete;
  UringReader& operator=(const UringReader&) = delete;

  Status Init() {
    int ret = io_uring_queue_init(depth_, &ring_, 0);
    if (ret < 0) return SetupStatus(-ret);
    initialized_ = true;
    return Status::Ok();
  }

  IoMethod method() const override { return IoMethod::kIoUring; }

  Status ReadAll(std::span<const ReadRequest> requests, const ReadCallbacks& callbacks) override;

 private:
  struct Slot {
    size_t request = 0;
    uint64_t done = 0;
  };

  void Prepare(std::span<const ReadRequest> requests, uint32_t slot);
  void Fail(Status status);
  // Hands prepared reads to the kernel and waits for at least one completion.
  void SubmitAndWait();
  // Processes every available completion.
  void Reap(std::span<const ReadRequest> requests, const ReadCallbacks& callbacks);

  uint32_t depth_;
  ReadResultFilter filter_;
  io_uring ring_{};
  bool initialized_ = false;

  // State of one ReadAll() call.
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  uint32_t queued_ = 0;
  uint32_t in_kernel_ = 0;
  bool stopping_ = false;
  Status error_;
};

void UringReader::Prepare(std::span<const ReadRequest> requests, uint32_t slot) {
  const Slot& s = slots_[slot];
  const ReadRequest& request = requests[s.request];
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe == nullptr) {
    // Each slot owns at most one entry of the depth_-long queue, so this is a
    // broken invariant; stop cleanly all the same.
    Fail(Status(StatusCode::kInternal, "io_uring submission queue full"));
    free_slots_.push_back(slot);
    return;
  }
  io_uring_prep_read(sqe, request.fd, request.dst.data() + s.done,
                     static_cast<unsigned>(NextReadLength(request, s.done)),
                     request.offset + s.done);
  io_uring_sqe_set_data64(sqe, slot);
  ++queued_;
}

void UringReader::Fail(Status status) {
  if (!stopping_) error_ = std::move(status);
  stopping_ = true;
}

void UringReader::SubmitAndWait() {
  if (queued_ > 0) {
    int ret = io_uring_submit_and_wait(&ring_, 1);
    if (ret >= 0) {
      uint32_t taken = static_cast<uint32_t>(ret) < queued_ ? static_cast<uint32_t>(ret) : queued_;
      queued_ -= taken;
      in_kernel_ += taken;
      return;
    }
    if (ret == -EINTR || ret == -EAGAIN || ret == -EBUSY) {
      // Nothing lost: the reads stay queued and go with the next attempt,
      // after a completion has freed kernel resources if any are in flight.
      if (in_kernel_ == 0 && ret != -EINTR) {
        timespec pause{0, 1000000};
        nanosleep(&pause, nullptr);
      }
      if (in_kernel_ == 0) return;
    } else {
      // The kernel took none of the queued reads and never will: the ring is
      // torn down before anyone submits again.
      Fail(Status(StatusCode::kIoError, std::string("io_uring_enter: ") + std::strerror(-ret)));
      queued_ = 0;
      if (in_kernel_ == 0) return;
    }
  }
  for (int failures = 0; in_kernel_ > 0;) {
    io_uring_cqe* cqe = nullptr;
    int ret = io_uring_wait_cqe(&ring_, &cqe);
    if (ret == 0) return;
    if (++failures >= kMaxWaitFailures) {
      Log(LogLevel::kError, "store: io_uring completions lost; abandoning the ring");
      Fail(Status(StatusCode::kIoError, std::string("io_uring wait: ") + std::strerror(-ret)));
      in_kernel_ = 0;
      return;
    }
  }
}

void UringReader::Reap(std::span<const ReadRequest> requests, const ReadCallbacks& callbacks) {
  io_uring_cqe* cqe = nullptr;
  while (in_kernel_ > 0 && io_uring_peek_cqe(&ring_, &cqe) == 0) {
    uint32_t slot = static_cast<uint32_t>(io_uring_cqe_get_data64(cqe));
    int64_t result = cqe->res;
    io_uring_cqe_seen(&ring_, cqe);
    --in_kernel_;
    if (slot >= slots_.size()) {
      Fail(Status(StatusCode::kInternal, "io_uring completion for an unknown read"));
      continue;
    }
    Slot& s = slots_[slot];
    const ReadRequest& request = requests[s.request];
    if (filter_) result = filter_(request, s.done, result);
    if (stopping_) {
      free_slots_.push_back(slot);
      continue;
    }
    auto step = ApplyReadResult(request, result, &s.done);
    if (!step.ok()) {
      Fail(step.status());
      free_slots_.push_back(slot);
      continue;
    }
    if (*step == ReadStep::kTransferred && callbacks.on_done) {
      callbacks.on_done(static_cast<uint64_t>(result));
    }
    if (s.done < request.dst.size()) {
      Prepare(requests, slot);  // the remainder of a short read, or a retry
    } else {
      free_slots_.push_back(slot);
    }
  }
}

Status UringReader::ReadAll(std::span<const ReadRequest> requests, const ReadCallbacks& callbacks) {
  slots_.assign(depth_, Slot{});
  free_slots_.clear();
  for (uint32_t i = depth_; i > 0; --i) free_slots_.push_back(i - 1);
  queued_ = 0;
  in_kernel_ = 0;
  stopping_ = false;
  error_ = Status::Ok();

  size_t next = 0;
  while (true) {
    while (!stopping_ && !free_slots_.empty() && next < requests.size()) {
      if (callbacks.cancelled && callbacks.cancelled()) {
        Fail(internal::CancelledStatus());
        break;
      }
      if (callbacks.before_submit) {
        Status status = callbacks.before_submit(requests[next]);
        if (!status.ok()) {
          Fail(std::move(status));
          break;
        }
      }
      uint32_t slot = free_slots_.back();
      free_slots_.pop_back();
      slots_[slot] = Slot{next++, 0};
      Prepare(requests, slot);
    }
    if (queued_ == 0 && in_kernel_ == 0) break;
    SubmitAndWait();
    Reap(requests, callbacks);
  }
  return error_;
}

}  // namespace

Result<std::unique_ptr<FileReader>> OpenIoUringReader(const IoOptions& options,
                                                      ReadResultFilter filter) {
  uint32_t depth = options.queue_depth;
  if (depth == 0 || depth > kMaxQueueDepth) {
    return Status(StatusCode::kInvalidArgument,
                  "queue depth must be 1 to " + std::to_string(kMaxQueueDepth));
  }
  auto reader = std::make_unique<UringReader>(depth, std::move(filter));
  LLMCORE_RETURN_IF_ERROR(reader->Init());
  return std::unique_ptr<FileReader>(std::move(reader));
}

}  // namespace llmcore::store
