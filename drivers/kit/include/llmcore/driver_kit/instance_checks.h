// The checks every single-device driver makes on the instance parameters
// and sequence arguments it is given, with the same error messages.
//
// Ownership: nothing is kept. Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "llmcore/driver.h"
#include "llmcore/status.h"

namespace llmcore::driver_kit {

// kInvalidArgument "instance: <message>".
Status InvalidInstance(std::string message);

// A driver's upper bounds on the instance sizes.
struct InstanceLimits {
  uint32_t max_ctx = 0;
  uint32_t max_seq = 0;
  uint32_t max_batch = 0;
};

// Checks what every driver checks, in this order: `params` not NULL and
// large enough, device_index 0 (`driver` names the driver: "the cpu driver
// has device 0 only"), n_ctx, n_seq_max and n_batch_max in [1, max]. The
// rest (threads, cpus) is the driver's. Errors: kInvalidArgument naming the
// field.
Status CheckInstanceParams(const llmcore_instance_params* params, const InstanceLimits& limits,
                           std::string_view driver);

// kInvalidArgument "<what>: sequence id S is out of range (n_seq_max N)"
// unless 0 <= seq < n_seq.
Status CheckSeqId(int32_t seq, uint32_t n_seq, const char* what);

// seq_remove's range rule on a sequence of `length` positions: positions
// [p0, p1) go (p1 < 0: to the end), and only a suffix can go. Returns the
// length the sequence keeps (`length` when nothing is removed). Errors:
// kInvalidArgument for a negative p0; kUnsupported when the range would
// leave a hole.
Result<uint32_t> LengthAfterRemove(int32_t seq, uint32_t length, int32_t p0, int32_t p1);

}  // namespace llmcore::driver_kit
