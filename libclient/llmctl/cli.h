// llmctl's command line: `llmctl [--bus=system|session|ADDRESS] [--json] COMMAND ...`.
//
// The global options may also follow the command (`llmctl list --json`).
// `llmctl --help` and `llmctl COMMAND --help` describe every option and list
// the exit statuses (errors.h).
//
// Thread safety: ParseCommandLine writes help and errors to stdout/stderr.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "bus.h"
#include "options.h"

namespace llmcore::llmctl {

struct CommandLine {
  BusSpec bus;
  bool json = false;
  std::string command;  // "list", "info", "load", "unload", "ps", "hw", "status", "run"
  std::string model;    // info, load, unload, run; status ("" = the default model)
  bool pin = false;     // load

  // run
  std::optional<std::string> prompt;         // absent: chat on a terminal, else stdin
  bool chat = false;                         // --chat (implied by --system)
  std::optional<std::string> system_prompt;  // --system
  bool verbose = false;                      // --verbose: statistics on stderr
  std::optional<uint32_t> context_length;    // --context
  GenerationFlags generation;
};

// Parses the arguments. Returns the command line, or the exit status to end
// with when there is nothing to run: 0 after --help (printed on stdout), 2
// (kExitUsage) after a bad command line (the reason printed on stderr).
std::variant<CommandLine, int> ParseCommandLine(int argc, const char* const* argv);

}  // namespace llmcore::llmctl
