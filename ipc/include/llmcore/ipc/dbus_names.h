// The D-Bus names of the llmcore service: part of its public API.
#pragma once

namespace llmcore::ipc {

inline constexpr char kBusName[] = "org.llmcore.Core1";
inline constexpr char kObjectPath[] = "/org/llmcore/Core1";
inline constexpr char kManagerInterface[] = "org.llmcore.Core1.Manager";
inline constexpr char kSessionInterface[] = "org.llmcore.Core1.Session";
inline constexpr char kErrorPrefix[] = "org.llmcore.Error.";
inline constexpr char kManagePolkitAction[] = "org.llmcore.manage";

// The named errors of org.llmcore.Core1.xml (kErrorPrefix + the short name).
inline constexpr char kErrorInvalidArgument[] = "org.llmcore.Error.InvalidArgument";
inline constexpr char kErrorModelNotFound[] = "org.llmcore.Error.ModelNotFound";
inline constexpr char kErrorModelNotLoaded[] = "org.llmcore.Error.ModelNotLoaded";
inline constexpr char kErrorNoSuchSession[] = "org.llmcore.Error.NoSuchSession";
inline constexpr char kErrorBusy[] = "org.llmcore.Error.Busy";
inline constexpr char kErrorAccessDenied[] = "org.llmcore.Error.AccessDenied";
inline constexpr char kErrorLoadFailed[] = "org.llmcore.Error.LoadFailed";
inline constexpr char kErrorUnsupported[] = "org.llmcore.Error.Unsupported";
inline constexpr char kErrorShuttingDown[] = "org.llmcore.Error.ShuttingDown";
inline constexpr char kErrorFailed[] = "org.llmcore.Error.Failed";

}  // namespace llmcore::ipc
