// swap, verify, driver reload: moving a model between drivers, checking a
// driver against the reference driver, and upgrading a driver in place.
// Each is one manager call (polkit may ask the person at the terminal: the
// connection allows interactive authorization) that replies with an a{sv}
// report.
#include <string>

#include "bus_value.h"
#include "commands.h"
#include "driver_format.h"
#include "errors.h"
#include "options.h"

namespace llmcore::llmctl {
namespace {

// Sends `call` and reads the a{sv} report of its reply. The long timeout
// covers a polkit password prompt and a new instance reading its weights.
Result<Json> CallForReport(sd_bus* bus, sd_bus_message* call) {
  LLMCORE_ASSIGN_OR_RETURN(MessagePtr reply, Call(bus, call, kLongCallTimeoutUsec));
  return ReadValue(reply.get());
}

Result<Json> SwapDriver(sd_bus* bus, const CommandLine& line) {
  LLMCORE_ASSIGN_OR_RETURN(MessagePtr call, NewManagerCall(bus, "SwapDriver"));
  const int r = sd_bus_message_append(call.get(), "sss", line.model.c_str(),
                                      line.target.driver.c_str(), line.target.device.c_str());
  if (r < 0) return SdBusFailure(r, "SwapDriver");
  LLMCORE_RETURN_IF_ERROR(AppendOptions(call.get(), SwapOptions(line.threads, line.reprocess)));
  return CallForReport(bus, call.get());
}

Result<Json> VerifyModel(sd_bus* bus, const CommandLine& line) {
  LLMCORE_ASSIGN_OR_RETURN(MessagePtr call, NewManagerCall(bus, "VerifyModel"));
  const int r = sd_bus_message_append(call.get(), "s", line.model.c_str());
  if (r < 0) return SdBusFailure(r, "VerifyModel");
  LLMCORE_RETURN_IF_ERROR(AppendOptions(call.get(), VerifyOptions(line.verify_tokens)));
  return CallForReport(bus, call.get());
}

Result<Json> ReloadDriver(sd_bus* bus, const CommandLine& line) {
  LLMCORE_ASSIGN_OR_RETURN(MessagePtr call, NewManagerCall(bus, "ReloadDriver"));
  const int r = sd_bus_message_append(call.get(), "s", line.target.driver.c_str());
  if (r < 0) return SdBusFailure(r, "ReloadDriver");
  return CallForReport(bus, call.get());
}

}  // namespace

int SwapDriverCommand(sd_bus* bus, const CommandLine& line) {
  auto report = SwapDriver(bus, line);
  if (!report.ok()) return PrintFailure(report.status());
  if (line.json) {
    PrintJson(*report);
  } else {
    PrintText(FormatSwapReport(*report) + "\n");
  }
  return kExitOk;
}

int VerifyModelCommand(sd_bus* bus, const CommandLine& line) {
  auto report = VerifyModel(bus, line);
  if (!report.ok()) return PrintFailure(report.status());
  if (line.json) {
    PrintJson(*report);
  } else {
    PrintText(FormatVerifyReport(*report));
  }
  return VerifyPassed(*report) ? kExitOk : kExitVerifyFailed;
}

int ReloadDriverCommand(sd_bus* bus, const CommandLine& line) {
  auto report = ReloadDriver(bus, line);
  if (!report.ok()) return PrintFailure(report.status());
  if (line.json) {
    PrintJson(*report);
  } else {
    PrintText(FormatReloadReport(*report) + "\n");
  }
  return kExitOk;
}

}  // namespace llmcore::llmctl
