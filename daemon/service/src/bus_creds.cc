#include "llmcore/service/bus_creds.h"

#include <fmt/format.h>

#include <cstring>

namespace llmcore::service {

Result<Caller> CallerCreds(sd_bus_message* call) {
  sd_bus_creds* creds = nullptr;
  // On dbus-daemon the bus answers with the uid it got from SO_PEERCRED when
  // the peer connected, which is that process's effective uid then.
  int r = sd_bus_query_sender_creds(call, SD_BUS_CREDS_UID | SD_BUS_CREDS_EUID, &creds);
  Caller caller;
  if (r >= 0 && sd_bus_creds_get_euid(creds, &caller.uid) < 0) {
    r = sd_bus_creds_get_uid(creds, &caller.uid);
  }
  sd_bus_creds_unref(creds);
  if (r < 0) {
    return Status(StatusCode::kPermissionDenied,
                  fmt::format("cannot tell the caller's uid: {}", std::strerror(-r)));
  }
  return caller;
}

}  // namespace llmcore::service
