// The D-Bus names of the llmcore service: part of its public API.
#pragma once

namespace llmcore::ipc {

inline constexpr char kBusName[] = "org.llmcore.Core1";
inline constexpr char kObjectPath[] = "/org/llmcore/Core1";
inline constexpr char kManagerInterface[] = "org.llmcore.Core1.Manager";
inline constexpr char kErrorPrefix[] = "org.llmcore.Error.";
inline constexpr char kManagePolkitAction[] = "org.llmcore.manage";

}  // namespace llmcore::ipc
