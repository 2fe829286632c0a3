// RunDaemon: llmcored's life from start to exit.
//
//   start:  read the configuration (a bad file is fatal at start), probe the
//           hardware, load the CPU driver, connect to the bus, scan the model
//           directories, own org.llmcore.Core1, then tell systemd READY=1 and
//           preload the configured models;
//   serve:  the sd-event loop; WATCHDOG=1 every WatchdogSec/2 only while every
//           model's worker thread has checked in; idle models unloaded after
//           the keep-alive;
//   SIGHUP: re-read the configuration (a bad file keeps the old one, with
//           the reason in the journal) and rescan the models; sessions stay;
//   SIGTERM/SIGINT: drain - release the bus name, refuse new calls with
//           ShuttingDown, let running generations finish for up to
//           DrainTimeout= (10 s), end the rest with stop reason "shutdown", exit 0.
#pragma once

#include <string>

namespace llmcore::service {

struct DaemonOptions {
  // "system", "session" or a D-Bus address ("unix:path=/run/x").
  std::string bus = "system";
  std::string config_path;  // empty: /etc/llmcore/llmcored.conf
  std::string version;
};

// The process exit status: 0 after a clean stop, 1 when starting failed.
int RunDaemon(const DaemonOptions& options);

}  // namespace llmcore::service
