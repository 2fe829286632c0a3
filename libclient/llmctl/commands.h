// The commands of llmctl. Each runs on a connected bus (run connects through
// libllmcore instead, to the bus of line.bus), prints its output on stdout
// (text, or JSON with --json) and any failure on stderr, and returns the exit
// status (errors.h).
//
// Output formats: format.h, hardware_format.h and driver_format.h;
// libclient/README.md documents them.
#pragma once

#include <systemd/sd-bus.h>

#include <string>

#include "bus_value.h"
#include "cli.h"

namespace llmcore::llmctl {

int ListModelsCommand(sd_bus* bus, const CommandLine& line);    // list
int ModelInfoCommand(sd_bus* bus, const CommandLine& line);     // info MODEL
int LoadModelCommand(sd_bus* bus, const CommandLine& line);     // load MODEL [--pin]
int UnloadModelCommand(sd_bus* bus, const CommandLine& line);   // unload MODEL
int LoadedModelsCommand(sd_bus* bus, const CommandLine& line);  // ps
int HardwareCommand(sd_bus* bus, const CommandLine& line);      // hw
int StatusCommand(sd_bus* bus, const CommandLine& line);        // status [MODEL]
int RunCommand(const CommandLine& line);                        // run MODEL [PROMPT]
// swap MODEL DRIVER[:DEVICE] [--threads N] [--reprocess]
int SwapDriverCommand(sd_bus* bus, const CommandLine& line);
// verify MODEL [--tokens N]: kExitVerifyFailed (6) when the comparison ran
// and did not pass
int VerifyModelCommand(sd_bus* bus, const CommandLine& line);
int ReloadDriverCommand(sd_bus* bus, const CommandLine& line);  // driver reload NAME

// Writes text, or JSON (indented, invalid UTF-8 replaced) and a newline, to stdout.
void PrintText(const std::string& text);
void PrintJson(const Json& value);

}  // namespace llmcore::llmctl
