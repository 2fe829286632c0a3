// Model names: how clients, the configuration and the registry name a model.
//
// A name is never a path from a client: the registry maps it to a file inside
// a configured model directory. The syntax keeps names printable, shell- and
// D-Bus-friendly, and free of anything a path resolver would interpret:
//
//   1 to 255 bytes of [A-Za-z0-9._:/+-]; no leading '/', no "//", no
//   trailing '/', no ".." anywhere and no "." segment.
//
// Examples: "stories260K", "llama/7b-q8", "hf:Qwen/Qwen2-0.5B-Instruct-GGUF/
// qwen2-0_5b-instruct-q8_0", "ollama:llama3.2:1b".
//
// The rule lives here, with the configuration, because the configuration
// names models too (Default=, Preload=, Pin=) and must reject a bad name at
// its file and line; the registry re-exports it.
//
// Thread safety: pure function.
#pragma once

#include <cstddef>
#include <string_view>

#include "llmcore/status.h"

namespace llmcore::config {

inline constexpr size_t kMaxModelNameBytes = 255;

// Ok for a name that follows the syntax above; otherwise kInvalidArgument
// with a message quoting the name and saying which rule it breaks.
Status ValidateModelName(std::string_view name);

}  // namespace llmcore::config
