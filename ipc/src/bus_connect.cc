#include "llmcore/ipc/bus_connect.h"

namespace llmcore::ipc {

int OpenBusAtAddress(const char* address, sd_bus** bus) {
  sd_bus* opened = nullptr;
  int r = sd_bus_new(&opened);
  if (r >= 0) r = sd_bus_set_address(opened, address);
  if (r >= 0) r = sd_bus_set_bus_client(opened, 1);
  if (r >= 0) r = sd_bus_start(opened);
  if (r < 0) {
    sd_bus_unref(opened);
    return r;
  }
  *bus = opened;
  return r;
}

}  // namespace llmcore::ipc
