// Exit statuses and the one-line failure messages of llmctl: the mapping from
// D-Bus error names to statuses is part of llmctl's documented interface.
#include "errors.h"

#include <gtest/gtest.h>

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
        "org.llmcore.Error.ShuttingDown", "org.llmcore.Error.Failed",
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
  EXPECT_EQ(kExitInterrupted, 130);
  EXPECT_EQ(ExitStatusFor(Status::Ok()), kExitOk);
  EXPECT_EQ(ExitStatusFor(Status(StatusCode::kIoError, "stdin")), kExitFailed);
}

TEST(LlmctlErrorsTest, AnErrorWithoutMessageIsJustItsName) {
  EXPECT_EQ(FormatFailure(StatusFromBusError("org.llmcore.Error.Busy", "")), "llmctl: Busy");
}

}  // namespace
}  // namespace llmcore::llmctl
