// eventfd helpers for ring wake-ups: one eventfd per ring direction, written
// by the producer when the consumer said it sleeps (see byte_ring.h).
//
// Thread safety: plain syscalls on an fd the caller owns; any thread.
#pragma once

#include <cstdint>

#include "llmcore/status.h"
#include "llmcore/unique_fd.h"

namespace llmcore::ipc {

// A new eventfd with EFD_CLOEXEC | EFD_NONBLOCK and a zero counter.
Result<UniqueFd> CreateEventFd();

// Adds 1 to the counter. A counter already at its maximum means a wake-up is
// pending anyway: that is success too. Errors only for a bad fd.
Status SignalEventFd(int fd);

// Reads and resets the counter: the number of signals since the last drain
// (0 when none; the fd must be non-blocking).
Result<uint64_t> DrainEventFd(int fd);

}  // namespace llmcore::ipc
