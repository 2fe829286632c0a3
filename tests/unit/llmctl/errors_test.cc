// Exit statuses and the one-line failure messages of llmctl: the mapping from
// D-Bus error names and libllmcore's codes to statuses is part of llmctl's
// documented interface.
#include "errors.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "llmcore.h"

namespace llmcore::llmctl {
namespace {

TEST(LlmctlErrorsTest, ShortErrorNameStripsTheLlmcoreAndDbusPrefixes) {
  EXPECT_EQ(ShortErrorName("org.llmcore.Error.ModelNotFound"), "ModelNotFound");
  EXPECT_EQ(ShortErrorName("org.freedesktop.DBus.Error.ServiceUnknown"), "ServiceUnknown");
  EXPECT_EQ(ShortErrorName("com.example.Error.Other"), "com.example.Error.Other");
  EXPECT_EQ(ShortErrorName("org.llmcore.Error."), "org.llmcore.Error.");
}

TEST(LlmctlErrorsTest, DaemonErrorsPrintTheirShortNameAndMessageAndExitWithOne) {
  for (const char* name :
       {"org.llmcore.Error.InvalidArgument", "org.llmcore.Error.ModelNotFound",
        "org.llmcore.Error.ModelNotLoaded", "org.llmcore.Error.NoSuchSession",
        "org.llmcore.Error.Busy", "org.llmcore.Error.LoadFailed", "org.llmcore.Error.Unsupported",
        "org.llmcore.Error.ShuttingDown", "org.llmcore.Error.DriverNotFound",
        "org.llmcore.Error.SwapFailed", "org.llmcore.Error.Failed",
        "org.llmcore.Error.SomethingNewer", "org.freedesktop.DBus.Error.UnknownMethod",
        "org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Timeout"}) {
    SCOPED_TRACE(name);
    const Status status = StatusFromBusError(name, "what went wrong");
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(ExitStatusFor(status), kExitFailed);
    EXPECT_EQ(FormatFailure(status),
              "llmctl: " + std::string(ShortErrorName(name)) + ": what went wrong");
  }
  EXPECT_EQ(
      FormatFailure(StatusFromBusError("org.llmcore.Error.ModelNotFound", "no model named 'x'")),
      "llmctl: ModelNotFound: no model named 'x'");
}

TEST(LlmctlErrorsTest, AccessDeniedExitsWithFive) {
  for (const char* name :
       {"org.llmcore.Error.AccessDenied", "org.freedesktop.DBus.Error.AccessDenied",
        "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"}) {
    SCOPED_TRACE(name);
    const Status status = StatusFromBusError(name, "not allowed");
    EXPECT_EQ(status.code(), StatusCode::kPermissionDenied);
    EXPECT_EQ(ExitStatusFor(status), kExitAccessDenied);
  }
}

TEST(LlmctlErrorsTest, NobodyServingTheNameExitsWithFour) {
  for (const char* name :
       {"org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
        "org.freedesktop.DBus.Error.NoServer", "org.freedesktop.DBus.Error.Disconnected",
        "org.freedesktop.DBus.Error.Spawn.ChildExited"}) {
    SCOPED_TRACE(name);
    const Status status = StatusFromBusError(name, "nobody home");
    EXPECT_EQ(status.code(), StatusCode::kUnavailable);
    EXPECT_EQ(ExitStatusFor(status), kExitUnreachable);
  }
}

TEST(LlmctlErrorsTest, ExitStatusesAreTheDocumentedNumbers) {
  EXPECT_EQ(kExitOk, 0);
  EXPECT_EQ(kExitFailed, 1);
  EXPECT_EQ(kExitUsage, 2);
  EXPECT_EQ(kExitNotAvailable, 3);
  EXPECT_EQ(kExitUnreachable, 4);
  EXPECT_EQ(kExitAccessDenied, 5);
  EXPECT_EQ(kExitVerifyFailed, 6);
  EXPECT_EQ(kExitInterrupted, 130);
  EXPECT_EQ(ExitStatusFor(Status::Ok()), kExitOk);
  EXPECT_EQ(ExitStatusFor(Status(StatusCode::kIoError, "stdin")), kExitFailed);
}

TEST(LlmctlErrorsTest, DriverErrorsGetTheirNearestCodes) {
  EXPECT_EQ(StatusFromBusError("org.llmcore.Error.DriverNotFound", "no driver 'x'").code(),
            StatusCode::kNotFound);
  EXPECT_EQ(StatusFromBusError("org.llmcore.Error.SwapFailed", "the new instance failed").code(),
            StatusCode::kInternal);
  EXPECT_EQ(FormatFailure(StatusFromBusError("org.llmcore.Error.DriverNotFound", "no driver 'x'")),
            "llmctl: DriverNotFound: no driver 'x'");
}

TEST(LlmctlErrorsTest, AnErrorWithoutMessageIsJustItsName) {
  EXPECT_EQ(FormatFailure(StatusFromBusError("org.llmcore.Error.Busy", "")), "llmctl: Busy");
}

TEST(LlmctlErrorsTest, LibraryErrorsKeepTheDaemonsNamesAndExitWithOne) {
  for (const int code : std::initializer_list<int>{
           LLMCORE_ERROR_INVALID_ARGUMENT, LLMCORE_ERROR_MODEL_NOT_FOUND,
           LLMCORE_ERROR_MODEL_NOT_LOADED, LLMCORE_ERROR_NO_SUCH_SESSION, LLMCORE_ERROR_BUSY,
           LLMCORE_ERROR_LOAD_FAILED, LLMCORE_ERROR_UNSUPPORTED, LLMCORE_ERROR_SHUTTING_DOWN,
           LLMCORE_ERROR_FAILED, LLMCORE_ERROR_TIMEOUT, LLMCORE_ERROR_NO_MEMORY,
           LLMCORE_ERROR_PROTOCOL, -1000}) {
    SCOPED_TRACE(code);
    const Status status = StatusFromLibrary(code, "Busy: the queue is full");
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(ExitStatusFor(status), kExitFailed);
    EXPECT_EQ(FormatFailure(status), "llmctl: Busy: the queue is full");
  }
  EXPECT_EQ(FormatFailure(StatusFromLibrary(LLMCORE_ERROR_MODEL_NOT_FOUND,
                                            "ModelNotFound: no model named 'x'")),
            "llmctl: ModelNotFound: no model named 'x'");
}

TEST(LlmctlErrorsTest, LibraryAccessDeniedExitsWithFive) {
  const Status status = StatusFromLibrary(LLMCORE_ERROR_ACCESS_DENIED, "AccessDenied: no");
  EXPECT_EQ(status.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(ExitStatusFor(status), kExitAccessDenied);
  EXPECT_EQ(FormatFailure(status), "llmctl: AccessDenied: no");
}

TEST(LlmctlErrorsTest, LibraryUnreachableDaemonExitsWithFour) {
  const Status absent = StatusFromLibrary(LLMCORE_ERROR_DAEMON_UNAVAILABLE,
                                          "cannot connect to the system bus: No such file");
  EXPECT_EQ(ExitStatusFor(absent), kExitUnreachable);
  EXPECT_EQ(FormatFailure(absent), "llmctl: cannot connect to the system bus: No such file");
  // The daemon left the bus while run waited.
  const Status left =
      StatusFromLibrary(LLMCORE_ERROR_INTERRUPTED, "interrupted: the service restarted");
  EXPECT_EQ(ExitStatusFor(left), kExitUnreachable);
  EXPECT_EQ(FormatFailure(left), "llmctl: Disconnected: the daemon left the bus");
}

TEST(LlmctlErrorsTest, ALibraryErrorWithoutMessageIsNamedByItsCode) {
  EXPECT_EQ(FormatFailure(StatusFromLibrary(LLMCORE_ERROR_NO_MEMORY, "")),
            std::string("llmctl: ") + llmcore_error_message(LLMCORE_ERROR_NO_MEMORY));
}

}  // namespace
}  // namespace llmcore::llmctl
