// Opening a client connection to the D-Bus bus at an explicit address: what
// llmcored --bus=ADDRESS, llmctl's bus override and libllmcore's address
// override share (the system and session buses have sd-bus calls of their own).
#pragma once

#include <systemd/sd-bus.h>

namespace llmcore::ipc {

// Connects to the bus at `address` (a D-Bus address, "unix:path=/run/bus")
// as a bus client (Hello is sent). On success returns >= 0 and stores a new
// reference in *bus, which the caller unrefs. On failure returns a negative
// errno and leaves *bus untouched; nothing is leaked.
int OpenBusAtAddress(const char* address, sd_bus** bus);

}  // namespace llmcore::ipc
