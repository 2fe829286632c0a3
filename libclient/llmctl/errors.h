// How llmctl fails: its exit statuses, and how D-Bus errors and libllmcore's
// status codes become a Status.
//
// Exit statuses (stable; listed in `llmctl --help` and libclient/README.md):
//   0  success
//   1  the daemon (or the bus) reported an error
//   2  bad command line
//   3  `status`: generation is not available now
//   4  the daemon cannot be reached: no bus, or nobody owns org.llmcore.Core1
//   5  access denied (polkit or the bus policy said no)
//   6  `verify`: the comparison ran and the driver disagreed with the reference
//   130 interrupted (Ctrl-C)
//
// Failures print one line on stderr: "llmctl: <Name>: <message>", where Name is
// the D-Bus error name without its "org.llmcore.Error." (or
// "org.freedesktop.DBus.Error.") prefix, e.g.
//   llmctl: ModelNotFound: no model named 'nope' in /var/lib/llmcore/models
//
// All functions are pure and thread-safe except PrintFailure (writes stderr).
#pragma once

#include <string>
#include <string_view>

#include "llmcore/status.h"

namespace llmcore::llmctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotAvailable = 3;
inline constexpr int kExitUnreachable = 4;
inline constexpr int kExitAccessDenied = 5;
inline constexpr int kExitVerifyFailed = 6;
inline constexpr int kExitInterrupted = 130;

// The error name without the llmcore or D-Bus prefix ("ModelNotFound",
// "ServiceUnknown"); other names are returned whole.
std::string_view ShortErrorName(std::string_view name);

// A D-Bus error as a Status whose message is "<short name>: <message>". The
// code follows the name: kPermissionDenied for the access-denied names,
// kUnavailable for "nobody serves this name / no bus" (ServiceUnknown,
// NameHasNoOwner, NoServer, Disconnected, Spawn.*), the nearest code for the
// other llmcore errors, kIoError for names of other parties. Only
// kPermissionDenied and kUnavailable matter to the exit status.
Status StatusFromBusError(std::string_view name, std::string_view message);

// A libllmcore failure (a negative llmcore_status) as a Status. `message` is
// the failing handle's last error, which for the daemon's named errors
// already reads "<short name>: <message>" ("Busy: ..."), and is kept as it
// is; "" gives the code's own text (llmcore_error_message). Codes follow the
// same rule as StatusFromBusError: ACCESS_DENIED is kPermissionDenied,
// DAEMON_UNAVAILABLE kUnavailable, and so is INTERRUPTED (the daemon left the
// bus or the connection broke while run waited; its message becomes
// "Disconnected: the daemon left the bus").
Status StatusFromLibrary(int code, std::string_view message);

// 0 for ok, 5 for kPermissionDenied, 4 for kUnavailable, 1 for anything else.
// (2, 3, 6 and 130 are decided by the command line and the commands themselves.)
int ExitStatusFor(const Status& status);

// "llmctl: <message>".
std::string FormatFailure(const Status& status);

// Prints FormatFailure(status) on stderr and returns ExitStatusFor(status).
int PrintFailure(const Status& status);

}  // namespace llmcore::llmctl
