// llmctl: the administration tool of llmcored, the system LLM service.
//
//   llmctl [--bus=system|session|ADDRESS] [--json] COMMAND [ARGS]
//
// Commands: list, info MODEL, load MODEL [--pin], unload MODEL, ps, hw,
// status [MODEL], run MODEL [PROMPT] [options], swap MODEL DRIVER[:DEVICE]
// [--threads N] [--reprocess], verify MODEL [--tokens N], driver reload NAME. `llmctl --help`
// describes them; libclient/README.md documents the output formats and exit statuses.
#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <variant>

#include "cli.h"
#include "commands.h"
#include "errors.h"

namespace {

using llmcore::llmctl::CommandLine;

int Dispatch(const CommandLine& line) {
  // run is a client of libllmcore, which opens its own connection.
  if (line.command == "run") return llmcore::llmctl::RunCommand(line);
  using Command = int (*)(sd_bus*, const CommandLine&);
  static const std::map<std::string, Command> kCommands = {
      {"list", llmcore::llmctl::ListModelsCommand},
      {"info", llmcore::llmctl::ModelInfoCommand},
      {"load", llmcore::llmctl::LoadModelCommand},
      {"unload", llmcore::llmctl::UnloadModelCommand},
      {"ps", llmcore::llmctl::LoadedModelsCommand},
      {"hw", llmcore::llmctl::HardwareCommand},
      {"status", llmcore::llmctl::StatusCommand},
      {"swap", llmcore::llmctl::SwapDriverCommand},
      {"verify", llmcore::llmctl::VerifyModelCommand},
      {"driver reload", llmcore::llmctl::ReloadDriverCommand},
  };
  const auto command = kCommands.find(line.command);
  if (command == kCommands.end()) {
    std::fprintf(stderr, "llmctl: unknown command '%s'\n", line.command.c_str());
    return llmcore::llmctl::kExitUsage;
  }
  auto bus = llmcore::llmctl::Connect(line.bus);
  if (!bus.ok()) return llmcore::llmctl::PrintFailure(bus.status());
  return command->second(bus->get(), line);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    auto parsed = llmcore::llmctl::ParseCommandLine(argc, argv);
    if (const int* exit_status = std::get_if<int>(&parsed)) return *exit_status;
    return Dispatch(std::get<CommandLine>(parsed));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "llmctl: %s\n", e.what());
    return llmcore::llmctl::kExitFailed;
  }
}
