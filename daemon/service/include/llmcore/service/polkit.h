// Asking polkit whether the sender of a method call may perform an action.
//
// CheckAuthorization is called asynchronously on org.freedesktop.PolicyKit1
// with the caller's unique bus name as the subject (never its pid, which can
// be recycled), allowing interactive authentication. The answer arrives on
// the loop thread through `done`. Fails closed: polkit absent, an error
// reply, a malformed reply or a challenge without authorization all mean
// "denied" with a reason.
//
// Callers whose effective uid is 0 are authorized without asking, as
// systemd's own services do: root can do everything the action guards by
// other means anyway.
#pragma once

#include <systemd/sd-bus.h>

#include <functional>
#include <string>

#include "llmcore/status.h"

namespace llmcore::service {

// Status::Ok() when authorized; kPermissionDenied with the reason otherwise.
using PolkitDone = std::function<void(Status)>;

// `call` is the method call being authorized (its sender is the subject).
// `done` runs exactly once, possibly before this returns (root, or when the
// request cannot even be sent).
void CheckPolkitAuthorization(sd_bus* bus, sd_bus_message* call, const std::string& action,
                              PolkitDone done);

}  // namespace llmcore::service
