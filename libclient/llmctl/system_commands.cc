// hw and status: what the daemon runs on and whether it can serve now.
#include <string>

#include "bus_value.h"
#include "commands.h"
#include "errors.h"
#include "format.h"
#include "hardware_format.h"

namespace llmcore::llmctl {

int HardwareCommand(sd_bus* bus, const CommandLine& line) {
  auto call = NewManagerCall(bus, "GetHardware");
  if (!call.ok()) return PrintFailure(call.status());
  auto reply = Call(bus, call->get());
  if (!reply.ok()) return PrintFailure(reply.status());
  auto raw = ReadValue(reply->get());
  if (!raw.ok()) return PrintFailure(raw.status());
  const Json hardware = HardwareJson(*raw);
  if (line.json) {
    PrintJson(hardware);
  } else {
    PrintText(FormatHardware(hardware));
  }
  return kExitOk;
}

int StatusCommand(sd_bus* bus, const CommandLine& line) {
  auto call = NewManagerCall(bus, "GetStatus");
  if (!call.ok()) return PrintFailure(call.status());
  int r = sd_bus_message_append(call->get(), "s", line.model.c_str());
  if (r < 0) return PrintFailure(SdBusFailure(r, "GetStatus"));
  auto reply = Call(bus, call->get());
  if (!reply.ok()) return PrintFailure(reply.status());
  const char* availability = nullptr;
  const char* reason = nullptr;
  r = sd_bus_message_read(reply->get(), "ss", &availability, &reason);
  if (r < 0) return PrintFailure(SdBusFailure(r, "reading the GetStatus reply"));
  if (line.json) {
    PrintJson(Json{{"availability", availability}, {"reason", reason}});
  } else {
    PrintText(FormatStatus(availability, reason) + "\n");
  }
  return std::string_view(availability) == "ready" ? kExitOk : kExitNotAvailable;
}

}  // namespace llmcore::llmctl
