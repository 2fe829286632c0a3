// Status codes of libllmcore and how D-Bus errors map to them.
//
// Error is the internal result of every step: a code of llmcore.h's
// llmcore_status (LLMCORE_OK = 0) and a message naming the problem.
#pragma once

#include <string>
#include <string_view>

namespace llmcore::lib {

struct Error {
  int code = 0;  // llmcore_status
  std::string message;

  bool ok() const { return code == 0; }
  static Error Ok() { return {}; }
};

inline constexpr char kInterruptedMessage[] = "interrupted: the service restarted";

// The code of a D-Bus error name: org.llmcore.Error.* one to one, the bus's
// ServiceUnknown / NameHasNoOwner as DAEMON_UNAVAILABLE, NoReply as
// INTERRUPTED when the message says the daemon disconnected (TIMEOUT
// otherwise), anything else FAILED.
int CodeFromBusError(std::string_view name, std::string_view message);

// An Error from a D-Bus error: the code above and "ShortName: message".
Error ErrorFromBus(std::string_view name, std::string_view message);

// The static English text of a code (llmcore_error_message).
const char* CodeName(int code);

}  // namespace llmcore::lib
