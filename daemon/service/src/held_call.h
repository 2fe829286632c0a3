// HeldCall: a method call kept referenced until the service answers it,
// possibly later and from a callback (polkit, a load, a swap).
//
// Thread safety: loop thread only, like every sd-bus object of the service.
#pragma once

#include <systemd/sd-bus.h>

namespace llmcore::service {

struct HeldCall {
  explicit HeldCall(sd_bus_message* m) : call(sd_bus_message_ref(m)) {}
  ~HeldCall() { sd_bus_message_unref(call); }
  HeldCall(const HeldCall&) = delete;
  HeldCall& operator=(const HeldCall&) = delete;
  sd_bus_message* call;
};

}  // namespace llmcore::service
