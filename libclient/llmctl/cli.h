// llmctl's command line: `llmctl [--bus=system|session|ADDRESS] [--json] COMMAND ...`.
//
// The global options may also follow the command (`llmctl list --json`,
// `llmctl driver reload cpu --json`).
// `llmctl --help` and `llmctl COMMAND --help` describe every option and list
// the exit statuses (errors.h).
//
// Thread safety: ParseCommandLine writes help and errors to stdout/stderr.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "bus.h"
#include "llmcore/status.h"
#include "options.h"

namespace llmcore::llmctl {

// Where `swap` moves a model: DRIVER[:DEVICE]. device "" is the driver's
// best device; otherwise a device name ("cpu", "cuda0") or an index in
// decimal, passed to the daemon as written.
struct DriverTarget {
  std::string driver;
  std::string device;
};

// Splits DRIVER[:DEVICE] at its first ':' ("cuda:cuda0", "cuda:1",
// "reference", "reference:" = device ""). kInvalidArgument for an empty
// DRIVER (":cuda0", "", ":"), with a message that names the text.
Result<DriverTarget> ParseDriverTarget(std::string_view text);

struct CommandLine {
  BusSpec bus;
  bool json = false;
  // "list", "info", "load", "unload", "ps", "hw", "status", "run", "swap",
  // "verify", "driver reload" (a group's command and its subcommand, joined
  // by a space)
  std::string command;
  std::string model;  // info, load, unload, run, swap, verify; status ("" = the default model)
  bool pin = false;   // load

  // swap MODEL DRIVER[:DEVICE]; driver reload NAME (driver only)
  DriverTarget target;
  std::optional<uint32_t> threads;  // swap --threads (0: the driver's choice)
  bool reprocess = false;           // swap --reprocess

  std::optional<uint32_t> verify_tokens;  // verify --tokens

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
