// Request options and parameters: copying a caller's struct by its
// struct_size, validating it without a daemon, and writing it as the a{sv}
// of org.llmcore.Core1.xml.
#pragma once

#include <systemd/sd-bus.h>

#include <cstddef>

#include "llmcore.h"
#include "status.h"

namespace llmcore::lib {

// Copies the fields of `in` that in->struct_size covers over the defaults
// into *out. NULL `in` gives the defaults. INVALID_ARGUMENT when struct_size
// does not even cover itself.
Error CopyGenerateOptions(const llmcore_generate_options* in, llmcore_generate_options* out);
Error CopyConnectParams(const llmcore_connect_params* in, llmcore_connect_params* out);
Error CopySessionParams(const llmcore_session_params* in, llmcore_session_params* out);

// The rules of org.llmcore.Core1.xml's option keys, checked on a full
// (copied) struct. Returns nullptr when valid, else a static reason.
const char* ValidateGenerateOptions(const llmcore_generate_options& options);

// Copy and validate in one step.
Error PrepareGenerateOptions(const llmcore_generate_options* in, llmcore_generate_options* out);

// Checks chat messages: a non-NULL array when count > 0, role and content
// set in each.
Error ValidateMessages(const llmcore_message* messages, size_t count);

// Appends the set fields as "a{sv}" (unset ones are left to the daemon).
int AppendGenerateOptions(sd_bus_message* m, const llmcore_generate_options& options);
// Appends "a(ss)".
int AppendMessages(sd_bus_message* m, const llmcore_message* messages, size_t count);

}  // namespace llmcore::lib
