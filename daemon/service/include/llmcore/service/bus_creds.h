// Who sent a method call: the peer's effective uid, asked from the bus.
#pragma once

#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "llmcore/status.h"

namespace llmcore::service {

struct Caller {
  uid_t uid = static_cast<uid_t>(-1);
};

// Errors: kPermissionDenied when the bus does not say (fail closed).
Result<Caller> CallerCreds(sd_bus_message* call);

}  // namespace llmcore::service
