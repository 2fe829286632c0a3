// Reading D-Bus values of any type as JSON, for output (--json and the human
// formats, which are rendered from the same JSON).
//
// Mapping: integers, doubles and booleans become JSON numbers and booleans;
// strings, object paths and signatures become strings; a variant becomes
// its value; a struct becomes an array of its fields; an array becomes an
// array, except a dictionary (a{..}), which becomes an object keyed by its
// keys as text (in message order; a repeated key keeps its last value); a
// unix fd becomes its number in this process.
//
// Thread safety: pure functions of the message they read.
#pragma once

#include <systemd/sd-bus.h>

#include <nlohmann/json.hpp>

#include "llmcore/status.h"

namespace llmcore::llmctl {

using Json = nlohmann::ordered_json;

// Reads the next complete value of `message` and leaves the message after it.
// Fails with kCorrupt at the end of the message or the current container.
Result<Json> ReadValue(sd_bus_message* message);

// Reads every remaining value of the current container (or of the message
// body) as a JSON array.
Result<Json> ReadRemaining(sd_bus_message* message);

}  // namespace llmcore::llmctl
